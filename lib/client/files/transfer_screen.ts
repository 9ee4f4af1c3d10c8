/**
 * How a transfer shows while data moves: a progress line per transfer on a terminal, redrawn at
 * most every 100 ms; elsewhere one line at the start; and one line at the end either way.
 *
 * @module
 */

import { escapeControls, formatBytes } from "../../common/text.ts";
import { percent, type Transfer, type TransferUi } from "./transfer_table.ts";

/** How often a transfer's progress line is redrawn, at most (ms). */
const PROGRESS_EVERY_MS = 100;

/** Marks `transfer` started now, and says so (a line, or its progress line on a terminal). */
export function showStart(ui: TransferUi, transfer: Transfer): void {
  transfer.active = true;
  transfer.startedAt = Date.now();
  if (!ui.interactive) {
    const [verb, way] = transfer.outgoing ? ["Sending", "to"] : ["Receiving", "from"];
    ui.print(
      `${verb} ${escapeControls(transfer.name)} (${formatBytes(transfer.size)}) ${way} ` +
        `${escapeControls(transfer.peer)}`,
    );
  }
  showProgress(ui, transfer, true);
}

/** Redraws the progress line of `transfer` (on a terminal), at most every 100 ms. */
export function showProgress(ui: TransferUi, transfer: Transfer, now = false): void {
  if (!ui.interactive || ui.status === undefined) return;
  const at = Date.now();
  if (!now && at - transfer.shownAt < PROGRESS_EVERY_MS && transfer.done < transfer.size) return;
  transfer.shownAt = at;
  const seconds = Math.max((at - transfer.startedAt) / 1000, 0.001);
  const rate = transfer.done / seconds;
  const left = rate > 0 ? (transfer.size - transfer.done) / rate : Infinity;
  const arrow = transfer.outgoing ? `↑ ${transfer.name} to` : `↓ ${transfer.name} from`;
  ui.status(
    progressKey(transfer),
    `${escapeControls(arrow)} ${escapeControls(transfer.peer)}: ${percent(transfer)}, ` +
      `${formatBytes(transfer.done)} of ${formatBytes(transfer.size)}, ${formatBytes(rate)}/s, ` +
      `${Number.isFinite(left) ? `${left.toFixed(1)} s left` : "starting"}`,
  );
}

/** Removes the progress line of `transfer`, if it has one. */
export function clearProgress(ui: TransferUi, transfer: Transfer): void {
  ui.status?.(progressKey(transfer), undefined);
}

/** Says `transfer` is done: `verb` (Sent, Received) `way` (to, from) the peer, and where. */
export function showEnd(
  ui: TransferUi,
  transfer: Transfer,
  verb: string,
  way: string,
  path?: string,
): void {
  const seconds = ((Date.now() - transfer.startedAt) / 1000).toFixed(1);
  ui.print(
    `${verb} ${escapeControls(transfer.name)} (${formatBytes(transfer.size)}) ${way} ` +
      `${escapeControls(transfer.peer)} in ${seconds} s${
        path === undefined ? "" : `: ${escapeControls(path)}`
      }`,
  );
}

/** The key of the progress line of `transfer`. */
function progressKey(transfer: Transfer): string {
  return `transfer ${transfer.n}`;
}
