/**
 * Stand-ins for the core's tests (and its features'): members without connections, and an
 * outbound side that records what it is given.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { ErrorReason, Member, Outbound } from "./types.ts";

/** A client as the core sees it. */
export class FakeMember implements Member {
  /** Set once registered. */
  nickname: string | undefined;
  /** The client ID it registered with. */
  clientID: string | undefined;
  /** The extension types it announced. */
  extensions: ReadonlySet<string> = new Set();
  /** The key of the account it logged in to. */
  account: string | undefined;
  /** Set to make it a client whose connection is closing. */
  closing = false;
  /** Every fake member comes from the same documentation address. */
  readonly ip = "192.0.2.7";
  /** A member told apart by its port. */
  constructor(readonly port: number) {}
}

/** Records what the core delivers; `full` members refuse deliveries. */
export class RecordingOutbound implements Outbound<FakeMember> {
  /** Every delivery, in order: to whom (by nickname and as members), and what. */
  readonly deliveries: {
    to: (string | undefined)[];
    members: FakeMember[];
    messages: readonly ServerMessage[];
  }[] = [];
  /** Every error reply, in order: to whom (nickname, or port before registering), and why. */
  readonly refusals: { to: string | number; message: string; reason?: ErrorReason }[] = [];
  /** Members whose outbox is full: deliveries to them are not taken. */
  readonly full = new Set<FakeMember>();
  /** The frame limit every message passes, when set. */
  limit: number | undefined;

  /** Records a delivery; takes it for every recipient that is not full. */
  deliver(recipients: Iterable<FakeMember>, messages: readonly ServerMessage[]): FakeMember[] {
    const all = [...recipients];
    this.deliveries.push({ to: all.map((member) => member.nickname), members: all, messages });
    return all.filter((member) => !this.full.has(member));
  }
  /** Records bulk data as a delivery. */
  bulk(member: FakeMember, message: ServerMessage, _frame?: Uint8Array): boolean {
    return this.deliver([member], [message]).length === 1;
  }
  /** Records an error reply. */
  refuse(member: FakeMember, message: string, reason?: ErrorReason): void {
    this.refusals.push({ to: member.nickname ?? member.port, message, reason });
  }
  /** The limit set, whatever the message. */
  tooLong(): number | undefined {
    return this.limit;
  }
  /** Every message delivered to `member`, in order. */
  received(member: FakeMember): ServerMessage[] {
    return this.deliveries.filter((d) => d.members.includes(member)).flatMap((d) => d.messages);
  }
  /** The messages delivered to `nickname`, by type. */
  to(nickname: string): string[] {
    return this.deliveries.filter((d) => d.to.includes(nickname))
      .flatMap((d) => d.messages.map((m) => m.type));
  }
}
