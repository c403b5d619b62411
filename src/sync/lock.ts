/**
 * The sync lock (docs/domain.md, Locks): one sync at a time per cache, across processes and inside one.
 *
 * - In-process: a per-database mutex, so two engines of one process queue instead of racing for the
 *   file.
 * - Cross-process: the file `<dbPath>.sync.lock` holding `{pid, host, started_at}`, written whole to a
 *   private file and hard-linked into place (atomic on every local file system, and never seen empty).
 *   A lock whose process is gone (same host), whose file was not touched for an hour, or whose file is
 *   empty or not a lock record (nothing a working holder leaves), is stale and taken over. The holder touches the file every
 *   15 s, so a long sync is never mistaken for an abandoned one. Whether a process is gone is read
 *   from /proc, which Deno opens only to programs with every permission: under least privilege (the
 *   compiled binary, the `deno task` commands) a same-host lock whose holder stopped touching it for
 *   two minutes counts as gone instead.
 *
 * A second sync waits up to 30 s by default, then fails with a {@link SyncBusyError} naming the holder.
 * Readers never take the lock: SQLite's WAL lets them read while a sync writes.
 *
 * @example
 * ```ts
 * {
 *   await using lock = await acquireSyncLock({ dbPath: "/tmp/cache.db" });
 *   // … sync …
 * }
 * ```
 */
import { resolve } from "node:path";
import { CancelledError, SyncBusyError } from "../errors.ts";
import { fileTrouble } from "../sandbox.ts";
import type { Logger } from "../log.ts";

/** Who holds a lock, as written in the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
}

/** A held sync lock; disposing it releases both levels. */
export interface SyncLock extends AsyncDisposable {
  /** The lock file, or null for an in-memory database. */
  readonly path: string | null;
  readonly holder: LockHolder;
}

/** Options of {@link acquireSyncLock}. */
export interface AcquireLockOptions {
  /** The database path; the lock file sits next to it. `:memory:` takes the in-process lock only. */
  dbPath: string;
  /** How long to wait for a busy lock, in ms (default 30 000). */
  waitMs?: number;
  /** Poll interval while waiting for another process, in ms (default 200). */
  pollMs?: number;
  /** A lock file not touched for this long is stale, in ms (default one hour). */
  staleMs?: number;
  /**
   * A same-host lock whose process cannot be checked (no /proc access) is stale once untouched for
   * this long, in ms (default two minutes: eight missed heartbeats).
   */
  silentMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** Default wait for a busy lock. */
export const LOCK_WAIT_MS = 30_000;
/** A lock file older than this (since its last touch) is stale. */
export const LOCK_STALE_MS = 60 * 60 * 1000;
/** How often the holder touches its lock file. */
export const LOCK_HEARTBEAT_MS = 15_000;
/** A same-host lock whose process cannot be checked is stale after this long without a touch. */
export const LOCK_SILENT_MS = 8 * LOCK_HEARTBEAT_MS;

/** The lock file of a database, or null for an in-memory database. */
export function lockPathOf(dbPath: string): string | null {
  return dbPath === ":memory:" ? null : `${resolve(dbPath)}.sync.lock`;
}

/** The in-process key of a database: one file spelled two ways (relative, absolute) is one lock. */
function keyOf(dbPath: string): string {
  return dbPath === ":memory:" ? dbPath : resolve(dbPath);
}

/** This machine's host name; `unknown` where the permission to read it is missing. */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * Whether `pid` names a live process on this host; null when it cannot be told (no /proc, or no
 * permission to read it: Deno requires every permission for /proc).
 */
function processAlive(pid: number): boolean | null {
  try {
    // The state follows the last ")" of /proc/<pid>/stat; a zombie (Z) or dead (X) process is gone.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) return null;
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return null;
    }
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== "number" || typeof v.host !== "string" || typeof v.started_at !== "string") {
      return null;
    }
    return { pid: v.pid, host: v.host, started_at: v.started_at };
  } catch {
    return null;
  }
}

/** The state of a lock file as another process sees it. */
interface LockState {
  holder: LockHolder | null;
  /** Raw file text (a takeover compares it before removing the file). */
  text: string;
  stale: boolean;
  /** Why it is stale, for the log. */
  reason?: string;
}

function inspect(path: string, staleMs: number, silentMs: number): LockState | null {
  let text: string;
  let mtime: number;
  try {
    text = Deno.readTextFileSync(path);
    mtime = Deno.statSync(path).mtime?.getTime() ?? Date.now();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw lockTrouble(err, path, "read");
  }
  const holder = parseHolder(text);
  // The holder writes its file whole before linking it into place, so a lock file that is empty or
  // not a holder record was never a working lock (a disk that filled up, a crash of an older version,
  // a hand edit): nobody can hold it, and waiting an hour for it helps nobody.
  if (!holder) {
    return { holder, text, stale: true, reason: text.trim() ? "not a lock record" : "empty lock file" };
  }
  const age = Date.now() - mtime;
  if (age > staleMs) {
    return { holder, text, stale: true, reason: `untouched for ${Math.round(age / 60_000)} min` };
  }
  if (holder.host === hostName()) {
    // Our own pid in a file we do not hold (the in-process lock is ours) is a leftover of this process.
    if (holder.pid === Deno.pid) return { holder, text, stale: true, reason: "left behind by this process" };
    const alive = processAlive(holder.pid);
    if (alive === false) return { holder, text, stale: true, reason: `process ${holder.pid} is gone` };
    if (alive === null && age > silentMs) {
      return {
        holder,
        text,
        stale: true,
        reason: `untouched for ${
          Math.round(age / 1000)
        } s by process ${holder.pid}, whose state cannot be read`,
      };
    }
  }
  return { holder, text, stale: false };
}

/** The current holder of a database's lock file, or null when none (or only a stale one) exists. */
export function readSyncLock(dbPath: string, staleMs = LOCK_STALE_MS): LockHolder | null {
  const path = lockPathOf(dbPath);
  const local = inProcess.get(keyOf(dbPath))?.holder ?? null;
  if (!path) return local;
  const state = inspect(path, staleMs, LOCK_SILENT_MS);
  return state && !state.stale ? state.holder : local;
}

/** Removes a stale lock file unless it changed since it was judged stale. */
function takeOver(path: string, judged: LockState, log?: Logger): void {
  const aside = `${path}.stale-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.renameSync(path, aside);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  let moved = "";
  try {
    moved = Deno.readTextFileSync(aside);
  } catch {
    // Unreadable: treat as changed, so it is put back below.
  }
  if (moved !== judged.text) {
    // Another process took the lock between our look and the rename: give it back.
    try {
      Deno.linkSync(aside, path);
    } catch {
      // The path is taken again already; that holder wins.
    }
  } else {
    log?.warn("taking over a stale sync lock", { path, reason: judged.reason, holder: judged.holder });
  }
  Deno.removeSync(aside);
}

interface LocalHolder {
  holder: LockHolder;
  released: Promise<void>;
}

/** In-process holders by database path. */
const inProcess = new Map<string, LocalHolder>();

function sleep(ms: number, signal?: AbortSignal, wake?: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError("Sync cancelled while waiting for the lock"));
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError("Sync cancelled while waiting for the lock"));
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
    wake?.then(done);
  });
}

function busy(holder: LockHolder | null): SyncBusyError {
  return new SyncBusyError({
    pid: holder?.pid ?? 0,
    host: holder?.host ?? "unknown",
    startedAt: holder?.started_at ?? "unknown",
  });
}

/** The error of a lock file that cannot be read or written, in words that say why. */
function lockTrouble(err: unknown, path: string, access: "read" | "write"): Error {
  return fileTrouble(err, {
    access,
    path,
    setting: "TESTIO_DB_PATH",
    what: access === "read" ? "read the sync lock" : "take the sync lock",
  }) ?? (err as Error);
}

/**
 * Creates the lock file holding `text`, atomically and whole: the record is written to a private file
 * first and then hard-linked to the lock path (which fails if the path exists), so no other process
 * ever sees an empty or half-written lock, and a write that fails (a full disk) leaves no lock file.
 * Where the file system has no hard links, the file is created exclusively and written, and removed
 * again if the write fails. Returns false when another lock file is in place.
 */
function createLockFile(path: string, text: string): boolean {
  const temp = `${path}.new-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.writeTextFileSync(temp, text, { createNew: true, mode: 0o600 });
    try {
      Deno.linkSync(temp, path);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      if (!(err instanceof Deno.errors.NotSupported || err instanceof Deno.errors.PermissionDenied)) {
        throw err;
      }
    }
    // No hard links here (some network and FAT file systems): exclusive create, then write.
    let created = false;
    try {
      const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
      created = true;
      try {
        file.writeSync(new TextEncoder().encode(text));
      } finally {
        file.close();
      }
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      if (created) Deno.removeSync(path);
      throw err;
    }
  } catch (err) {
    throw lockTrouble(err, path, "write");
  } finally {
    try {
      Deno.removeSync(temp);
    } catch {
      // Never created (the write failed before) or already gone.
    }
  }
}

/**
 * Takes the sync lock of a database, waiting up to `waitMs` for a holder to finish.
 *
 * @throws {SyncBusyError} naming the holder when the wait runs out.
 * @throws {CancelledError} when `signal` aborts while waiting.
 */
export async function acquireSyncLock(options: AcquireLockOptions): Promise<SyncLock> {
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  const pollMs = options.pollMs ?? 200;
  const staleMs = options.staleMs ?? LOCK_STALE_MS;
  const silentMs = options.silentMs ?? LOCK_SILENT_MS;
  const holder: LockHolder = { pid: Deno.pid, host: hostName(), started_at: new Date().toISOString() };

  const key = keyOf(options.dbPath);
  for (let local = inProcess.get(key); local; local = inProcess.get(key)) {
    if (Date.now() >= deadline) throw busy(local.holder);
    await sleep(deadline - Date.now(), options.signal, local.released);
  }
  const release = Promise.withResolvers<void>();
  inProcess.set(key, { holder, released: release.promise });
  const releaseLocal = () => {
    inProcess.delete(key);
    release.resolve();
  };

  const path = lockPathOf(options.dbPath);
  if (!path) return { path, holder, [Symbol.asyncDispose]: () => Promise.resolve(releaseLocal()) };

  const text = JSON.stringify(holder);
  try {
    for (;;) {
      if (createLockFile(path, text)) break;
      const state = inspect(path, staleMs, silentMs);
      if (state?.stale) {
        takeOver(path, state, options.log);
        continue;
      }
      if (state && Date.now() >= deadline) throw busy(state.holder);
      if (state) await sleep(Math.min(pollMs, deadline - Date.now()), options.signal);
    }
  } catch (err) {
    releaseLocal();
    throw err;
  }

  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      Deno.utimeSync(path, now, now);
    } catch {
      // The file was removed under us; the release below tolerates that too.
    }
  }, LOCK_HEARTBEAT_MS);
  Deno.unrefTimer(Number(heartbeat));
  const removeFile = () => {
    try {
      if (Deno.readTextFileSync(path) === text) Deno.removeSync(path);
    } catch {
      // Already gone (taken over as stale, or removed by hand): nothing to release.
    }
  };
  // A process that exits while holding the lock (Deno.exit on a second Ctrl-C, an uncaught error)
  // removes its file on the way out, so no one waits for a holder that is gone.
  globalThis.addEventListener("unload", removeFile);
  return {
    path,
    holder,
    [Symbol.asyncDispose]() {
      clearInterval(heartbeat);
      globalThis.removeEventListener("unload", removeFile);
      try {
        removeFile();
      } finally {
        releaseLocal();
      }
      return Promise.resolve();
    },
  };
}
