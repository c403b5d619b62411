/**
 * Versioned SQL migrations, embedded through text imports so the compiled binary carries them.
 * Every `NNNN_name.up.sql` has a `NNNN_name.down.sql`; `schema_migrations` records version, name,
 * checksum and time of every applied migration.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./database.ts";
 *
 * using db = openDatabase(":memory:");
 * migrateUp(db); // applies pending migrations in order
 * migrationStatus(db); // { current: 6, latest: 6, applied: [...], pending: [] }
 * ```
 */
import { createHash } from "node:crypto";
import { type Database, writeFailure } from "./database.ts";
import { DatabaseStateError, errorMessage, InputError } from "../errors.ts";
import type { Logger } from "../log.ts";
import init_up from "../../migrations/0001_init.up.sql" with { type: "text" };
import init_down from "../../migrations/0001_init.down.sql" with { type: "text" };
import freshness_up from "../../migrations/0002_freshness_indexes.up.sql" with { type: "text" };
import freshness_down from "../../migrations/0002_freshness_indexes.down.sql" with { type: "text" };
import search_words_up from "../../migrations/0003_search_words.up.sql" with { type: "text" };
import search_words_down from "../../migrations/0003_search_words.down.sql" with { type: "text" };
import cube_indexes_up from "../../migrations/0004_cube_indexes.up.sql" with { type: "text" };
import cube_indexes_down from "../../migrations/0004_cube_indexes.down.sql" with { type: "text" };
import lean_rows_up from "../../migrations/0005_lean_rows.up.sql" with { type: "text" };
import lean_rows_down from "../../migrations/0005_lean_rows.down.sql" with { type: "text" };
import single_search_up from "../../migrations/0006_single_search_index.up.sql" with { type: "text" };
import single_search_down from "../../migrations/0006_single_search_index.down.sql" with { type: "text" };
import test_bug_counts_up from "../../migrations/0007_test_bug_counts.up.sql" with { type: "text" };
import test_bug_counts_down from "../../migrations/0007_test_bug_counts.down.sql" with { type: "text" };
import test_bug_facets_up from "../../migrations/0008_test_bug_facets.up.sql" with { type: "text" };
import test_bug_facets_down from "../../migrations/0008_test_bug_facets.down.sql" with { type: "text" };
import search_rowids_up from "../../migrations/0009_search_rowids.up.sql" with { type: "text" };
import search_rowids_down from "../../migrations/0009_search_rowids.down.sql" with { type: "text" };
import { commandHint } from "../launch.ts";

/** One migration: its version, name and the two scripts. */
export interface Migration {
  version: number;
  name: string;
  up: string;
  down: string;
  /** The up script rewrites most of the file: VACUUM afterwards (see {@link compactAfterMigrations}). */
  compact?: boolean;
}

/** Every migration the program knows, in version order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: "init", up: init_up, down: init_down },
  { version: 2, name: "freshness_indexes", up: freshness_up, down: freshness_down },
  { version: 3, name: "search_words", up: search_words_up, down: search_words_down },
  { version: 4, name: "cube_indexes", up: cube_indexes_up, down: cube_indexes_down },
  { version: 5, name: "lean_rows", up: lean_rows_up, down: lean_rows_down, compact: true },
  { version: 6, name: "single_search_index", up: single_search_up, down: single_search_down },
  { version: 7, name: "test_bug_counts", up: test_bug_counts_up, down: test_bug_counts_down },
  { version: 8, name: "test_bug_facets", up: test_bug_facets_up, down: test_bug_facets_down },
  { version: 9, name: "search_rowids", up: search_rowids_up, down: search_rowids_down },
]);

/** The newest schema version this program knows. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** One applied migration as recorded. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
}

/** What {@link migrationStatus} reports. */
export interface MigrationStatus {
  current: number;
  latest: number;
  applied: AppliedMigration[];
  pending: { version: number; name: string }[];
  /** Applied migrations whose script changed since (a sign of a hand-edited migration). */
  modified: number[];
}

/** SHA-256 of a script, so an edited migration is noticed. */
export function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

function ensureTable(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
}

function applied(db: Database): AppliedMigration[] {
  const exists = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
  ).get();
  if (!exists) return [];
  return db.prepare("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    .all() as unknown as AppliedMigration[];
}

/** The applied and pending migrations of `db`. */
export function migrationStatus(db: Database, known: readonly Migration[] = MIGRATIONS): MigrationStatus {
  const done = applied(db);
  const doneVersions = new Set(done.map((m) => m.version));
  const byVersion = new Map(known.map((m) => [m.version, m]));
  return {
    current: done.length ? done[done.length - 1].version : 0,
    latest: known.length ? known[known.length - 1].version : 0,
    applied: done,
    pending: known.filter((m) => !doneVersions.has(m.version)).map(({ version, name }) => ({
      version,
      name,
    })),
    modified: done.filter((m) => {
      const k = byVersion.get(m.version);
      return k !== undefined && checksum(k.up) !== m.checksum;
    }).map((m) => m.version),
  };
}

/** Refuses a database whose schema is newer than this program. */
export function assertNotNewer(db: Database, known: readonly Migration[] = MIGRATIONS): void {
  const status = migrationStatus(db, known);
  const unknown = status.applied.filter((m) => !known.some((k) => k.version === m.version));
  if (unknown.length) {
    throw new DatabaseStateError(
      `The database ${db.path} has schema version ${status.current}, newer than this program knows (${status.latest})`,
      {
        hint: "A newer testio-mcp wrote this cache",
        action:
          "Upgrade testio-mcp, or point TESTIO_DB_PATH at another file (the cache can be rebuilt by sync)",
      },
    );
  }
}

/** `sync_metadata` key set while a migration marked `compact` awaits its VACUUM. */
const COMPACT_PENDING = "schema.compact_pending";

/**
 * Applies pending migrations in order, each in its own transaction together with its
 * `schema_migrations` row. Returns the versions applied.
 */
export function migrateUp(db: Database, known: readonly Migration[] = MIGRATIONS): number[] {
  ensureTable(db);
  assertNotNewer(db, known);
  const done = new Set(applied(db).map((m) => m.version));
  const ran: number[] = [];
  for (const m of known) {
    if (done.has(m.version)) continue;
    const appliedNow = db.write(() => {
      // Re-checked under the write lock: two processes may open a new database at the same moment.
      if (db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version)) return false;
      db.exec(m.up);
      db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
        .run(m.version, m.name, checksum(m.up), new Date().toISOString());
      // Recorded with the migration, so a compaction that cannot run right after is not forgotten. A
      // database created by this call has nothing to compact.
      if (m.compact && done.size > 0) {
        db.prepare("INSERT OR REPLACE INTO sync_metadata (key, value) VALUES (?, '1')").run(COMPACT_PENDING);
      }
      return true;
    });
    if (appliedNow) ran.push(m.version);
  }
  return ran;
}

/** Free pages above this share of the file are returned to the file system after migrating. */
const RECLAIM_FREE_SHARE = 0.25;

/** What a compaction did: the page counts, or why it did not run and what to do about it. */
export type CompactionResult =
  | { compacted: true; pagesBefore: number; pagesAfter: number }
  | { compacted: false; reason: string; action: string };

/** The size of the file in pages. */
function pageCount(db: Database): number {
  return (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
}

/**
 * Deno's node:sqlite lets a connection attach databases only in a process that has every permission;
 * with fewer (the task flags and the compiled binary's) it caps them at 0, and VACUUM attaches one.
 */
const VACUUM_NOT_PERMITTED = /too many attached databases - max 0/;

/**
 * Compacts the file (VACUUM) when a migration marked `compact` left that pending (dropping a column
 * leaves every page part empty, which SQLite does not count as free), or when migrations were just
 * applied and more than a quarter of the file is free pages. Never throws; null when there is nothing
 * to compact.
 *
 * A VACUUM that cannot run now (another process is writing, the disk is full) stays pending and is
 * tried again at the next start or `testio-mcp migrate up`. One that Deno does not permit (the program
 * runs with least-privilege permissions) never can: the mark is dropped and the result says how to
 * compact the file by hand. The cache works either way; the space is reused by later syncs.
 */
export function compactAfterMigrations(db: Database, applied: readonly number[]): CompactionResult | null {
  try {
    const pending =
      db.prepare("SELECT 1 FROM sync_metadata WHERE key = ?").get(COMPACT_PENDING) !== undefined;
    const fragmented = applied.length > 0 &&
      (db.prepare("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count >=
        Math.max(1, pageCount(db) * RECLAIM_FREE_SHARE);
    if (!pending && !fragmented) return null;
  } catch {
    return null;
  }
  try {
    return { compacted: true, ...vacuum(db) };
  } catch (err) {
    const message = errorMessage(err);
    if (!VACUUM_NOT_PERMITTED.test(message)) {
      return {
        compacted: false,
        reason: message,
        action: `Nothing to do: the next start (or '${commandHint("migrate up")}') tries again`,
      };
    }
    try {
      db.prepare("DELETE FROM sync_metadata WHERE key = ?").run(COMPACT_PENDING);
    } catch {
      // Kept: the next start says the same again.
    }
    return {
      compacted: false,
      reason: "Deno runs VACUUM only in a program that has every permission, and testio-mcp runs with fewer",
      action: `To give the unused space back, stop the server and run: sqlite3 ${db.path} VACUUM`,
    };
  }
}

/**
 * VACUUM, then clears the pending mark and gives the WAL's copy of every page back to the disk. Throws
 * what SQLite throws (the callers keep the mark then).
 */
function vacuum(db: Database): { pagesBefore: number; pagesAfter: number } {
  const pagesBefore = pageCount(db);
  const { temp_store } = db.prepare("PRAGMA temp_store").get() as { temp_store: number };
  const { cache_size } = db.prepare("PRAGMA cache_size").get() as { cache_size: number };
  try {
    // VACUUM builds the new file in temporary storage: on disk, not in memory (the connection's
    // temp_store MEMORY would hold a copy of the whole cache). It reads and writes every page once, so
    // a big page cache (for the old file and again for the new one) buys nothing but memory
    // (bench/RESULTS.md, Tuning).
    db.exec("PRAGMA temp_store = FILE");
    db.exec("PRAGMA cache_size = -2048");
    db.exec("VACUUM");
  } finally {
    db.exec(`PRAGMA temp_store = ${temp_store}`);
    db.exec(`PRAGMA cache_size = ${cache_size}`);
  }
  db.prepare("DELETE FROM sync_metadata WHERE key = ?").run(COMPACT_PENDING);
  // VACUUM wrote the whole file through the WAL; without this the WAL keeps that size until close.
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return { pagesBefore, pagesAfter: pageCount(db) };
}

/** Rolls back the newest `steps` applied migrations. Returns the versions rolled back. */
export function migrateDown(db: Database, steps = 1, known: readonly Migration[] = MIGRATIONS): number[] {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new InputError(`'steps' must be a positive whole number: got ${steps}`);
  }
  ensureTable(db);
  assertNotNewer(db, known);
  const done = applied(db).reverse().slice(0, steps);
  const ran: number[] = [];
  for (const a of done) {
    const m = known.find((k) => k.version === a.version);
    if (!m) throw new DatabaseStateError(`No down script for version ${a.version}`);
    db.write(() => {
      db.exec(m.down);
      db.prepare("DELETE FROM schema_migrations WHERE version = ?").run(m.version);
    });
    ran.push(m.version);
  }
  return ran;
}

/**
 * The start-up check of `serve` and `sync`: applies pending migrations (and compacts the file when
 * they leave it for that, warning through `log` when it cannot), or with `skip` refuses to start when
 * the schema is not current.
 */
export function prepareSchema(db: Database, skip: boolean, log: Logger): void {
  if (!skip) {
    let applied: number[];
    try {
      applied = migrateUp(db);
    } catch (err) {
      throw writeFailure(db.path, err);
    }
    const compaction = compactAfterMigrations(db, applied);
    if (compaction && !compaction.compacted) {
      log.warn("cache file not compacted after migrating", {
        reason: compaction.reason,
        action: compaction.action,
      });
    }
    return;
  }
  assertNotNewer(db);
  const status = migrationStatus(db);
  if (status.pending.length) {
    throw new DatabaseStateError(
      `The database schema is at version ${status.current}, but this program needs ${status.latest}`,
      {
        hint: "TESTIO_SKIP_MIGRATIONS is set, so migrations were not applied",
        action: `Run '${commandHint("migrate up")}' (or unset TESTIO_SKIP_MIGRATIONS)`,
      },
    );
  }
}
