/**
 * Users connected more than once: an account may be connected from several clients at once
 * ("multiclient"). The roster and the rooms keep one entry per user, its first connection; the
 * user's other connections hang off that entry here, and delivery to a user expands to all of
 * them in one place (`expand`). When the entry leaves while others stay, the next one takes its
 * place.
 *
 * @module
 */

/** Each user's extra connections, and the entry each extra connection belongs to. */
export class Connections<M> {
  /** A user's entry connection to its other connections, in the order they came. */
  readonly #extras = new Map<M, M[]>();
  /** An extra connection to its user's entry. */
  readonly #entryOf = new Map<M, M>();

  /** Whether any user is connected more than once (when not, delivery needs no expanding). */
  get any(): boolean {
    return this.#extras.size > 0;
  }

  /** The entry (in the roster and rooms) of the user `connection` belongs to: itself if none. */
  entry(connection: M): M {
    return this.#entryOf.get(connection) ?? connection;
  }

  /** How many connections the user of entry `user` has. */
  count(user: M): number {
    return 1 + (this.#extras.get(user)?.length ?? 0);
  }

  /** Every connection of the user of entry `user`, the entry first. */
  all(user: M): M[] {
    const extras = this.#extras.get(user);
    return extras === undefined ? [user] : [user, ...extras];
  }

  /** Adds `connection` as another connection of the user of entry `user`. */
  add(user: M, connection: M): void {
    let extras = this.#extras.get(user);
    if (extras === undefined) this.#extras.set(user, extras = []);
    extras.push(connection);
    this.#entryOf.set(connection, user);
  }

  /**
   * Takes `connection` away from its user. Returns the user's entry afterwards: the same entry
   * when an extra connection left, the next connection when the entry left (it takes the entry's
   * place), and undefined when `connection` was its user's only one.
   */
  remove(connection: M): M | undefined {
    const entry = this.#entryOf.get(connection);
    if (entry !== undefined) {
      this.#entryOf.delete(connection);
      const extras = this.#extras.get(entry)!;
      extras.splice(extras.indexOf(connection), 1);
      if (extras.length === 0) this.#extras.delete(entry);
      return entry;
    }
    const extras = this.#extras.get(connection);
    if (extras === undefined) return undefined;
    this.#extras.delete(connection);
    const [next, ...rest] = extras;
    this.#entryOf.delete(next);
    if (rest.length > 0) this.#extras.set(next, rest);
    for (const other of rest) this.#entryOf.set(other, next);
    return next;
  }

  /**
   * Every connection of `users` (entries), in order, but `except` (a connection); the users as
   * they are when nobody is connected more than once.
   */
  *expand(users: Iterable<M>, except?: M): Iterable<M> {
    for (const user of users) {
      if (user !== except) yield user;
      const extras = this.#extras.get(user);
      if (extras === undefined) continue;
      for (const connection of extras) if (connection !== except) yield connection;
    }
  }
}
