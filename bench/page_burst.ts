/**
 * `deno task bench:page`: the page under a burst. A fresh server with the web client on
 * (`--max-rate 0 --byte-rate 0`), the page open in headless Chromium (driven through the DevTools
 * protocol, `lib/tools/browser.ts`) and joined, a terminal client on the JSON wire beside it as a
 * witness; a third client says `--messages` (10,000) numbered lines to everyone, spread evenly
 * over `--seconds` (1). In the page, set up through `Runtime.evaluate` just before the burst: a
 * `PerformanceObserver` of `longtask` entries (every task over 50 ms, with its length) and of
 * `long-animation-frame` entries (frames over 50 ms, their rendering included), both `buffered`
 * and counted from that moment on; a task posted at input's priority (`scheduler.postTask`,
 * `user-blocking`) every 5 ms, whose longest lateness is how long a key press would have waited;
 * and a timer that looks every few milliseconds for the last line, to say when it is shown.
 * Prints one row per run (`--runs`, 3) and the medians.
 *
 * Options: `--messages <n>`, `--seconds <s>`, `--runs <n>`.
 *
 * @module
 */

import { parseFlags } from "../lib/common/flags.ts";
import { Browser, type Page } from "../lib/tools/browser.ts";
import { LoadClient, ServerProgram, within } from "../lib/tools/testing.ts";

const flags = parseFlags(Deno.args, { messages: "string", seconds: "string", runs: "string" });
if (!flags.ok) throw new Error(flags.error);
const MESSAGES = Number(flags.values.messages ?? 10_000);
const SECONDS = Number(flags.values.seconds ?? 1);
const RUNS = Number(flags.values.runs ?? 3);
/** Batches the burst is sent in, evenly spread over its seconds. */
const BATCHES = Math.max(1, Math.round(SECONDS * 20));
/** How long a run may take before it is given up. */
const RUN_MS = 120_000;
/** Where Chromium's profile goes (removed at the end). */
const DATA = ".bench-data";

/** The text of message `n` (1 to MESSAGES): the same width for all. */
function text(n: number): string {
  return `burst ${String(n).padStart(String(MESSAGES).length, "0")}`;
}

/** What the page measured of one burst. */
interface PageFigures {
  /** Tasks over 50 ms, longest first (ms). */
  tasks: number[];
  /** Animation frames over 50 ms, longest first (ms); undefined if Chromium has no such entry. */
  frames?: number[];
  /** The longest a task at input's priority waited past its time (ms). */
  waited: number;
  /** When the last line was seen on the page (ms since the epoch). */
  shownAt: number;
  /** Lines in the conversation shown at the end, and those of them that are chat lines. */
  lines: number;
  messages: number;
  /** The conversation's first line (says that older ones are hidden, once they are). */
  first: string;
}

/** Sets up the observers and the watch for the last line in `page`. */
async function instrument(page: Page): Promise<void> {
  await page.eval(`(() => {
    const figures = window.__burst = { tasks: [], frames: undefined, shownAt: 0 };
    // Entries from the page's start are given too: those that ended before the burst are not its.
    const from = performance.now();
    const keep = (list, into) => {
      for (const entry of list.getEntries()) {
        if (entry.startTime + entry.duration > from) into.push(entry.duration);
      }
    };
    new PerformanceObserver((list) => keep(list, figures.tasks))
      .observe({ type: "longtask", buffered: true });
    if (PerformanceObserver.supportedEntryTypes.includes("long-animation-frame")) {
      figures.frames = [];
      new PerformanceObserver((list) => keep(list, figures.frames))
        .observe({ type: "long-animation-frame", buffered: true });
    }
    // A task at input's priority every 5 ms: how late it runs is how long a key press would wait.
    figures.waited = 0;
    const tick = (due) => {
      figures.waited = Math.max(figures.waited, performance.now() - due);
      if (figures.shownAt === 0) {
        const due = performance.now() + 5;
        scheduler.postTask(() => tick(due), { priority: "user-blocking", delay: 5 });
      }
    };
    tick(performance.now());
    const last = ${JSON.stringify(text(MESSAGES))};
    const look = () => {
      const line = document.querySelector("#log .conversation")?.lastElementChild;
      if (line?.textContent.endsWith(last)) figures.shownAt = performance.timeOrigin + performance.now();
      else setTimeout(look, 2);
    };
    look();
  })()`);
}

/** What `page` measured, once its last line is shown. */
async function figuresOf(page: Page): Promise<PageFigures> {
  await page.waitFor("window.__burst.shownAt > 0", RUN_MS);
  // Entries of the last tasks are delivered a little after them.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return await page.eval<PageFigures>(`(() => {
    const log = document.querySelector("#log .conversation");
    const sorted = (list) => list && [...list].sort((a, b) => b - a);
    return {
      tasks: sorted(window.__burst.tasks),
      frames: sorted(window.__burst.frames),
      shownAt: window.__burst.shownAt,
      waited: window.__burst.waited,
      lines: log.querySelectorAll(".line").length,
      messages: log.querySelectorAll(".line.message").length,
      first: log.firstElementChild?.textContent ?? "",
    };
  })()`);
}

/** Whether the server at web port `web` takes the chat-lines subprotocol. */
async function takesChatLines(web: number): Promise<boolean> {
  const socket = new WebSocket(`ws://127.0.0.1:${web}/ws`, ["chat-lines"]);
  const protocol = await new Promise<string | undefined>((resolve) => {
    socket.onopen = () => resolve(socket.protocol);
    socket.onerror = () => resolve(undefined);
  });
  const closed = new Promise((resolve) => socket.onclose = resolve);
  if (socket.readyState === WebSocket.OPEN) socket.close();
  await closed;
  return protocol === "chat-lines";
}

/** One burst on a fresh server; the row of the table. */
async function run(
  profile: string,
): Promise<{ row: string; longest: number; waited: number; total: number }> {
  await using server = await ServerProgram.start(
    ["--web-port", "0", "--max-rate", "0", "--byte-rate", "0"],
    ["--allow-read=web"],
  );
  const { line } = await server.stdout.waitFor(/^Web client at http:\/\//);
  const web = Number(/:(\d+)\/$/.exec(line)![1]);
  const frames = await takesChatLines(web) ? "chat-lines" : "one message a frame";
  await using browser = await Browser.launch(profile);
  const page = await browser.open(`http://127.0.0.1:${web}/`);
  await page.submit("#nickname", "Reader");
  await page.waitFor("!document.getElementById('chat').hidden");
  if (await page.eval("document.visibilityState") !== "visible") {
    throw new Error("The page is hidden: Chromium would throttle it");
  }
  let witnessed = 0;
  let witnessedAt = 0;
  const witness = await LoadClient.open(server.port, "Witness", {
    onLine: (line) => {
      if (line.includes('"message":"burst ') && ++witnessed === MESSAGES) witnessedAt = Date.now();
    },
  });
  const sender = await LoadClient.open(server.port, "Sender");
  await page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('Sender joined'))`,
  );
  await instrument(page);
  const startedAt = Date.now();
  const each = Math.ceil(MESSAGES / BATCHES);
  for (let batch = 0, n = 1; n <= MESSAGES; batch++) {
    const due = startedAt + batch * SECONDS * 1000 / BATCHES;
    if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    let lines = "";
    for (const end = Math.min(MESSAGES, n + each - 1); n <= end; n++) {
      lines += JSON.stringify({ type: "message", message: text(n) }) + "\n";
    }
    await sender.send(lines);
  }
  const sentAt = Date.now();
  const figures = await within(figuresOf(page), RUN_MS, "the page to show the last line")
    .catch(() => undefined);
  await within(
    (async () => {
      while (witnessed < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 20));
    })(),
    RUN_MS,
    "the terminal witness to have every line",
  );
  await sender.close();
  await witness.close();
  const burst = `| ${frames} | ${MESSAGES} in ${(sentAt - startedAt) / 1000} s |`;
  const witnessMs = witnessedAt - startedAt;
  if (figures === undefined) {
    const cut = server.stdout.lines.some((line) => line.endsWith(":: Reader: disconnected."));
    return {
      row: `${burst} n/a | n/a | n/a | not within ${RUN_MS / 1000} s${
        cut ? " (the server cut the page)" : ""
      } | n/a | ${witnessMs} | n/a | n/a |`,
      longest: NaN,
      waited: NaN,
      total: NaN,
    };
  }
  const cell = (list?: number[]) =>
    list === undefined
      ? "n/a"
      : list.length === 0
      ? "none over 50"
      : `${list[0].toFixed(0)} (${list.length} over 50)`;
  const total = figures.shownAt - startedAt;
  const hidden = figures.first.startsWith("Older messages are hidden") ? "yes" : "no";
  const row = `${burst} ${cell(figures.tasks)} | ${cell(figures.frames)} | ` +
    `${figures.waited.toFixed(0)} | ${total.toFixed(0)} | ${
      (figures.shownAt - sentAt).toFixed(0)
    } | ` +
    `${witnessMs} | ${figures.messages} of ${figures.lines} | ${hidden} |`;
  return { row, longest: figures.tasks[0] ?? 0, waited: figures.waited, total };
}

/** The median of the finite `values` in ms, or "n/a" if there are none. */
function median(values: number[]): string {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  return finite.length === 0 ? "n/a" : `${finite[finite.length >> 1].toFixed(0)} ms`;
}

Deno.mkdirSync(DATA, { recursive: true });
const profiles = Deno.makeTempDirSync({ dir: DATA, prefix: "page-burst-" });
try {
  console.log(
    "| frames from the server | burst sent | longest task ms (tasks over 50 ms) | " +
      "longest animation frame ms (over 50 ms) | longest wait at input priority ms | " +
      "first sent to last shown ms | " +
      "last sent to last shown ms | first sent to the terminal's last ms | " +
      "chat lines of lines in the page | older hidden said |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const longest: number[] = [];
  const waited: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await run(`${profiles}/${i}`);
    console.log(result.row);
    longest.push(result.longest);
    waited.push(result.waited);
    total.push(result.total);
  }
  console.log(
    `\nMedians of ${RUNS}: longest task ${median(longest)} (0: none over 50 ms), ` +
      `longest wait at input priority ${median(waited)}, first sent to last shown ${
        median(total)
      }.`,
  );
} finally {
  Deno.removeSync(profiles, { recursive: true });
}
