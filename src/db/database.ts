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
import { DatabaseStateError } from "../errors.ts";

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
}

const SQLITE_HEADER = "SQLite format 3\u0000";

/** Refuses a file that exists but is not a SQLite database, so it is never overwritten. */
function assertSqliteFile(path: string): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw new DatabaseStateError(`Cannot open the database file ${path}: ${(err as Error).message}`, {
      hint: "The file or its folder is not readable by this process",
      action: "Check the permissions of TESTIO_DB_PATH or point it at another file",
      cause: err,
    });
  }
  try {
    const header = new Uint8Array(16);
    const n = file.readSync(header) ?? 0;
    if (n === 0) return; // an empty file is a new database
    if (new TextDecoder().decode(header.subarray(0, n)) !== SQLITE_HEADER) {
      throw new DatabaseStateError(`${path} is not a SQLite database`, {
        hint: "TESTIO_DB_PATH points at some other file; it was left untouched",
        action: "Point TESTIO_DB_PATH at a new file name (or move that file away)",
      });
    }
  } finally {
    file.close();
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
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return;
  const dir = path.slice(0, slash);
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return;
    throw new DatabaseStateError(`Cannot create the folder ${dir}: ${(err as Error).message}`, {
      hint: "The folder of TESTIO_DB_PATH is not writable",
      action: "Create it yourself or point TESTIO_DB_PATH somewhere writable",
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
 * Opens (creating if needed) the database at `path` with WAL, foreign keys, busy timeout,
 * synchronous=NORMAL and a sized page cache. `:memory:` is accepted for tests.
 *
 * @throws {DatabaseStateError} when the file is not a SQLite database or cannot be opened.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const memory = path === ":memory:";
  if (!memory) {
    assertSqliteFile(path);
    if (!options.readOnly) ensureParentDir(path);
  }
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path, { readOnly: options.readOnly ?? false, enableForeignKeyConstraints: true });
  } catch (err) {
    throw new DatabaseStateError(`Cannot open the database ${path}: ${(err as Error).message}`, {
      hint: "The file is missing, locked by another program, or not readable",
      action: "Check TESTIO_DB_PATH and its permissions",
      cause: err,
    });
  }
  try {
    raw.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    if (!options.readOnly) raw.exec("PRAGMA journal_mode = WAL");
    raw.exec("PRAGMA synchronous = NORMAL");
    raw.exec("PRAGMA foreign_keys = ON");
    raw.exec(`PRAGMA cache_size = -${(options.cacheMiB ?? 32) * 1024}`);
    raw.exec("PRAGMA temp_store = MEMORY");
    // A damaged file can pass the header check; reading the schema catches most of the rest.
    raw.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (err) {
    raw.close();
    throw new DatabaseStateError(`${path} cannot be used as a database: ${(err as Error).message}`, {
      hint: "The file is damaged or not a SQLite database; it was left untouched",
      action: "Move the file away (keep it for inspection) and run sync again to rebuild the cache",
      cause: err,
    });
  }
  return new Database(path, raw);
}
