/**
 * Checkpoints the WAL of a database from a worker thread while a sync writes. SQLite checkpoints on
 * the committing connection by default (every 1,000 pages): it copies the WAL's pages into the file
 * and waits for two fsyncs, on the thread that also reads and parses the API's answers (half of what
 * a commit cost, and most of its wall time, bench/RESULTS.md, Tuning). With the checkpointer running,
 * the writer's automatic checkpoints are off and a second connection, in a worker, runs a PASSIVE
 * checkpoint every {@link CHECKPOINT_INTERVAL_MS}: it never blocks the writer or readers, and once it
 * has caught up the writer starts the WAL over, so the WAL stays bounded as before.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./database.ts";
 *
 * using db = openDatabase("/tmp/cache.db");
 * await using _checkpoints = await startCheckpointer(db);
 * // … write …
 * ```
 */
import type { Database } from "./database.ts";

/** How often the worker checkpoints, in ms. */
export const CHECKPOINT_INTERVAL_MS = 200;

/** SQLite's default automatic checkpoint, in pages, restored when the checkpointer stops. */
const DEFAULT_AUTOCHECKPOINT = 1000;

/** How long stopping waits for the worker to close its connection, in ms. */
const STOP_WAIT_MS = 10_000;

// The worker's program: a module of its own would be left out of the bundle and the binary.
const WORKER_SOURCE = `
import { DatabaseSync } from "node:sqlite";
let db = null;
let timer;
self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "start") {
    try {
      db = new DatabaseSync(message.path);
      db.exec("PRAGMA busy_timeout = 0");
    } catch (err) {
      self.postMessage({ type: "failed", error: String(err) });
      return;
    }
    timer = setInterval(() => {
      try {
        db.exec("PRAGMA wal_checkpoint(PASSIVE)");
      } catch {
        // Busy or locked: the next turn tries again, and the writer's connection checkpoints at close.
      }
    }, message.intervalMs);
    self.postMessage({ type: "started" });
  } else if (message.type === "stop") {
    clearInterval(timer);
    try {
      db?.close();
    } finally {
      self.postMessage({ type: "stopped" });
    }
  }
};
`;

/** A running checkpointer; disposing stops it and gives the writer its automatic checkpoints back. */
export interface Checkpointer extends AsyncDisposable {
  /** False when no worker runs (an in-memory database, or the worker could not start). */
  readonly running: boolean;
}

function reply(worker: Worker, types: string[], ms: number): Promise<{ type: string; error?: string }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ type: "timeout" }), ms);
    worker.onmessage = (event: MessageEvent<{ type: string; error?: string }>) => {
      if (!types.includes(event.data.type)) return;
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      clearTimeout(timer);
      resolve({ type: "failed", error: event.message });
    };
  });
}

/**
 * Starts checkpointing `db` from a worker. Never throws: when the worker cannot start, the writer
 * keeps its own automatic checkpoints (and `running` is false).
 */
export async function startCheckpointer(
  db: Database,
  intervalMs = CHECKPOINT_INTERVAL_MS,
): Promise<Checkpointer> {
  const idle: Checkpointer = { running: false, [Symbol.asyncDispose]: () => Promise.resolve() };
  if (db.path === ":memory:") return idle;
  let worker: Worker;
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    try {
      worker = new Worker(url, { type: "module" });
    } finally {
      URL.revokeObjectURL(url);
    }
  } catch {
    return idle;
  }
  const started = reply(worker, ["started", "failed"], STOP_WAIT_MS);
  worker.postMessage({ type: "start", path: db.path, intervalMs });
  if ((await started).type !== "started") {
    worker.terminate();
    return idle;
  }
  db.exec("PRAGMA wal_autocheckpoint = 0");
  let stopped = false;
  return {
    running: true,
    async [Symbol.asyncDispose]() {
      if (stopped) return;
      stopped = true;
      try {
        const done = reply(worker, ["stopped", "failed"], STOP_WAIT_MS);
        worker.postMessage({ type: "stop" });
        await done;
      } finally {
        worker.terminate();
        if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
      }
    },
  };
}
