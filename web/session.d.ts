/** Types of `session.js` (a plain module, as the page loads it unchanged). */

/** What the rest of the page does for a session. */
export interface SessionHooks {
  /** Takes each message from the server (a JSON object). */
  onMessage(message: { type?: unknown }): void;
  /** The chat is shown: for the `first` time, or again after a drop. */
  onWelcome(first: boolean): void;
  /** The connection closed, for whatever reason. */
  onDrop(): void;
  /** The user left the chat. */
  onLeave(): void;
  /** Shows a line of the page's own in the conversation open. */
  system(text: string): void;
}

/** This page's stay in the chat, over one connection at a time. */
export class Session {
  /** Takes the join form and the Leave button; `hooks` are what the rest of the page does. */
  constructor(hooks: SessionHooks);
  /** This user's nickname, as the server knows it now. */
  readonly nickname: string;
  /** Sends `message` to the server, when connected. */
  send(message: { type: string }): void;
  /** The server let this page in (again, after a drop): the chat is shown. */
  welcomed(): void;
  /** The server asks for the password of `nickname`, an account: sent if known, else asked. */
  login(nickname: string, device?: string): void;
  /** The server's error `text`: before joining the join form says it and the page stays out. */
  error(text: string): void;
  /** Someone's nickname changed from `old` to `nickname`: this user's own, maybe. */
  renamed(old: string, nickname: string): void;
  /** Keeps `password`, the account's now, for joining again after a drop. */
  rememberPassword(password: string): void;
  /** Leaves the chat, back to the join form. */
  leave(): void;
}
