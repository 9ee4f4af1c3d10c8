// The browser chat client: the JSON messages of protocol.ts over a WebSocket at /ws, one per
// text frame. Every text from another person is put on the page with textContent, never as HTML.
// Private messages and files to people with keys are end-to-end encrypted (e2e_keys.js, shared
// with the terminal client), with this browser's keys (key_db.js).

import {
  CHUNK_OVERHEAD,
  encryptedSize,
  fromBase64,
  SEALED_FILE_NAME,
  toBase64,
} from "./common/e2e.js";
import { E2eClient, nicknameKey as key } from "./common/e2e_keys.js";
import { openBrowserKeys } from "./key_db.js";
import { CHUNK_BYTES, EXTENSION_TYPES, WINDOW_CHUNKS } from "./common/protocol.js";

const EVERYONE = "*";
const MAX_BACKOFF_MS = 30_000;

const $ = (id) => document.getElementById(id);
const state = {
  socket: undefined,
  nickname: "",
  password: "",
  joined: false,
  leaving: false,
  backoff: 1000,
  /** Conversations by key: "*", "#room" (lower case) or "@nick" (lower case). */
  conversations: new Map(),
  active: EVERYONE,
  users: [],
  rooms: [],
  transfers: new Map(),
  /** End-to-end encryption, once the keys are open (at the first welcome). */
  e2e: undefined,
  /** What arrives is shown in order, and what is sent is sent in order: both may wait on keys. */
  showing: Promise.resolve(),
  sending: Promise.resolve(),
};

// ---------------------------------------------------------------------------
// Connection

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  state.socket = socket;
  socket.onopen = () => {
    state.backoff = 1000;
    send({
      type: "nickname",
      nickname: state.nickname,
      clientID: "web",
      timestamp: new Date().toISOString(),
      extensions: EXTENSION_TYPES,
    });
  };
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message === null || typeof message !== "object") return;
    // Key answers go at once: a message being opened may wait for one.
    if (message.type === "keys") state.e2e?.onKeys(message);
    else state.showing = state.showing.then(() => receive(message)).catch(console.error);
  };
  socket.onclose = () => {
    if (state.socket !== socket) return;
    state.socket = undefined;
    for (const transfer of state.transfers.values()) {
      endTransfer(transfer, "the connection was lost");
    }
    if (state.leaving || !state.joined) {
      if (!state.joined && !state.leaving) showJoinError("Cannot reach the chat server");
      return;
    }
    const seconds = Math.round(state.backoff / 1000);
    status(`Connection lost: reconnecting in ${seconds} s`);
    system(`Connection lost: reconnecting in ${seconds} s`);
    setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF_MS);
  };
}

function send(message) {
  if (state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
}

// ---------------------------------------------------------------------------
// What arrives

async function receive(message) {
  const at = message.timestamp ? new Date(message.timestamp) : new Date();
  const when = Number.isNaN(at.getTime()) ? new Date() : at;
  switch (message.type) {
    case "welcome":
      joined();
      // Before what comes with the welcome (messages kept for the user).
      await startKeys();
      break;
    case "login":
      if (state.password !== "") send({ type: "login", password: state.password });
      else askPassword(message.nickname);
      break;
    case "error":
      if (!state.joined) {
        state.password = "";
        showJoinError(message.message);
        state.leaving = true;
        state.socket?.close();
      } else system(`Error: ${message.message}`);
      break;
    case "broadcast":
      say(EVERYONE, when, message.nickname, message.message, message.history ? "history" : "");
      break;
    case "private":
      await onPrivate(message, when);
      break;
    case "room":
      say(
        `#${key(message.room.slice(1))}`,
        when,
        message.nickname,
        message.message,
        message.history ? "history" : "",
        message.room,
      );
      break;
    case "joined":
      if (message.room === undefined) {
        addUser(message.nickname);
        notice(EVERYONE, when, `${message.nickname} joined the chat`);
      } else if (same(message.nickname, state.nickname)) {
        conversation(`#${key(message.room.slice(1))}`, message.room);
        activate(`#${key(message.room.slice(1))}`);
        notice(
          `#${key(message.room.slice(1))}`,
          when,
          `You joined ${message.room} (members: ${(message.members ?? []).join(", ")})`,
        );
        send({ type: "list" });
      } else {
        notice(
          `#${key(message.room.slice(1))}`,
          when,
          `${message.nickname} joined ${message.room}`,
        );
        send({ type: "list" });
      }
      break;
    case "left":
      if (message.room === undefined) {
        state.users = state.users.filter((user) => !same(user, message.nickname));
        renderPeople();
        notice(
          EVERYONE,
          when,
          `${message.nickname} left the chat${message.reason ? ` (${message.reason})` : ""}`,
        );
      } else if (same(message.nickname, state.nickname)) {
        notice(`#${key(message.room.slice(1))}`, when, `You left ${message.room}`);
        send({ type: "list" });
      } else {
        notice(
          `#${key(message.room.slice(1))}`,
          when,
          `${message.nickname} left ${message.room}`,
        );
        send({ type: "list" });
      }
      break;
    case "nick":
      state.users = state.users.map((user) => same(user, message.old) ? message.nickname : user);
      if (same(message.old, state.nickname)) {
        state.nickname = message.nickname;
        $("me").textContent = state.nickname;
      }
      renderPeople();
      notice(EVERYONE, when, `${message.old} is now known as ${message.nickname}`);
      break;
    case "list":
      state.users = message.users ?? [];
      state.rooms = message.rooms ?? [];
      renderPeople();
      break;
    case "queued":
      system(`${message.to} is offline: your message will be delivered when they return`);
      break;
    case "history":
      if (message.earlier > 0) {
        system(`${message.earlier} earlier messages: /history ${message.count + message.earlier}`);
      } else if (message.count === 0) system("No history yet");
      break;
    case "account":
      system(`Account ${message.action} done for ${message.nickname}`);
      break;
    case "shutdown":
      system("The server is shutting down");
      break;
    case "offer":
    case "accept":
    case "reject":
    case "cancel":
    case "chunk":
    case "received":
    case "complete":
      await onTransfer(message);
      break;
  }
}

/** Shows a private message, opening it first when it is end-to-end encrypted. */
async function onPrivate(message, when) {
  const id = `@${key(message.nickname)}`;
  const away = message.offline ? "while you were away" : "";
  if (message.e2e === undefined) {
    say(id, when, message.nickname, message.message, away, message.nickname);
  } else {
    try {
      const { text, time } = await state.e2e.open(message);
      const mark = away ? `end-to-end, ${away}` : "end-to-end";
      say(id, time, message.nickname, text, mark, message.nickname);
    } catch (error) {
      notice(id, when, `Could not decrypt a message from ${message.nickname}: ${error.message}`);
    }
  }
  // Shown (or shown to be unreadable): the server may forget it.
  if (message.offline && Number.isInteger(message.id)) send({ type: "ack", id: message.id });
}

// ---------------------------------------------------------------------------
// Keys

/** Opens this browser's keys for the nickname (once) and publishes them (on each connection). */
async function startKeys() {
  if (state.e2e === undefined) {
    const options = {
      print: system,
      send,
      nickname: () => state.nickname,
      now: () => new Date(),
    };
    try {
      state.e2e = new E2eClient({ ...options, ring: await openBrowserKeys(state.nickname) });
    } catch (error) {
      const unavailable = `this browser cannot keep keys (${error.message})`;
      state.e2e = new E2eClient({ ...options, unavailable });
    }
  }
  state.e2e.start();
}

/** Sends `message` once the whispers typed before it are sent. */
function sendInOrder(message) {
  state.sending = state.sending.then(() => send(message));
}

/** Sends `text` to `to`, end to end when it can be, and shows it in their conversation. */
function whisper(to, text) {
  const id = `@${key(to)}`;
  conversation(id, to);
  state.sending = state.sending.then(async () => {
    const message = state.e2e === undefined
      ? { type: "private", to, message: text }
      : await state.e2e.seal(to, text);
    if (message === undefined) return;
    send({ ...message, timestamp: new Date().toISOString() });
    say(id, new Date(), state.nickname, text, message.e2e ? "end-to-end" : "", to);
  }).catch(console.error);
}

function joined() {
  const first = !state.joined;
  state.joined = true;
  $("join").hidden = true;
  $("chat").hidden = false;
  $("me").textContent = state.nickname;
  status("Connected");
  if (first) {
    conversation(EVERYONE, "Everyone");
    activate(EVERYONE);
    $("message").focus();
  } else system("Connected again");
  send({ type: "list" });
}

// ---------------------------------------------------------------------------
// Conversations

function same(a, b) {
  return key(a) === key(b);
}

function conversation(id, title) {
  let found = state.conversations.get(id);
  if (found === undefined) {
    const log = document.createElement("div");
    log.className = "conversation";
    found = { id, title, unread: 0, log };
    state.conversations.set(id, found);
    renderTabs();
  }
  return found;
}

function activate(id) {
  state.active = id;
  const found = state.conversations.get(id);
  if (found !== undefined) found.unread = 0;
  const log = $("log");
  log.replaceChildren(found?.log ?? document.createElement("div"));
  log.scrollTop = log.scrollHeight;
  renderTabs();
}

function renderTabs() {
  const tabs = $("tabs");
  tabs.replaceChildren(...[...state.conversations.values()].map((c) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-selected", String(c.id === state.active));
    tab.dataset.id = c.id;
    tab.textContent = c.title;
    if (c.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(c.unread);
      badge.setAttribute("aria-label", `${c.unread} unread`);
      tab.append(badge);
    }
    tab.onclick = () => activate(c.id);
    return tab;
  }));
}

function line(id, title, parts, className, own = false) {
  const found = conversation(id, title);
  const row = document.createElement("div");
  row.className = `line ${className}`;
  row.append(...parts);
  const log = $("log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  found.log.append(row);
  if (id === state.active) {
    if (atBottom) log.scrollTop = log.scrollHeight;
  } else if (!own) {
    found.unread++;
    renderTabs();
  }
  return row;
}

function time(date) {
  const element = document.createElement("time");
  element.dateTime = date.toISOString();
  element.textContent = date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  return element;
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function say(id, date, who, text, mark, title) {
  const parts = [time(date)];
  if (mark) parts.push(span("mark", `[${mark}]`));
  parts.push(span("who", who), span("text", text));
  line(
    id,
    title ?? (id === EVERYONE ? "Everyone" : id),
    parts,
    "message",
    same(who, state.nickname),
  );
}

function notice(id, date, text) {
  line(id, id === EVERYONE ? "Everyone" : id, [time(date), span("text", text)], "notice");
}

function system(text) {
  const found = state.conversations.get(state.active);
  line(state.active, found?.title ?? "Everyone", [time(new Date()), span("text", text)], "system");
}

function status(text) {
  $("status").textContent = text;
}

function addUser(nickname) {
  if (!state.users.some((user) => same(user, nickname))) state.users.push(nickname);
  renderPeople();
}

function renderPeople() {
  $("users").replaceChildren(...state.users.map((user) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = user;
    button.title = `Talk privately with ${user}`;
    button.onclick = () => {
      if (same(user, state.nickname)) return;
      conversation(`@${key(user)}`, user);
      activate(`@${key(user)}`);
      $("message").focus();
    };
    item.append(button);
    return item;
  }));
  $("rooms").replaceChildren(...state.rooms.map(({ room, members }) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${room} (${members.length})`;
    button.title = `Join ${room}`;
    button.onclick = () => send({ type: "join", room });
    item.append(button);
    return item;
  }));
}

// ---------------------------------------------------------------------------
// What the user types

const HELP = [
  "/join <#room>, /leave [<#room>], /all, /w <user> <message>, /nick <name>, /list, /rooms,",
  "/history [<#room>] [<n>], /send <user> (then pick a file), /accept, /reject, /cancel, /transfers,",
  "/register, /password, /unregister (the password is typed next, unseen),",
  "/fingerprint [<user>] (compare it with theirs), /trust <user> (a changed key), /exit,",
  "//text for a line that starts with /",
];

/** Makes the next line typed a password for `action` (the box hides it meanwhile). */
function askSecret(action) {
  const input = $("message");
  state.secret = action;
  input.type = "password";
  input.placeholder = action === "register" ? `New password for ${state.nickname}` : "New password";
  input.focus();
}

/** The latest transfer that `fits`, or undefined (said so). */
function latestTransfer(fits) {
  const found = [...state.transfers.values()].reverse().find(fits);
  if (found === undefined) system("No such transfer: /transfers lists them");
  return found;
}

function submit(text) {
  if (text.trim() === "") return;
  if (text.startsWith("/") && !text.startsWith("//")) {
    command(text.trim());
    return;
  }
  const body = text.startsWith("//") ? text.slice(1) : text;
  const stamp = new Date().toISOString();
  const active = state.active;
  if (active === EVERYONE) {
    sendInOrder({ type: "message", nickname: state.nickname, message: body, timestamp: stamp });
    say(EVERYONE, new Date(), state.nickname, body, "");
  } else if (active.startsWith("#")) {
    const room = state.conversations.get(active).title;
    sendInOrder({ type: "room", room, message: body, timestamp: stamp });
    say(active, new Date(), state.nickname, body, "", room);
  } else whisper(state.conversations.get(active).title, body);
}

function command(text) {
  const [name, ...words] = text.split(/\s+/);
  const rest = text.slice(name.length).trim();
  switch (name.toLowerCase()) {
    case "/join":
      if (words[0]) {
        send({ type: "join", room: words[0].startsWith("#") ? words[0] : `#${words[0]}` });
      } else system("Usage: /join <#room>");
      break;
    case "/leave": {
      const room = words[0] ??
        (state.active.startsWith("#") ? state.conversations.get(state.active).title : undefined);
      if (room) send({ type: "leave", room: room.startsWith("#") ? room : `#${room}` });
      else system("Usage: /leave <#room>");
      break;
    }
    case "/w":
    case "/msg":
    case "/whisper": {
      const to = words[0];
      const body = to === undefined ? "" : rest.slice(to.length).trim();
      if (!to || !body) {
        system(`Usage: ${name} <user> <message>`);
        break;
      }
      whisper(to, body);
      break;
    }
    case "/fingerprint":
      if (words.length > 1) system("Usage: /fingerprint [<user>]");
      else state.e2e?.fingerprint(words[0]);
      break;
    case "/trust":
      if (words.length !== 1) system("Usage: /trust <user>");
      else state.e2e?.trust(words[0]);
      break;
    case "/nick":
      if (words.length === 1) send({ type: "nick", nickname: words[0] });
      else system("Usage: /nick <nickname>");
      break;
    case "/list":
      system(`Here: ${state.users.join(", ")}`);
      send({ type: "list" });
      break;
    case "/history": {
      const room = words.find((word) => word.startsWith("#"));
      const count = words.find((word) => /^\d+$/.test(word));
      send({ type: "history", room, count: count === undefined ? undefined : Number(count) });
      break;
    }
    case "/send":
      if (!words[0]) system("Usage: /send <user>, then pick the file");
      else {
        state.sendTo = words[0];
        $("file").click();
      }
      break;
    case "/all":
      activate(EVERYONE);
      break;
    case "/rooms":
      system(
        state.rooms.length === 0
          ? "No rooms yet: /join <#room> makes one"
          : `Rooms: ${
            state.rooms.map(({ room, members }) => `${room} (${members.join(", ")})`).join(", ")
          }`,
      );
      break;
    case "/register":
    case "/password":
      askSecret(name.slice(1).toLowerCase());
      break;
    case "/unregister":
      send({ type: "account", action: "unregister" });
      break;
    case "/accept":
    case "/reject": {
      const transfer = latestTransfer((t) => !t.outgoing && t.item.querySelector("button"));
      const button = transfer &&
        [...transfer.item.querySelectorAll("button")].find((b) =>
          b.textContent.toLowerCase() === name.slice(1).toLowerCase()
        );
      button?.click();
      break;
    }
    case "/cancel": {
      const transfer = latestTransfer(() => true);
      if (transfer) {
        send({ type: "cancel", id: transfer.id, reason: "cancelled by the user" });
        endTransfer(transfer, "cancelled");
      }
      break;
    }
    case "/transfers":
      if (state.transfers.size === 0) system("No transfers");
      for (const t of state.transfers.values()) {
        system(`${t.name} ${t.outgoing ? "to" : "from"} ${t.peer}: ${t.done} of ${t.size} bytes`);
      }
      break;
    case "/exit":
    case "/quit":
      $("leave").click();
      break;
    case "/help":
      for (const help of HELP) system(help);
      break;
    default:
      system(`Unknown command "${name}": /help lists the commands`);
  }
}

// ---------------------------------------------------------------------------
// Files

function fileItem(transfer) {
  const item = document.createElement("li");
  const label = span("text", "");
  const bar = document.createElement("progress");
  bar.max = Math.max(transfer.size, 1);
  bar.value = 0;
  item.append(label, bar);
  $("files").append(item);
  transfer.item = item;
  transfer.label = label;
  transfer.bar = bar;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function offerFile(to, file) {
  const plain = new Uint8Array(await file.arrayBuffer());
  const sha256 = hex(await crypto.subtle.digest("SHA-256", plain));
  const id = hex(crypto.getRandomValues(new Uint8Array(8)));
  const header = { name: file.name, size: plain.length, sha256 };
  const sealed = state.e2e === undefined ? "clear" : await state.e2e.sealFile(to, id, header);
  if (sealed === undefined) return;
  let offer = { type: "offer", id, to, ...header };
  let data = plain;
  if (sealed !== "clear") {
    // Sent as it crosses the server: each piece encrypted into a chunk of CHUNK_BYTES.
    data = new Uint8Array(encryptedSize(plain.length, CHUNK_BYTES));
    const piece = CHUNK_BYTES - CHUNK_OVERHEAD;
    for (let seq = 0; seq * piece < plain.length; seq++) {
      const bytes = plain.subarray(seq * piece, (seq + 1) * piece);
      data.set(await sealed.chunks.encrypt(seq, bytes), seq * CHUNK_BYTES);
    }
    const wireSha256 = hex(await crypto.subtle.digest("SHA-256", data));
    offer = { ...offer, name: SEALED_FILE_NAME, size: data.length, sha256: wireSha256 };
    offer.e2e = sealed.e2e;
  }
  const transfer = {
    id,
    outgoing: true,
    peer: to,
    name: file.name,
    size: data.length,
    data,
    sealed: sealed !== "clear",
    next: 0,
    unacked: 0,
    done: 0,
  };
  state.transfers.set(id, transfer);
  fileItem(transfer);
  transfer.label.textContent = `${file.name} to ${to}${
    sealedMark(transfer)
  }: waiting for an answer`;
  send(offer);
}

function sealedMark(transfer) {
  return transfer.sealed ? ", end-to-end encrypted" : "";
}

function pump(transfer) {
  while (transfer.unacked < WINDOW_CHUNKS && transfer.next * CHUNK_BYTES < transfer.size) {
    const start = transfer.next * CHUNK_BYTES;
    send({
      type: "chunk",
      id: transfer.id,
      seq: transfer.next,
      data: toBase64(transfer.data.subarray(start, start + CHUNK_BYTES)),
    });
    transfer.next++;
    transfer.unacked++;
  }
}

/** The transfer an offer asks for: opened first when it is end-to-end (undefined if it fails). */
async function offered(message) {
  const transfer = {
    id: message.id,
    outgoing: false,
    peer: message.from,
    name: message.name,
    size: message.size,
    plainSize: message.size,
    sha256: message.sha256,
    parts: [],
    done: 0,
  };
  if (message.e2e === undefined) return transfer;
  try {
    const { header, chunks } = await state.e2e.openFile(message);
    if (encryptedSize(header.size, CHUNK_BYTES) !== message.size) {
      throw new Error("its size does not match what it says it holds");
    }
    return { ...transfer, ...header, size: message.size, plainSize: header.size, chunks };
  } catch (error) {
    send({ type: "reject", id: message.id });
    system(`Could not decrypt a file offer from ${message.from}: ${error.message} (rejected)`);
    return undefined;
  }
}

async function onTransfer(message) {
  if (message.type === "offer") {
    const transfer = await offered(message);
    if (transfer === undefined) return;
    transfer.sealed = transfer.chunks !== undefined;
    state.transfers.set(message.id, transfer);
    fileItem(transfer);
    transfer.label.textContent = `${transfer.name} from ${message.from}${sealedMark(transfer)}`;
    const accept = document.createElement("button");
    accept.type = "button";
    accept.textContent = "Accept";
    const reject = document.createElement("button");
    reject.type = "button";
    reject.textContent = "Reject";
    accept.onclick = () => {
      accept.remove();
      reject.remove();
      send({ type: "accept", id: transfer.id });
      if (transfer.size === 0) finishDownload(transfer);
    };
    reject.onclick = () => {
      send({ type: "reject", id: transfer.id });
      endTransfer(transfer, "rejected");
    };
    transfer.item.append(accept, reject);
    notice(
      EVERYONE,
      new Date(),
      `${message.from} offers ${transfer.name} (${transfer.plainSize} bytes)${
        sealedMark(transfer)
      }: see Files`,
    );
    return;
  }
  const transfer = state.transfers.get(message.id);
  if (transfer === undefined) return;
  switch (message.type) {
    case "accept":
      transfer.label.textContent = `${transfer.name} to ${transfer.peer}`;
      pump(transfer);
      break;
    case "received":
      transfer.unacked = Math.min(transfer.unacked, transfer.next - 1 - message.seq);
      transfer.done = Math.min(transfer.size, (message.seq + 1) * CHUNK_BYTES);
      transfer.bar.value = transfer.done;
      pump(transfer);
      break;
    case "chunk": {
      const data = fromBase64(message.data);
      try {
        transfer.parts.push(
          transfer.chunks ? await transfer.chunks.decrypt(message.seq, data) : data,
        );
      } catch (error) {
        send({ type: "cancel", id: transfer.id, reason: error.message });
        endTransfer(transfer, `failed: ${error.message}`);
        break;
      }
      transfer.done += data.length;
      transfer.bar.value = transfer.done;
      send({ type: "received", id: transfer.id, seq: message.seq });
      if (transfer.done >= transfer.size) finishDownload(transfer);
      break;
    }
    case "complete":
      transfer.bar.value = transfer.size;
      endTransfer(transfer, "sent");
      break;
    case "reject":
      endTransfer(transfer, "rejected");
      break;
    case "cancel":
      endTransfer(transfer, `failed: ${message.reason ?? "cancelled"}`);
      break;
  }
}

async function finishDownload(transfer) {
  const blob = new Blob(transfer.parts);
  const sha256 = hex(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  if (sha256 !== transfer.sha256 || blob.size !== transfer.plainSize) {
    send({ type: "cancel", id: transfer.id, reason: "the file does not match its checksum" });
    endTransfer(transfer, "failed: the file does not match its checksum");
    return;
  }
  send({ type: "complete", id: transfer.id });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = transfer.name;
  link.textContent = `Save ${transfer.name}`;
  transfer.item.append(link);
  endTransfer(transfer, "received");
}

function endTransfer(transfer, outcome) {
  if (!state.transfers.delete(transfer.id)) return;
  const way = transfer.outgoing ? "to" : "from";
  transfer.label.textContent = `${transfer.name} ${way} ${transfer.peer}${
    sealedMark(transfer)
  }: ${outcome}`;
  for (const button of transfer.item.querySelectorAll("button")) button.remove();
}

// ---------------------------------------------------------------------------
// The page

function askPassword(nickname) {
  $("password-row").hidden = false;
  showJoinError(`${nickname} is registered: enter its password`);
  $("password").focus();
  state.leaving = true;
  state.socket?.close();
}

function showJoinError(text) {
  $("join-error").textContent = text;
  $("join").hidden = false;
  $("chat").hidden = true;
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  state.nickname = $("nickname").value.trim();
  state.password = $("password").value;
  state.leaving = false;
  $("join-error").textContent = "";
  if (state.nickname !== "") connect();
});

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("message");
  if (state.secret !== undefined) {
    const action = state.secret;
    state.secret = undefined;
    input.type = "text";
    input.placeholder = "Type a message, or /help";
    if ([...input.value].length < 8) {
      system("A password must be 8 to 1024 characters: nothing changed");
    } else {
      send({ type: "account", action, password: input.value });
      if (action === "register" || action === "password") state.password = input.value;
    }
  } else submit(input.value);
  input.value = "";
});

$("file").addEventListener("change", () => {
  const file = $("file").files?.[0];
  const to = state.sendTo ??
    (state.active.startsWith("@") ? state.conversations.get(state.active).title : undefined);
  state.sendTo = undefined;
  if (file && to) offerFile(to, file);
  else if (file) {
    system("Open a private conversation (click a name), or type /send <user>, to send a file");
  }
  $("file").value = "";
});

$("tabs").addEventListener("keydown", (event) => {
  if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
  const ids = [...state.conversations.keys()];
  const at = ids.indexOf(state.active) + (event.key === "ArrowRight" ? 1 : -1);
  activate(ids[(at + ids.length) % ids.length]);
  $("tabs").querySelector('[aria-selected="true"]')?.focus();
});

$("leave").addEventListener("click", () => {
  state.leaving = true;
  send({ type: "disconnect", nickname: state.nickname });
  state.joined = false;
  state.conversations.clear();
  $("tabs").replaceChildren();
  $("log").replaceChildren();
  showJoinError("You left the chat");
});

$("people-toggle").addEventListener("click", () => {
  const open = $("people").classList.toggle("open");
  $("people-toggle").setAttribute("aria-expanded", String(open));
});
