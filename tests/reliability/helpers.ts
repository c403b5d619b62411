/**
 * Shared pieces of the reliability suite: the short/long switch, database fingerprints, structural
 * checks of a cache, and the "faithful subset" comparison used after syncs that met faults.
 *
 * The short form runs in `deno task test`; `deno task test:long` sets TESTIO_LONG_TESTS=1 for the
 * long form (more runs, more calls, bigger data).
 *
 * @example
 * ```ts
 * import type { Database } from "../../src/db/database.ts";
 *
 * declare const db: Database;
 * const runs = sized(3, 20);
 * assertDerivedCounts(db);
 * const before = fingerprint(db);
 * ```
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Database } from "../../src/db/database.ts";
import type { CorruptedRecord, FakeDataset } from "../../src/testio/fake/mod.ts";
import { expectedBugStatus, expectedRejection } from "../helpers/cache_compare.ts";

/** Whether the long form runs (`deno task test:long`). */
export const LONG = (() => {
  try {
    return Deno.env.get("TESTIO_LONG_TESTS") === "1";
  } catch {
    return false;
  }
})();

/** `short` in the CI suite, `long` in the long form. */
export function sized<T>(short: T, long: T): T {
  return LONG ? long : short;
}

/** The tables of the cache with their contents' fingerprints. */
export const DATA_TABLES = [
  "products",
  "sections",
  "features",
  "feature_sections",
  "user_stories",
  "tests",
  "test_features",
  "test_platforms",
  "bugs",
  "device_sets",
  "device_set_os",
  "users",
  "sync_events",
  "sync_metadata",
  "problematic_ranges",
  "schema_migrations",
] as const;

/** Row count and a SHA-256 over every row (in key order) of every table, plus the search index. */
export function fingerprint(db: Database): Record<string, { rows: number; sha256: string }> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  for (const table of [...DATA_TABLES, "search_index"]) {
    const order = table === "sync_metadata" ? "key" : table === "search_index" ? "rowid" : "1";
    const hash = createHash("sha256");
    let rows = 0;
    // The search index is contentless: its rowids (entity id * 4 + kind) are what it holds.
    const columns = table === "search_index" ? "rowid" : "*";
    for (const row of db.prepare(`SELECT ${columns} FROM ${table} ORDER BY ${order}`).iterate()) {
      hash.update(JSON.stringify(Object.values(row as Record<string, unknown>)));
      hash.update("\n");
      rows++;
    }
    out[table] = { rows, sha256: hash.digest("hex") };
  }
  return out;
}

/** `PRAGMA integrity_check` and `foreign_key_check` both clean. */
export function assertIntact(db: Database): void {
  const integrity = db.prepare("PRAGMA integrity_check").all().map((r) => Object.values(r)[0]);
  assert.deepEqual(integrity, ["ok"], "integrity_check");
  assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), [], "foreign_key_check");
}

function count(db: Database, sql: string): number {
  return Number(Object.values(db.prepare(sql).get() ?? { n: 0 })[0]);
}

/**
 * Derived data agrees with the rows it is derived from: the counters kept by triggers and the search
 * index (one entry per product, feature, test and bug: nothing indexed twice, nothing missing).
 */
export function assertDerivedCounts(db: Database): void {
  const mismatched = (sql: string) => db.prepare(sql).all().map((r) => ({ ...r }));
  assert.deepEqual(
    mismatched(`SELECT t.id, t.bug_count, (SELECT count(*) FROM bugs b WHERE b.test_id = t.id) AS actual
      FROM tests t WHERE t.bug_count <> (SELECT count(*) FROM bugs b WHERE b.test_id = t.id)`),
    [],
    "tests.bug_count",
  );
  for (
    const [column, table] of [["test_count", "tests"], ["bug_count", "bugs"], ["feature_count", "features"]]
  ) {
    assert.deepEqual(
      mismatched(`SELECT p.id, p.${column} FROM products p
        WHERE p.${column} <> (SELECT count(*) FROM ${table} x WHERE x.product_id = p.id)`),
      [],
      `products.${column}`,
    );
  }
  const entities = count(
    db,
    "SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM features) + (SELECT count(*) FROM tests) + (SELECT count(*) FROM bugs)",
  );
  assert.equal(count(db, "SELECT count(*) FROM search_index"), entities, "one search entry per entity");
}

/** Why parts of the source may be missing from a cache after a sync that met faults. */
export interface Allowances {
  /** Every warning of the sync(s). */
  warnings: readonly string[];
  /** Records the fake API corrupted on purpose. */
  corrupted: readonly CorruptedRecord[];
  /** Products with recorded problematic ranges. */
  problematicProducts: ReadonlySet<number>;
}

type Row = Record<string, unknown>;
const ms = (iso: unknown) => (typeof iso === "string" ? Date.parse(iso) : null);

function mentions(warnings: readonly string[], pattern: RegExp): boolean {
  return warnings.some((w) => pattern.test(w));
}

/**
 * The cache is a faithful subset of the source: every cached row equals its source record, and every
 * source record that is missing is explained by a named warning, a corrupted record or a recorded
 * problematic range. Tests whose bugs are stamped as synced hold exactly the source's bugs.
 *
 * @returns how many source tests and bugs the cache is missing (for the figures of a run).
 */
export function assertFaithfulSubset(
  db: Database,
  data: FakeDataset,
  allow: Allowances,
): { missingTests: number; missingBugs: number } {
  const w = allow.warnings;
  const corrupt = (route: string, id: number) =>
    allow.corrupted.some((c) => c.route === route && c.id === id);
  const all = (sql: string) => db.prepare(sql).all().map((r) => ({ ...r }) as Row);

  for (const p of all("SELECT id, name, type, description FROM products")) {
    const src = data.product(p.id as number);
    assert.ok(src, `product ${p.id} exists upstream`);
    assert.deepEqual(p, { id: src.id, name: src.name, type: src.type, description: src.description });
  }
  for (const src of data.products) {
    const cached = all(`SELECT id FROM products WHERE id = ${src.id}`).length;
    assert.ok(cached || corrupt("products", src.id), `product ${src.id} missing without a reason`);
  }

  for (const f of all("SELECT id, product_id, title, description, howtofind FROM features")) {
    const src = data.featuresOf(f.product_id as number).find((x) => x.feature.id === f.id)?.feature;
    assert.ok(src, `feature ${f.id} exists upstream`);
    assert.deepEqual(f, {
      id: src.id,
      product_id: f.product_id,
      title: src.title,
      description: src.description,
      howtofind: src.howtofind,
    });
  }

  let missingTests = 0;
  const cachedTests = new Map(
    all(
      `SELECT id, product_id, title, status, review_status, testing_type, start_at, end_at, bugs_synced_at
     FROM tests`,
    ).map((t) => [t.id as number, t]),
  );
  for (const [id, t] of cachedTests) {
    const src = data.test(id);
    assert.ok(src, `test ${id} exists upstream`);
    assert.deepEqual(
      { ...t, start_at: ms(t.start_at), end_at: ms(t.end_at), bugs_synced_at: undefined },
      {
        id,
        product_id: data.productIdOfTest(id),
        title: src.title,
        status: src.status,
        review_status: src.review_status,
        testing_type: src.testing_type,
        start_at: ms(src.start_at),
        end_at: ms(src.end_at),
        bugs_synced_at: undefined,
      },
      `test ${id}`,
    );
  }
  for (const p of data.products) {
    const unread = mentions(w, new RegExp(`^Product ${p.id}: tests not synced`)) ||
      allow.problematicProducts.has(p.id) || corrupt("products", p.id);
    for (const t of data.testsOf(p.id)) {
      if (cachedTests.has(t.id)) continue;
      missingTests++;
      assert.ok(
        unread || corrupt("tests", t.id) || mentions(w, new RegExp(`\\b${t.id}\\b`)),
        `test ${t.id} of product ${p.id} is missing without a named reason`,
      );
    }
  }

  let missingBugs = 0;
  const bugsByTest = new Map<number, Row[]>();
  for (
    const b of all(
      `SELECT id, test_id, severity, status, CASE status WHEN 'auto_accepted' THEN 'accepted' ELSE status END
         AS api_status, known, rejection_reason, author, reported_at FROM bugs`,
    )
  ) {
    const list = bugsByTest.get(b.test_id as number) ?? [];
    list.push(b);
    bugsByTest.set(b.test_id as number, list);
  }
  for (const [id, t] of cachedTests) {
    const source = data.bugsOf(id);
    const cached = bugsByTest.get(id) ?? [];
    for (const b of cached) {
      const src = source.find((x) => x.id === b.id);
      assert.ok(src, `bug ${b.id} of test ${id} exists upstream`);
      assert.deepEqual({ ...b, reported_at: ms(b.reported_at) }, {
        id: src.id,
        test_id: id,
        severity: src.severity,
        status: expectedBugStatus(src),
        api_status: src.status,
        known: src.known ? 1 : 0,
        rejection_reason: expectedRejection(src),
        author: src.author.name,
        reported_at: ms(src.reported_at),
      }, `bug ${b.id}`);
    }
    if (t.bugs_synced_at !== null) {
      assert.equal(cached.length, source.length, `test ${id} is stamped as synced, so it holds all its bugs`);
      continue;
    }
    missingBugs += source.length - cached.length;
    if (cached.length === source.length) continue;
    const pid = t.product_id as number;
    assert.ok(
      mentions(w, new RegExp(`^Bugs of tests? [\\d,]*\\b${id}\\b`)) ||
        mentions(w, new RegExp(`^Bugs of products? [\\d, ]*\\b${pid}\\b`)) ||
        mentions(w, new RegExp(`^Product ${pid}: tests not synced`)),
      `the bugs of test ${id} are missing without a named reason`,
    );
  }
  return { missingTests, missingBugs };
}

/** Polls `check` every 20 ms until it is true. */
export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
