/**
 * The server's key directory for end-to-end private messages: it keeps each user's devices and
 * their public key bundles (with the account, so that they outlive connections; with the
 * connection, for a guest, who has one device) and hands them to whoever asks. An account
 * approves its devices: the first by being first, any other by an approved device's signature.
 * The server never checks or uses a bundle or a signature beyond its shape (it computes a
 * device's id from its key, nothing more): the clients verify signatures and approvals and pin
 * keys, so a server that swaps keys or forges an approval is caught by them.
 *
 * @module
 */

import {
  deviceId,
  isDeviceId,
  type KeyBundle,
  type KeysReply,
  MAX_DEVICES,
  type ServerMessage,
} from "../../protocol.ts";
import type { DevicesCommand, KeysCommand, Member, Outbound } from "../core/types.ts";
import type { NewDevice, Store, StoredDevice } from "../store/store.ts";
import { nicknameKey } from "../protocol/values.ts";
import { InOrder } from "../common/in_order.ts";
import { E2E_STORE_ERROR, relayUnread, type UnreadRelay } from "./unread.ts";
import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import {
  approvalProblem,
  DEFAULT_DEVICE_NAME,
  deviceNameRefusal,
  devicesReply,
  parseBundle,
  quote,
} from "./devices.ts";

/** A key or device command failed unexpectedly (`keys: <error>`). */
export const KEYS_ERROR: EventKind<{ error: string }> = eventKind(
  "keys_error",
  "error",
  (f) => `keys: ${f.error}`,
);

/** What the key directory needs of the server. */
export interface KeyDirectoryOptions<M extends Member> {
  /** Where the `keys` replies and refusals go. */
  out: Outbound<M>;
  /** The connected member with this nickname, if any. */
  find: (nickname: string) => M | undefined;
  /** Every connection of the user `member` (itself when it has one). */
  connections?: (member: M) => M[];
  /** Where accounts keep their devices; none: bundles last as long as connections. */
  store?: Store;
  /** Told of a bundle that could not be kept. */
  log: Log;
  /** Told of each bundle a member of this server publishes (a cluster passes it on). */
  published?: (member: M, bundle: KeyBundle) => void;
  /** The wall clock (ms), for when a device was added. */
  now?: () => number;
}

/** What a connection published: its bundle and its device's name, and when. */
interface Published {
  bundle: KeyBundle;
  name: string;
  added: number;
}

/** Keeps and hands out public key bundles, by device. */
export class KeyDirectory<M extends Member> {
  readonly #options: KeyDirectoryOptions<M>;
  readonly #now: () => number;
  /** What each connection published (a guest's only device; for a cluster's digest). */
  readonly #byMember = new Map<M, Published>();
  /** The device each connection published as (forgotten when that device is revoked). */
  readonly #deviceOf = new Map<M, string>();
  /** Each connection's commands, carried out one after another. */
  readonly #queues = new Map<M | string, { steps: InOrder; waiting: number }>();

  /** Where `unread` notices go, or are kept. */
  readonly #unreadRelay: UnreadRelay<M>;

  /** Creates an empty directory. */
  constructor(options: KeyDirectoryOptions<M>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#unreadRelay = {
      out: options.out,
      store: options.store,
      now: this.#now,
      log: options.log,
      connectionsOf: (nickname) => this.#connectionsOf(nickname),
    };
  }

  /**
   * Carries out `command` from `member`: publishing its bundle or asking for one, approving or
   * revoking a device of its account, or telling a sender its message could not be opened.
   */
  handle(member: M, command: KeysCommand | DevicesCommand): void {
    if (member.nickname === undefined) {
      this.#refuse(member, 'Not registered: send a "nickname" message first', "unregistered");
      return;
    }
    // One connection's commands are carried out in the order they came: a lookup sent after an
    // approval answers with the device approved.
    // An account's devices change one command at a time, whichever connection of it asks (its
    // connections are all at one node): a revoke never crosses an approval or a publish.
    const key = member.account ?? member;
    let queue = this.#queues.get(key);
    if (queue === undefined) this.#queues.set(key, queue = { steps: new InOrder(), waiting: 0 });
    const steps = queue;
    steps.waiting++;
    const done = () => {
      // Forgotten once idle: the map holds only what is under way.
      if (--steps.waiting === 0 && this.#queues.get(key) === steps) this.#queues.delete(key);
    };
    steps.steps.run(
      () => this.#carryOut(member, command).finally(done),
      (error) =>
        this.#options.log(
          KEYS_ERROR.at(new Date(this.#now()), { error: (error as Error).message }),
        ),
    );
  }

  async #carryOut(member: M, command: KeysCommand | DevicesCommand): Promise<void> {
    switch (command.kind) {
      case "keys":
        if (command.bundle !== undefined) {
          await this.#publish(member, command.bundle, command.device);
        } else await this.#lookUp(member, command.nickname, command.ref);
        break;
      case "approve":
        await this.#approve(member, command.device, command.by, command.sig);
        break;
      case "revoke":
        await this.#revoke(member, command.device);
        break;
      case "unread": {
        const refusal = await relayUnread(this.#unreadRelay, member, command);
        if (refusal !== undefined) this.#refuse(member, refusal);
        break;
      }
    }
  }

  /** Makes the bundle `member` published its account's first device, as it has just made it. */
  async registered(member: M): Promise<void> {
    const published = this.#byMember.get(member);
    if (published === undefined || member.account === undefined) return;
    try {
      await this.#keepDevice(member, member.account, published);
    } catch (error) {
      this.#options.log(
        E2E_STORE_ERROR.at(new Date(this.#now()), {
          action: `keep the key of ${member.nickname}`,
          error: String(error),
        }),
      );
    }
  }

  /** Forgets what `member` published for its connection (an account's devices stay). */
  left(member: M): void {
    this.#byMember.delete(member);
    this.#deviceOf.delete(member);
  }

  /** The bundle `member` published on its connection, if any. */
  bundleOf(member: M): KeyBundle | undefined {
    return this.#byMember.get(member)?.bundle;
  }

  /** The id of the device `member` published as, if any (and not revoked since). */
  deviceOf(member: M): string | undefined {
    return this.#deviceOf.get(member);
  }

  /** Sets the bundle of `member`, a user of another node of the cluster (undefined: forgets it). */
  setBundle(member: M, bundle: KeyBundle | undefined): void {
    if (bundle === undefined) this.#byMember.delete(member);
    else this.#byMember.set(member, { bundle, name: DEFAULT_DEVICE_NAME, added: this.#now() });
  }

  // -------------------------------------------------------------------------
  // Publishing and looking up

  async #publish(member: M, bundle: KeyBundle, name = DEFAULT_DEVICE_NAME): Promise<void> {
    const refusal = deviceNameRefusal(name);
    if (refusal !== undefined) {
      this.#refuse(member, refusal);
      return;
    }
    let id: string;
    try {
      id = await deviceId(bundle.sign);
    } catch {
      this.#refuse(member, 'Invalid key bundle: "sign" is not base64');
      return;
    }
    if (member.closing) return;
    const published = { bundle, name, added: this.#now() };
    const account = member.account;
    if (account === undefined || this.#options.store === undefined) {
      this.#byMember.set(member, published);
      this.#deviceOf.set(member, id);
      this.#options.published?.(member, bundle);
      const device = { ...published, id, approved: true, bundle: JSON.stringify(bundle), acked: 0 };
      this.#reply(member, devicesReply(member.nickname!, [device], id));
      return;
    }
    let result;
    try {
      result = await this.#keepDevice(member, account, published, id);
    } catch (error) {
      this.#refuse(member, `Cannot keep your keys now: ${(error as Error).message}`);
      return;
    }
    if (result === "full") {
      this.#refuse(
        member,
        `Your account has ${MAX_DEVICES} devices: remove one with /revoke first`,
      );
      return;
    }
    // Closed while the store wrote: nothing to remember of it.
    if (member.closing) return;
    this.#byMember.set(member, published);
    this.#deviceOf.set(member, id);
    this.#options.published?.(member, bundle);
    this.#reply(member, devicesReply(member.nickname!, result.devices, id));
    if (result.changed) this.#tellAccount(member.nickname!, result.devices, member);
  }

  /**
   * Adds `published` to `account`'s devices (approved when it is the first), or updates it when
   * the account has it; "full" past `MAX_DEVICES`. Gives the account's devices after, and
   * whether they changed.
   */
  async #keepDevice(
    member: M,
    account: string,
    published: Published,
    id?: string,
  ): Promise<{ devices: StoredDevice[]; changed: boolean } | "full"> {
    const store = this.#options.store!;
    id ??= await deviceId(published.bundle.sign);
    const devices = await store.devices(account);
    const old = devices.find((device) => device.id === id);
    const bundle = JSON.stringify(published.bundle);
    // An approval signs the device's name: a device approved by another keeps the name signed.
    const name = old?.by === undefined ? published.name : old.name;
    if (old !== undefined && old.bundle === bundle && old.name === name) {
      return { devices, changed: false };
    }
    if (old === undefined && devices.length >= MAX_DEVICES) return "full";
    const device: NewDevice = old === undefined
      ? { id, name, bundle, approved: devices.length === 0, added: published.added }
      : { ...withoutCursor(old), name, bundle };
    if (!await store.putDevice(account, device)) {
      throw new Error(`no account ${quote(member.nickname ?? account)}`);
    }
    return { devices: await store.devices(account), changed: true };
  }

  async #lookUp(member: M, nickname: string, ref?: string): Promise<void> {
    const reply = (message: KeysReply) =>
      this.#reply(member, ref === undefined ? message : { ...message, ref });
    const refuse = (text: string) => this.#refuseLookup(member, text, ref);
    const connected = this.#options.find(nickname);
    const { store } = this.#options;
    let account;
    let devices: StoredDevice[] = [];
    try {
      account = await store?.account(nicknameKey(nickname));
      if (account !== undefined) devices = await store!.devices(nicknameKey(nickname));
    } catch (error) {
      // The store is away (a cluster's Redis): said, never a crash.
      refuse(`Cannot look up ${quote(nickname)}'s key now: ${(error as Error).message}`);
      return;
    }
    if (connected === undefined && account === undefined) {
      refuse(`No such user ${JSON.stringify(nickname)}`);
      return;
    }
    const name = connected?.nickname ?? account!.nickname;
    if (account !== undefined) {
      reply(devicesReply(name, devices));
      return;
    }
    // A guest: its one device, with its connection.
    const guest = this.#byMember.get(connected!);
    if (guest === undefined) {
      reply({ type: "keys", nickname: name });
      return;
    }
    let id;
    try {
      id = this.#deviceOf.get(connected!) ?? await deviceId(guest.bundle.sign);
    } catch {
      reply({ type: "keys", nickname: name, bundle: guest.bundle });
      return;
    }
    const bundle = JSON.stringify(guest.bundle);
    reply(devicesReply(name, [{ ...guest, id, bundle, approved: true, acked: 0 }]));
  }

  // -------------------------------------------------------------------------
  // Approving and revoking

  /**
   * Approves device `id` of `member`'s account, from an approved device of it whose Ed25519 key
   * is `by`. The server does NOT verify `sig`: it keeps it, and the clients verify it (a server
   * that lies about approvals is caught by them, as with keys).
   */
  async #approve(member: M, id: string, by: string, sig: string): Promise<void> {
    const problem = approvalProblem(by, sig);
    if (problem !== undefined) {
      this.#refuse(member, problem);
      return;
    }
    const devices = await this.#accountDevices(member, id);
    if (devices === undefined) return;
    const own = devices.find((device) => device.id === this.#deviceOf.get(member));
    if (own === undefined || !own.approved || parseBundle(own.bundle)?.sign !== by) {
      this.#refuse(member, "Only an approved device of yours can approve another");
      return;
    }
    const target = devices.find((device) => device.id === id);
    if (target === undefined) {
      this.#refuse(member, `No device ${quote(id)} on your account`);
      return;
    }
    const approved = { ...withoutCursor(target), approved: true, by, sig };
    await this.#change(member, () => this.#options.store!.putDevice(member.account!, approved));
  }

  /** Removes device `id` from `member`'s account: from an approved device, or from itself. */
  async #revoke(member: M, id: string): Promise<void> {
    const devices = await this.#accountDevices(member, id);
    if (devices === undefined) return;
    const ownId = this.#deviceOf.get(member);
    const own = devices.find((device) => device.id === ownId);
    if (!devices.some((device) => device.id === id)) {
      this.#refuse(member, `No device ${quote(id)} on your account`);
      return;
    }
    if (ownId !== id && own?.approved !== true) {
      this.#refuse(member, "Only an approved device of yours, or the device itself, can revoke it");
      return;
    }
    const done = await this.#change(
      member,
      () => this.#options.store!.removeDevice(member.account!, id),
    );
    if (!done) return;
    // A connection of the device revoked may publish again: it comes back unapproved.
    for (const connection of this.#connectionsOf(member.nickname!)) {
      if (this.#deviceOf.get(connection) === id) this.#deviceOf.delete(connection);
    }
  }

  /** The devices of `member`'s account, asked about device `id`; or undefined (it was told why). */
  async #accountDevices(member: M, id: string): Promise<StoredDevice[] | undefined> {
    const { store } = this.#options;
    if (member.account === undefined || store === undefined) {
      this.#refuse(member, "Devices belong to accounts: /register your nickname first");
      return undefined;
    }
    if (!isDeviceId(id)) {
      this.#refuse(member, `No device ${quote(id)} on your account`);
      return undefined;
    }
    try {
      return await store.devices(member.account);
    } catch (error) {
      this.#refuse(member, `Cannot change your devices now: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Makes a change to `member`'s devices, then tells the account's connections; false if not. */
  async #change(member: M, change: () => Promise<boolean>): Promise<boolean> {
    try {
      if (!await change()) throw new Error("the account is gone");
      const devices = await this.#options.store!.devices(member.account!);
      this.#tellAccount(member.nickname!, devices);
      return true;
    } catch (error) {
      this.#refuse(member, `Cannot change your devices now: ${(error as Error).message}`);
      return false;
    }
  }

  // -------------------------------------------------------------------------
  // Replies

  /**
   * Every connection of `nickname`'s (users of other nodes of a cluster included, delivered by
   * their node): an account may be connected from several places at once.
   */
  #connectionsOf(nickname: string): M[] {
    const member = this.#options.find(nickname);
    if (member === undefined) return [];
    return this.#options.connections?.(member) ?? [member];
  }

  /** Sends `nickname`'s `devices` to its account's connections (but `except`). */
  #tellAccount(nickname: string, devices: readonly StoredDevice[], except?: M): void {
    const recipients = this.#connectionsOf(nickname).filter((each) =>
      each !== except && !each.closing
    );
    if (recipients.length > 0) {
      const reply = { ...devicesReply(nickname, devices), changed: true };
      this.#options.out.deliver(recipients, [reply]);
    }
  }

  #reply(member: M, message: ServerMessage): void {
    if (!member.closing) this.#options.out.deliver([member], [message]);
  }

  /** Refuses a lookup, naming its `ref` when it gave one (so that its client knows which). */
  #refuseLookup(member: M, message: string, ref: string | undefined): void {
    if (ref === undefined) this.#refuse(member, message);
    else if (!member.closing) {
      this.#options.out.deliver([member], [{ type: "error", message, ref }]);
    }
  }

  #refuse(member: M, message: string, reason?: "unregistered"): void {
    if (!member.closing) this.#options.out.refuse(member, message, reason);
  }
}

/** A stored device without its cursor, as `putDevice` takes it. */
function withoutCursor(device: StoredDevice): NewDevice {
  const { acked: _, ...rest } = device;
  return rest;
}
