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
  nickname: string | undefined;
  clientID: string | undefined;
  extensions: ReadonlySet<string> = new Set();
  account: string | undefined;
  closing = false;
  readonly ip = "192.0.2.7";
  constructor(readonly port: number) {}
}

/** Records what the core delivers; `full` members refuse deliveries. */
export class RecordingOutbound implements Outbound<FakeMember> {
  readonly deliveries: {
    to: (string | undefined)[];
    members: FakeMember[];
    messages: readonly ServerMessage[];
  }[] = [];
  readonly refusals: { to: string | number; message: string; reason?: ErrorReason }[] = [];
  readonly full = new Set<FakeMember>();
  limit: number | undefined;

  deliver(recipients: Iterable<FakeMember>, messages: readonly ServerMessage[]): FakeMember[] {
    const all = [...recipients];
    this.deliveries.push({ to: all.map((member) => member.nickname), members: all, messages });
    return all.filter((member) => !this.full.has(member));
  }
  bulk(member: FakeMember, message: ServerMessage, _frame?: Uint8Array): boolean {
    return this.deliver([member], [message]).length === 1;
  }
  refuse(member: FakeMember, message: string, reason?: ErrorReason): void {
    this.refusals.push({ to: member.nickname ?? member.port, message, reason });
  }
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
