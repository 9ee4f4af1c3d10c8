/**
 * Steps that must happen in order although some of them wait: a step runs at once while nothing
 * is waiting, else after the steps before it. (The client seals and opens end-to-end messages
 * asynchronously; what is typed or received after one must not overtake it.)
 *
 * @module
 */

/** A queue of steps, each run after the one before has finished. */
export class InOrder {
  #last: Promise<void> | undefined;

  /** Runs `step` now if nothing is waiting, else after what is; its errors go to `onError`. */
  run(step: () => void | Promise<void>, onError: (error: unknown) => void = () => {}): void {
    if (this.#last === undefined) {
      let result: void | Promise<void>;
      try {
        result = step();
      } catch (error) {
        onError(error);
        return;
      }
      if (result instanceof Promise) this.#wait(result.catch(onError));
      return;
    }
    this.#wait(this.#last.then(step).catch(onError));
  }

  /** Resolves once every step given so far has run. */
  async idle(): Promise<void> {
    while (this.#last !== undefined) await this.#last;
  }

  #wait(promise: Promise<void>): void {
    const last: Promise<void> = promise.finally(() => {
      if (this.#last === last) this.#last = undefined;
    });
    this.#last = last;
  }
}
