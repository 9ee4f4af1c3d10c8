/**
 * Counting the rows a server writes to its SQLite store, for the benchmarks: while the server is
 * stopped, `instrument` puts a trigger on every insert, update and delete of every table of its
 * database, each logging the table, the kind and the time in a table of its own; the server is
 * started on it again and does its work; once it is stopped again, `counted` reads how many rows
 * were written in each stretch of time asked about, and takes the triggers away.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** The table the triggers log to. */
const LOG = "bench_writes";
/** Milliseconds since the epoch as SQLite has them, for the triggers. */
const SQL_NOW = "(julianday('now') - 2440587.5) * 86400000.0";
const KINDS = ["INSERT", "UPDATE", "DELETE"] as const;

/** A stretch of time, in milliseconds since the epoch, whose writes are counted. */
export interface Window {
  /** When it starts. */
  from: number;
  /** When it ends. */
  to: number;
}

/** The database's own tables (every table the server writes). */
function tables(db: DatabaseSync): string[] {
  return db.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ` +
      `AND name != '${LOG}'`,
  ).all().map((row) => String(row.name));
}

/** Puts a trigger on every row written to every table of the database at `path` (not in use). */
export function instrument(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`CREATE TABLE ${LOG} (tbl TEXT, kind TEXT, at REAL)`);
    for (const table of tables(db)) {
      for (const kind of KINDS) {
        db.exec(
          `CREATE TRIGGER ${LOG}_${table}_${kind} AFTER ${kind} ON ${table} FOR EACH ROW BEGIN ` +
            `INSERT INTO ${LOG} VALUES ('${table}', '${kind.toLowerCase()}', ${SQL_NOW}); END`,
        );
      }
    }
  } finally {
    db.close();
  }
}

/** What `counted` found: the rows written in each window, and those outside them all. */
export interface Counts {
  /** For each window, by table and kind (`history insert`), the rows written. */
  windows: Map<string, number>[];
  /** The rows written outside every window (logins, disconnections...). */
  outside: Map<string, number>;
}

/** The rows written to the database at `path` (not in use) in each window; the triggers go. */
export function counted(path: string, windows: Window[]): Counts {
  const db = new DatabaseSync(path);
  try {
    const count = (where: string, ...times: number[]) =>
      new Map(
        db.prepare(`SELECT tbl, kind, count(*) AS n FROM ${LOG} WHERE ${where} GROUP BY tbl, kind`)
          .all(...times).map((row) => [`${row.tbl} ${row.kind}`, Number(row.n)]),
      );
    const counts = {
      windows: windows.map(({ from, to }) => count("at >= ? AND at <= ?", from, to)),
      outside: count(
        windows.map(() => "NOT (at >= ? AND at <= ?)").join(" AND ") || "1",
        ...windows.flatMap(({ from, to }) => [from, to]),
      ),
    };
    for (const table of tables(db)) {
      for (const kind of KINDS) db.exec(`DROP TRIGGER ${LOG}_${table}_${kind}`);
    }
    db.exec(`DROP TABLE ${LOG}`);
    return counts;
  } finally {
    db.close();
  }
}

/** `rows` as text (`history insert 1, rooms insert 0.5`), or `none`. */
export function rowsText(rows: Map<string, number>): string {
  if (rows.size === 0) return "none";
  const shown = (n: number) => Number.isInteger(n) ? String(n) : n.toFixed(3);
  return [...rows].map(([key, n]) => `${key} ${shown(n)}`).join(", ");
}
