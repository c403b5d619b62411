/**
 * The metric cube's repository: runs the cube query (counts and bug classes grouped by up to two
 * dimensions, built in `cube_sql.ts` only from whitelisted fragments keyed by the registry in
 * `domain/metrics.ts`, with every value bound as a parameter) and resolves filter names to ids.
 *
 * Two facts feed the cube. The test fact is `tests` (joined to their features or platforms when a
 * dimension needs them); the bug fact is `bugs` joined to their test. Each part of the query first
 * reduces its rows to one per (group keys, test or bug) — DISTINCT where a join can repeat an entity —
 * and then counts, so the fan-out of those joins never inflates a number. When only test-level
 * dimensions are involved, test and bug metrics are aggregated on their own facts and the partial
 * results are summed per group (UNION ALL + GROUP BY: no join on nullable keys); when a bug-level
 * dimension is grouped or filtered on, everything is aggregated over bug rows, so test counts mean
 * "tests with such bugs".
 *
 * Bug metrics that are plain counts (bugs, their classes, severity scores) are summed from counts
 * kept per test when the query allows it (`cube_kept.ts`): `test_bug_counts` when every dimension
 * and filter is a property of the test, or bug status and severity; `test_bug_facets` when one of
 * them is the bug's feature, platform, rejection reason, known flag or reported day. At 400,000 bugs
 * that reads tens of thousands of rows instead of every bug, which SQLite's GROUP BY would sort. A
 * grouping by tester over most of the cache reads the bugs in tester order from `bugs_by_tester`.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using analytics = new AnalyticsRepo(db);
 * const { rows, total } = analytics.cube({
 *   dimensions: ["feature"], metrics: ["bug_count", "rejection_rate"], productIds: [598],
 *   testStatuses: ["running", "locked", "archived", "customer_finalized"], filters: {},
 *   from: null, to: null, dateBasis: "end_at", sortBy: "bug_count", sortOrder: "desc", limit: 1000,
 * });
 * ```
 */
import type { StatementSync } from "node:sqlite";
import { Repository } from "./base.ts";
import type { Params } from "../database.ts";
import { buildCubeSql, type CubeQuery, type CubeResult, type CubeRow } from "./cube_sql.ts";

export type { CubeKey, CubeQuery, CubeResult, CubeRow, DateBasis } from "./cube_sql.ts";

const STATEMENT_CACHE_SIZE = 64;

/** Reads the metric cube. */
export class AnalyticsRepo extends Repository {
  // Cube SQL varies with the chosen dimensions, metrics and filters; a small LRU keeps repeated
  // queries prepared without letting the base statement cache grow without bound.
  readonly #lru = new Map<string, StatementSync>();

  #prepare(sql: string): StatementSync {
    let s = this.#lru.get(sql);
    if (s) {
      this.#lru.delete(sql);
    } else {
      s = this.db.prepare(sql);
      if (this.#lru.size >= STATEMENT_CACHE_SIZE) this.#lru.delete(this.#lru.keys().next().value!);
    }
    this.#lru.set(sql, s);
    return s;
  }

  /** Builds the SQL and parameters of a cube query (exposed for tests and EXPLAIN). */
  buildCubeSql(q: CubeQuery): { sql: string; params: Params; bugGrain: boolean } {
    return buildCubeSql(q);
  }

  /** Runs a cube query. */
  cube(q: CubeQuery): CubeResult {
    const countsCoverAll = q.countsCoverAll ??
      !this.one<{ x: number }>("SELECT 1 AS x FROM test_bug_counts WHERE n_other > 0 LIMIT 1");
    const wideScope = q.wideScope ??
      (q.dimensions.includes("tester") && this.readsBugIndex("bugs_by_tester", q.productIds));
    const { sql, params, bugGrain } = this.buildCubeSql({ ...q, countsCoverAll, wideScope });
    const raw = this.#prepare(sql).all(params) as Record<string, string | number | null>[];
    const num = (r: Record<string, string | number | null>, c: string) => Number(r[c] ?? 0);
    const rows = raw.map((r): CubeRow => ({
      dims: q.dimensions.map((_, i) => ({
        key: r[`k${i}`] ?? null,
        label: r[`l${i}`] ?? null,
        id: r[`i${i}`] === null || r[`i${i}`] === undefined ? null : Number(r[`i${i}`]),
      })),
      counts: {
        test_count: num(r, "test_count"),
        tests_created: num(r, "tests_created"),
        tests_submitted: num(r, "tests_submitted"),
        features_tested: num(r, "features_tested"),
        bug_count: num(r, "bug_count"),
        active_testers: num(r, "active_testers"),
        bug_severity_score: num(r, "bug_severity_score"),
      },
      classes: {
        open: num(r, "c_open"),
        active_accepted: num(r, "c_acc"),
        auto_accepted: num(r, "c_auto"),
        rejected: num(r, "c_rej"),
      },
    }));
    return { rows, total: raw.length ? Number(raw[0]._total) : 0, bugGrain };
  }

  /** The oldest test sync stamp among the products in scope: the `data_as_of` of a cube answer. */
  oldestSync(productIds: readonly number[] | null): string | null {
    return this.one<{ t: string | null }>(
      `SELECT min(synced_at) AS t FROM tests
       WHERE :products IS NULL OR product_id IN (SELECT value FROM json_each(:products))`,
      { products: productIds ? JSON.stringify(productIds) : null },
    )?.t ?? null;
  }

  /** Product ids whose name matches one of `names` (case-insensitive, exact). */
  productIdsByName(names: readonly string[]): Map<string, number[]> {
    return this.#lookup(
      `SELECT j.value AS name, p.id AS v FROM json_each(:names) j JOIN products p ON p.name = j.value COLLATE NOCASE`,
      names,
    );
  }

  /** Feature ids whose title matches one of `titles` (case-insensitive), within `productIds`. */
  featureIdsByTitle(titles: readonly string[], productIds: readonly number[] | null): Map<string, number[]> {
    return this.#lookup(
      `SELECT j.value AS name, f.id AS v FROM json_each(:names) j
         JOIN features f ON f.title = j.value COLLATE NOCASE
       WHERE :products IS NULL OR f.product_id IN (SELECT value FROM json_each(:products))
       UNION
       SELECT j.value, tf.feature_id FROM json_each(:names) j
         JOIN test_features tf ON tf.title = j.value COLLATE NOCASE
         JOIN tests t ON t.id = tf.test_id
       WHERE :products IS NULL OR t.product_id IN (SELECT value FROM json_each(:products))`,
      titles,
      { products: productIds ? JSON.stringify(productIds) : null },
    );
  }

  /** Test environment ids whose title matches one of `titles` (case-insensitive). */
  environmentIdsByTitle(titles: readonly string[]): Map<string, number[]> {
    return this.#lookup(
      `SELECT DISTINCT j.value AS name, t.test_environment_id AS v FROM json_each(:names) j
         JOIN tests t ON t.test_environment_title = j.value COLLATE NOCASE
       WHERE t.test_environment_id IS NOT NULL`,
      titles,
    );
  }

  /** Usernames of user ids, and the stored spelling of usernames given in any case. */
  usernames(values: readonly (string | number)[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (
      const r of this.all<{ name: string; v: string }>(
        `SELECT CAST(j.value AS TEXT) AS name, u.username AS v FROM json_each(:values) j
           JOIN users u ON (j.type = 'integer' AND u.id = j.value)
             OR (j.type = 'text' AND u.username = j.value COLLATE NOCASE)`,
        { values: JSON.stringify(values) },
      )
    ) out.set(r.name, [...(out.get(r.name) ?? []), r.v]);
    return out;
  }

  #lookup(sql: string, names: readonly string[], extra: Params = {}): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.all<{ name: string; v: number }>(sql, { names: JSON.stringify(names), ...extra })) {
      const key = r.name.toLowerCase();
      const list = out.get(key) ?? [];
      if (!list.includes(r.v)) list.push(r.v);
      out.set(key, list);
    }
    return out;
  }

  override [Symbol.dispose](): void {
    this.#lru.clear();
    super[Symbol.dispose]();
  }
}
