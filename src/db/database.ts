/**
 * The SQLite connection: `node:sqlite` opened with the pragmas this cache needs, wrapped in a
 * disposable {@link Database}, and a {@link Transaction} that rolls back on dispose unless committed.
 *
 * @example
 * ```ts
 * using db = openDatabase("/tmp/cache.db");
 * {
 *   using tx = db.transaction();
 *   db.exec("INSERT INTO sync_metadata (key, value) VALUES ('k', 'v')");
 *   tx.commit();
 * }
 * ```
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { basename, dirname, join, resolve, sep } from "node:path";
import { DatabaseStateError, errorMessage } from "../errors.ts";
import { commandHint, diskFullError, fileTrouble, probeWritable, readOnlyError } from "../sandbox.ts";

/** Named parameters of a prepared statement. */
export type Params = Record<string, SQLInputValue>;

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** Open read-only (no schema changes, no writes). */
  readOnly?: boolean;
  /** Page cache in MiB; the 2 MB default doubled query times in measurements. */
  cacheMiB?: number;
  /** How long a writer waits for another writer, in ms. */
  busyTimeoutMs?: number;
  /**
   * Check the pages at open and refuse a damaged file: `true` (default) bounds the cost (see
   * {@link FULL_CHECK_MAX_BYTES}), `"full"` checks every page whatever the size, `"tables"` checks
   * what a large cache gets checked whatever the size, `false` skips it.
   */
  check?: boolean | "full" | "tables";
}

const SQLITE_HEADER = "SQLite format 3\u0000";

/** The files SQLite (and the sync lock) keep beside a database file. */
export const SIDE_SUFFIXES: readonly string[] = Object.freeze(["-wal", "-shm", "-journal", ".sync.lock"]);

const SETTING = "TESTIO_DB_PATH";

/** Refuses a file that exists but is not a SQLite database, so it is never overwritten. */
function assertSqliteFile(path: string): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw fileTrouble(err, { access: "read", path, setting: SETTING, what: "read the cache" }) ??
      new DatabaseStateError(`Cannot open the database file ${path}: ${errorMessage(err)}`, {
        hint: "The file or its folder cannot be opened",
        action: `Point ${SETTING} at another file`,
        cause: err,
      });
  }
  try {
    const header = new Uint8Array(16);
    const n = file.readSync(header) ?? 0;
    if (n === 0) return; // an empty file is a new database
    if (new TextDecoder().decode(header.subarray(0, n)) !== SQLITE_HEADER) {
      throw new DatabaseStateError(`${path} is not a SQLite database`, {
        hint: `${SETTING} points at some other file; it was left untouched`,
        action: `Point ${SETTING} at a new file name (or move that file away)`,
      });
    }
  } finally {
    file.close();
  }
}

const inside = (child: string, root: string) =>
  root === sep || child === root || child.startsWith(root + sep);

/** The real path of `path`, resolving the links of its existing part; the missing rest is appended. */
function realOrPlanned(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotCapable)) throw err;
  }
  // A dangling link, or one leading where this process may not look: follow it by hand.
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(current);
    } catch (err) {
      // Beyond what the sandbox lets this process read: that is where it leads.
      if (err instanceof Deno.errors.NotCapable) return current;
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      const parent = dirname(current);
      return parent === current ? current : join(realOrPlanned(parent), basename(current));
    }
    if (!info.isSymlink) return current;
    current = resolve(dirname(current), Deno.readLinkSync(current));
  }
  throw new DatabaseStateError(`${path} is a loop of symbolic links`, {
    hint: `${SETTING} cannot be resolved to a file`,
    action: `Point ${SETTING} at a plain file`,
  });
}

/**
 * The folder a database may live in once links are resolved. With a sandbox that limits writes (the
 * `deno task` commands), it is the real path of the widest folder Deno lets this process write that
 * holds the configured path: SQLite follows links by itself, past Deno's checks. Otherwise (the
 * compiled binary, `-A`) it is the real path of the configured file's folder.
 */
function allowedRoot(path: string): string {
  const folder = dirname(path);
  const writable = (p: string) => Deno.permissions.querySync({ name: "write", path: p }).state === "granted";
  if (Deno.permissions.querySync({ name: "write" }).state === "granted" || !writable(folder)) {
    return realOrPlanned(folder);
  }
  let top = folder;
  while (dirname(top) !== top && writable(dirname(top))) top = dirname(top);
  return realOrPlanned(top);
}

/**
 * Resolves the database path and its side files (-wal, -shm, -journal, the sync lock) through
 * symbolic links and refuses any that leads outside the data folder (see {@link allowedRoot}):
 * SQLite follows links without asking Deno, so a link could otherwise make the sync create or
 * change a file outside the folder the program may write. A link that stays inside is fine.
 *
 * @throws {DatabaseStateError} naming the link and where it leads.
 */
export function confineDatabasePath(path: string): void {
  if (path === ":memory:") return;
  const absolute = resolve(path);
  let root: string;
  try {
    root = allowedRoot(absolute);
    for (const file of [absolute, ...SIDE_SUFFIXES.map((s) => absolute + s)]) {
      const real = realOrPlanned(file);
      if (inside(real, root)) continue;
      throw new DatabaseStateError(
        `${SETTING} leads outside the data folder: ${file} leads to ${real} through a link, outside ${root}`,
        {
          hint: "SQLite follows links, so the cache would be written where this program was not meant to " +
            "write; nothing was opened or written",
          action: `Replace the link by the file itself (mv ${real} ${file}), or set ${SETTING}=${real} ` +
            "if the cache belongs there",
        },
      );
    }
  } catch (err) {
    if (err instanceof DatabaseStateError) throw err;
    throw fileTrouble(err, {
      access: "read",
      path: absolute,
      setting: SETTING,
      what: "resolve the cache path",
    }) ??
      err;
  }
}

/**
 * Bytes on disk of the database at `path` with its WAL and shared-memory files (0 for `:memory:` or a
 * file not created yet; the WAL and shm files exist only while a connection has the file open).
 */
export function databaseFileBytes(path: string): number {
  if (path === ":memory:") return 0;
  let total = 0;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      total += Deno.statSync(file).size;
    } catch {
      // A missing file adds nothing.
    }
  }
  return total;
}

function ensureParentDir(path: string): void {
  const dir = dirname(resolve(path));
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return;
    throw fileTrouble(err, {
      access: "write",
      path: dir,
      setting: SETTING,
      what: "create the cache folder",
    }) ??
      new DatabaseStateError(`Cannot create the folder ${dir}: ${errorMessage(err)}`, {
        hint: `The folder of ${SETTING} cannot be created`,
        action: `Create it yourself or point ${SETTING} somewhere writable`,
        cause: err,
      });
  }
}

/**
 * A disposable SQLite connection. Disposing checkpoints the WAL (so the main file is complete when
 * the process exits) and closes the connection.
 */
export class Database implements Disposable {
  readonly path: string;
  readonly raw: DatabaseSync;
  #inTransaction = false;

  constructor(path: string, raw: DatabaseSync) {
    this.path = path;
    this.raw = raw;
  }

  /** Whether the connection is still open. */
  get isOpen(): boolean {
    return this.raw.isOpen;
  }

  /** Prepares a statement; callers (repositories) keep it for their lifetime. */
  prepare(sql: string): StatementSync {
    const stmt = this.raw.prepare(sql);
    // Ids and counts fit in doubles; BigInt results would leak into JSON outputs.
    stmt.setReadBigInts(false);
    return stmt;
  }

  /** Runs one or more statements without results. */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Whether a transaction opened by {@link transaction} is active. */
  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  /**
   * Begins an IMMEDIATE transaction (takes the write lock now, so two writers queue on
   * busy_timeout instead of failing on a lock upgrade). Roll back happens on dispose unless
   * {@link Transaction.commit} ran.
   */
  transaction(): Transaction {
    if (this.#inTransaction) {
      throw new Error("A transaction is already open on this connection");
    }
    this.raw.exec("BEGIN IMMEDIATE");
    this.#inTransaction = true;
    return new Transaction(this, () => (this.#inTransaction = false));
  }

  /** Runs `fn` in a transaction and commits when it returns. */
  write<T>(fn: () => T): T {
    using tx = this.transaction();
    const result = fn();
    tx.commit();
    return result;
  }

  [Symbol.dispose](): void {
    if (!this.raw.isOpen) return;
    try {
      if (this.#inTransaction) this.raw.exec("ROLLBACK");
      if (!this.raw.prepare("PRAGMA query_only").get()?.query_only) {
        this.raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    } catch {
      // A busy checkpoint is harmless: the WAL is replayed on the next open.
    }
    this.raw.close();
  }
}

/** A write transaction; rolls back on dispose unless committed. */
export class Transaction implements Disposable {
  readonly #db: Database;
  readonly #done: () => void;
  #finished = false;

  constructor(db: Database, done: () => void) {
    this.#db = db;
    this.#done = done;
  }

  /** Commits; later dispose does nothing. */
  commit(): void {
    if (this.#finished) throw new Error("Transaction already finished");
    this.#db.raw.exec("COMMIT");
    this.#finished = true;
    this.#done();
  }

  [Symbol.dispose](): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      if (this.#db.raw.isOpen && this.#db.raw.isTransaction) this.#db.raw.exec("ROLLBACK");
    } finally {
      this.#done();
    }
  }
}

/**
 * Caches up to this size get a full `PRAGMA quick_check` at open. A full check grows with the file
 * (seconds at 400,000 bugs; the figures are in bench/RESULTS.md, Tuning), so above this size only the
 * tables other than bugs, the search index and the bug counts kept per test (`test_bug_*`, derived
 * from the bugs) are checked. Damage in those still surfaces as "malformed" when they are read, and
 * `doctor` runs the full check.
 */
export const FULL_CHECK_MAX_BYTES = 128 * 1024 * 1024;

/** SQLite's words for a file whose pages cannot be read as a database. */
const DAMAGE = /malformed|not a database|corrupt|database disk image/i;

/** What the start-up check of a database found wrong, or null when it passed. */
function quickCheck(raw: DatabaseSync, full: boolean): string | null {
  const problems = (sql: string) =>
    (raw.prepare(sql).all() as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== "ok");
  if (full) {
    const found = problems("PRAGMA quick_check(3)");
    return found.length ? found.join("; ") : null;
  }
  const tables = raw.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
       AND name <> 'bugs' AND name NOT LIKE 'search\\_%' ESCAPE '\\' AND name NOT LIKE 'test\\_bug\\_%' ESCAPE '\\'
       AND sql NOT LIKE 'CREATE VIRTUAL%'`,
  ).all() as { name: string }[];
  for (const { name } of tables) {
    let found: string[];
    try {
      found = problems(`PRAGMA quick_check("${name.replaceAll('"', '""')}")`);
    } catch (err) {
      if (!DAMAGE.test(errorMessage(err))) throw err;
      found = [errorMessage(err)];
    }
    if (found.length) return `table ${name}: ${found.join("; ")}`;
  }
  return null;
}

/**
 * The error for a database that failed to open or to pass its check. A read-only file system or a
 * full disk (which SQLite reports as "unable to open database file" or "disk I/O error") is told apart
 * by a probe write in the folder, so a healthy cache there is never called damaged.
 */
function openFailure(path: string, err: unknown, readOnly: boolean, what = "open the cache"): Error {
  const ctx = {
    access: readOnly ? "read" : "write",
    path,
    setting: SETTING,
    what,
  } as const;
  const direct = fileTrouble(err, ctx);
  if (direct) return direct;
  const message = errorMessage(err);
  const damaged = err instanceof DamagedError || DAMAGE.test(message);
  if (!damaged) {
    const probe = probeWritable(dirname(resolve(path)));
    if (probe?.kind === "read-only") return readOnlyError(ctx, err);
    if (probe?.kind === "disk-full") return diskFullError(ctx, err);
    if (probe?.kind === "os-permission" && !readOnly) return fileTrouble(probe.cause, ctx) ?? (err as Error);
  }
  if (damaged) {
    return new DatabaseStateError(`${path} cannot be used as a database: it is damaged (${message})`, {
      hint:
        "Some of its pages cannot be read (a crash or a full disk during a write, or a copy taken while " +
        "a sync was writing); it was left untouched and nothing more is written to it",
      action: `Rebuild the cache: ${
        commandHint("sync --rebuild")
      } keeps the damaged file beside it as a backup and syncs a new one`,
      cause: err,
    });
  }
  return new DatabaseStateError(`Cannot open the database ${path}: ${message}`, {
    hint: "The file is locked by another program, or the disk cannot be read",
    action: `Check that no other program holds ${path}, or point ${SETTING} at another file`,
    cause: err,
  });
}

class DamagedError extends Error {}

/**
 * The error for a write that SQLite refused on an open database: a full disk, a read-only file system
 * or damaged pages get their own message (told apart by a probe write beside the file); anything
 * else is returned unchanged.
 */
export function writeFailure(path: string, err: unknown): unknown {
  if (path === ":memory:" || err instanceof DatabaseStateError) return err;
  const message = errorMessage(err);
  if (DAMAGE.test(message) || /disk is full|disk I\/O error|readonly database|read-only/i.test(message)) {
    return openFailure(path, err, false, "write the cache");
  }
  return err;
}

/**
 * Opens (creating if needed) the database at `path` with WAL, foreign keys, busy timeout,
 * synchronous=NORMAL and a sized page cache, after checking that its path does not lead out of its
 * folder through links ({@link confineDatabasePath}) and that its pages are sound (`PRAGMA
 * quick_check`, unless `check: false`). `:memory:` is accepted for tests.
 *
 * @throws {DatabaseStateError} when the file is not a SQLite database, is damaged, or leads outside
 * its folder.
 * @throws {FileAccessError} when the sandbox, the operating system, a read-only file system or a full
 * disk stops it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const memory = path === ":memory:";
  const readOnly = options.readOnly ?? false;
  if (!memory) {
    confineDatabasePath(path);
    assertSqliteFile(path);
    if (!readOnly) ensureParentDir(path);
  }
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path, { readOnly, enableForeignKeyConstraints: true });
  } catch (err) {
    throw openFailure(path, err, readOnly);
  }
  try {
    raw.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    if (!readOnly) raw.exec("PRAGMA journal_mode = WAL");
    raw.exec("PRAGMA synchronous = NORMAL");
    raw.exec("PRAGMA foreign_keys = ON");
    raw.exec(`PRAGMA cache_size = -${(options.cacheMiB ?? 32) * 1024}`);
    raw.exec("PRAGMA temp_store = MEMORY");
    // A damaged file can pass the header check; reading the schema catches the worst, the check the rest.
    raw.prepare("SELECT count(*) FROM sqlite_master").get();
    if (!memory && options.check !== false) {
      const full = options.check === "full" ||
        (options.check !== "tables" && databaseFileBytes(path) <= FULL_CHECK_MAX_BYTES);
      const problem = quickCheck(raw, full);
      if (problem) throw new DamagedError(problem);
    }
  } catch (err) {
    raw.close();
    throw openFailure(path, err, readOnly);
  }
  return new Database(path, raw);
}

/**
 * Moves a database and its -wal/-shm files aside as `<path>.damaged-<time>` (the WAL keeps its pairing,
 * so the backup opens with sqlite3 as it was), leaving the path free for a new cache. Nothing is
 * deleted. Returns the backup path, or null when there was no file.
 *
 * Take the sync lock first: a sync writing the old file would go on writing the backup.
 */
export function setAsideDatabase(path: string, now = new Date()): string | null {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const backup = `${path}.damaged-${stamp}`;
  try {
    Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw fileTrouble(err, { access: "read", path, setting: SETTING, what: "look at the cache" }) ?? err;
  }
  const moved: string[] = [];
  try {
    for (const suffix of ["-wal", "-shm", ""]) {
      try {
        Deno.renameSync(path + suffix, backup + suffix);
        moved.push(suffix);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
  } catch (err) {
    // All or nothing: a WAL parted from its file would be lost to both.
    for (const suffix of moved.reverse()) {
      try {
        Deno.renameSync(backup + suffix, path + suffix);
      } catch {
        // Left as the backup; the message below names it.
      }
    }
    throw fileTrouble(err, { access: "write", path, setting: SETTING, what: "set the cache aside" }) ?? err;
  }
  return backup;
}
