/**
 * The clients of `bench/rooms.ts`: accounts logged in over the JSON wire (registered the first
 * time), each connection read all the time so that the server never waits on it, counting the
 * rooms' chat lines and the bytes received, and waiting for the messages asked for.
 *
 * @module
 */

import { type ClientMessage, encodeMessage, EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { WAIT_MS, within } from "../lib/tools/testing.ts";

const encoder = new TextEncoder();

/** A message from the server, as parsed. */
export type Message = Record<string, unknown>;

/** A logged-in connection, read all the time: it counts the rooms' chat lines and waits. */
export class Reader {
  /** Chat lines of rooms received (history aside). */
  chat = 0;
  /** Bytes received. */
  bytes = 0;
  /** Errors the server sent. */
  readonly errors: string[] = [];
  /** Resolves once the connection is closed. */
  readonly reading: Promise<void>;
  #chatWaits: { count: number; resolve: () => void }[] = [];
  #waits: { test: (message: Message) => boolean; resolve: (message: Message) => void }[] = [];

  /** Reads `client`, logged in as `nickname`. */
  constructor(readonly nickname: string, readonly client: RawClient) {
    this.reading = this.#read();
  }

  /** Resolves once `count` chat lines of rooms have come. */
  hasChat(count: number): Promise<void> {
    if (this.chat >= count) return Promise.resolve();
    const had = new Promise<void>((resolve) => this.#chatWaits.push({ count, resolve }));
    return within(had, WAIT_MS * 4, `${count} room lines at ${this.nickname} (${this.chat})`);
  }

  /** The next message, from now on, for which `test` holds. */
  next(test: (message: Message) => boolean, what: string): Promise<Message> {
    const found = new Promise<Message>((resolve) => this.#waits.push({ test, resolve }));
    return within(found, WAIT_MS * 4, `${what} at ${this.nickname}`);
  }

  /** Sends `message`, encoded by protocol.ts. */
  send(message: ClientMessage): Promise<void> {
    return this.client.send(encodeMessage(message));
  }

  /** Closes the connection and waits for the reading to end. */
  async close(): Promise<void> {
    await this.client.close();
    await this.reading;
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        const line = await this.client.nextLine(3_600_000);
        this.bytes += encoder.encode(line).length + 1;
        const message: Message = JSON.parse(line);
        if (message.type === "error") this.errors.push(String(message.message));
        if (message.type === "room" && message.history !== true) {
          this.chat++;
          this.#chatWaits = this.#chatWaits.filter((wait) => {
            if (wait.count > this.chat) return true;
            wait.resolve();
            return false;
          });
        }
        this.#waits = this.#waits.filter((wait) => {
          if (!wait.test(message)) return true;
          wait.resolve(message);
          return false;
        });
      }
    } catch {
      // Closed.
    }
  }
}

function password(nickname: string): string {
  return `${nickname}'s bench password`;
}

/** The next message of `type` (or of `other`), throwing on an error. */
async function reply(client: RawClient, type: string, other = type): Promise<Message> {
  while (true) {
    const message = await client.next(WAIT_MS * 4);
    if (message.type === "error") throw new Error(`Refused: ${message.message}`);
    if (message.type === type || message.type === other) return message;
  }
}

/**
 * Logs in to account `nickname` on 127.0.0.1:`port`, registering it the first time. With `room`,
 * returns once it is in that room: it joins when new, and is put back by the server when a kept
 * member.
 */
export async function logIn(port: number, nickname: string, room?: string): Promise<Reader> {
  const client = await RawClient.connect(port);
  await client.register(nickname, "001", EXTENSION_TYPES);
  const fresh = (await reply(client, "welcome", "login")).type === "welcome";
  if (fresh) {
    await client.send(
      encodeMessage({ type: "account", action: "register", password: password(nickname) }),
    );
    await reply(client, "account");
  } else {
    await client.send(encodeMessage({ type: "login", password: password(nickname) }));
    await reply(client, "welcome");
  }
  const reader = new Reader(nickname, client);
  if (room === undefined) return reader;
  const joined = reader.next(
    (m) => m.type === "joined" && m.room === room && m.nickname === nickname && !!m.members,
    `${nickname} in ${room}`,
  );
  if (fresh) await reader.send({ type: "join", room });
  await joined;
  return reader;
}
