/**
 * Tests (exploratory tests), with their test-feature snapshots and platforms.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using tests = new TestsRepo(db);
 * const page = tests.list({ productId: 598, sortBy: "end_at", sortOrder: "desc", limit: 50, offset: 0 });
 * ```
 */
import { inList, int, json, type Page, Repository, type Tuple, whereIf } from "./base.ts";
import type { Params } from "../database.ts";
import {
  env,
  LIST_COLUMNS,
  listRowOf,
  type PlatformInput,
  type RawListRow,
  TEST_SORTS,
  type TestDetail,
  type TestInput,
  type TestListRow,
  type TestQuery,
  type TestStamps,
} from "./test_rows.ts";
import {
  INSERT_TEST_PLATFORM,
  testFeatureParams,
  testParams,
  testPlatformParams,
  UPSERT_TEST,
  UPSERT_TEST_FEATURE,
} from "./test_writes.ts";

export {
  type PlatformInput,
  TEST_SORTS,
  type TestDetail,
  type TestFeatureInput,
  type TestInput,
  type TestListRow,
  type TestQuery,
  type TestSort,
  type TestStamps,
} from "./test_rows.ts";

/** Reads and writes `tests`, `test_features` and `test_platforms`. */
export class TestsRepo extends Repository {
  /**
   * Inserts or updates tests with their features and platforms. `final_at` is stamped the first
   * time a test is seen in a final status. Returns how many tests were inserted or had a column of
   * their row changed: a test that comes back identical only gets its `synced_at` stamped.
   */
  upsertMany(tests: readonly TestInput[], syncedAt: string): number {
    let changed = 0;
    for (const t of tests) {
      const id = int(t.id);
      const written = this.run(UPSERT_TEST, testParams(t, syncedAt));
      if (written) changed++;
      else this.run("UPDATE tests SET synced_at = :synced_at WHERE id = :id", { id, synced_at: syncedAt });
      this.run("DELETE FROM test_features WHERE test_id = :id", { id });
      for (const f of t.features) {
        this.run(UPSERT_TEST_FEATURE, testFeatureParams(id, f));
      }
      this.run("DELETE FROM test_platforms WHERE test_id = :id", { id });
      t.platforms.forEach((p, i) => this.run(INSERT_TEST_PLATFORM, testPlatformParams(id, i, p)));
    }
    return changed;
  }

  /** One page of a product's tests with the exact total. */
  list(q: TestQuery): Page<TestListRow> & { oldestSyncedAt: string | null } {
    const params: Params = { product_id: int(q.productId) };
    const where = ["product_id = :product_id"];
    if (q.statuses?.length) where.push(`status IN ${inList("s", q.statuses, params)}`);
    whereIf(where, params, "testing_type", q.testingType, "testing_type = :testing_type");
    whereIf(where, params, "end_from", q.endFrom, "end_at >= :end_from");
    whereIf(where, params, "end_to", q.endTo, "end_at <= :end_to");
    const whereSql = where.join(" AND ");
    const dir = q.sortOrder === "asc" ? "ASC" : "DESC";
    const total = this.one<{ n: number }>(`SELECT count(*) AS n FROM tests WHERE ${whereSql}`, params)!.n;
    const tuples = this.tuples(
      `SELECT ${LIST_COLUMNS}, synced_at FROM tests WHERE ${whereSql}
       ORDER BY ${TEST_SORTS[q.sortBy]} ${dir}, id ${dir} LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    let oldestSyncedAt: string | null = null;
    const rows = tuples.map((r: Tuple): TestListRow => {
      const syncedAt = r[10] as string;
      if (oldestSyncedAt === null || syncedAt < oldestSyncedAt) oldestSyncedAt = syncedAt;
      return listRowOf(r);
    });
    return { rows, total, oldestSyncedAt };
  }

  /** A test with features, platforms, product and section; undefined when not cached. */
  get(id: number): TestDetail | undefined {
    const r = this.one<
      RawListRow & {
        goal: string | null;
        instructions: string | null;
        out_of_scope: string | null;
        product_id: number;
        product_name: string;
        section_id: number | null;
        section_name: string | null;
        created_by: string | null;
        submitted_by: string | null;
        synced_at: string;
        bugs_synced_at: string | null;
      }
    >(
      `SELECT t.id, t.title, t.status, t.review_status, t.testing_type, t.start_at, t.end_at,
         t.test_environment_id, t.test_environment_title, t.bug_count, t.goal, t.instructions, t.out_of_scope,
         t.product_id, p.name AS product_name, t.section_id, t.section_name, t.created_by, t.submitted_by,
         t.synced_at, t.bugs_synced_at
       FROM tests t JOIN products p ON p.id = t.product_id WHERE t.id = :id`,
      { id: int(id) },
    );
    if (!r) return undefined;
    const features = this.all<{ id: number; feature_id: number; title: string }>(
      "SELECT id, feature_id, title FROM test_features WHERE test_id = :id ORDER BY id",
      { id: int(id) },
    );
    const platforms = this.all<PlatformInput & { browsers: string }>(
      `SELECT os, category, min_version, max_version, browsers FROM test_platforms
       WHERE test_id = :id ORDER BY position`,
      { id: int(id) },
    ).map((p) => ({ ...p, browsers: json<string[]>(p.browsers, []) }));
    return {
      id: r.id,
      title: r.title,
      status: r.status,
      review_status: r.review_status,
      testing_type: r.testing_type,
      start_at: r.start_at,
      end_at: r.end_at,
      test_environment: env(r),
      bug_count: r.bug_count,
      goal: r.goal,
      instructions: r.instructions,
      out_of_scope: r.out_of_scope,
      product: { id: r.product_id, name: r.product_name },
      section: r.section_id === null ? null : { id: r.section_id, name: r.section_name ?? "" },
      created_by: r.created_by,
      submitted_by: r.submitted_by,
      features,
      platforms,
      synced_at: r.synced_at,
      bugs_synced_at: r.bugs_synced_at,
    };
  }

  /** Freshness stamps of the given tests (missing ids are absent from the result). */
  stamps(ids: readonly number[]): TestStamps[] {
    if (!ids.length) return [];
    const params: Params = {};
    return this.all<TestStamps>(
      `SELECT id, product_id, status, synced_at, bugs_synced_at, final_at FROM tests
       WHERE id IN ${inList("i", ids, params)}`,
      params,
    );
  }

  /** Freshness stamps of every test of the given products (all products when omitted). */
  stampsOfProducts(productIds?: readonly number[] | null): TestStamps[] {
    const params: Params = {};
    const where = productIds?.length ? `WHERE product_id IN ${inList("p", productIds, params)}` : "";
    return this.all<TestStamps>(
      `SELECT id, product_id, status, synced_at, bugs_synced_at, final_at FROM tests ${where}`,
      params,
    );
  }

  /** Which of `ids` are already cached. */
  existingIds(ids: readonly number[]): Set<number> {
    if (!ids.length) return new Set();
    const params: Params = {};
    return new Set(
      this.all<{ id: number }>(`SELECT id FROM tests WHERE id IN ${inList("i", ids, params)}`, params)
        .map((r) => r.id),
    );
  }

  /** Stamps `bugs_synced_at` on the given tests. */
  markBugsSynced(ids: readonly number[], at: string): void {
    if (!ids.length) return;
    const params: Params = { at };
    this.run(`UPDATE tests SET bugs_synced_at = :at WHERE id IN ${inList("i", ids, params)}`, params);
  }

  /** The global feature id of each test-feature id, for bug attribution. */
  featureIdsOfTestFeatures(testFeatureIds: readonly number[]): Map<number, number> {
    if (!testFeatureIds.length) return new Map();
    const params: Params = {};
    return new Map(
      this.all<{ id: number; feature_id: number }>(
        `SELECT id, feature_id FROM test_features WHERE id IN ${inList("i", testFeatureIds, params)}`,
        params,
      ).map((r) => [r.id, r.feature_id]),
    );
  }

  /**
   * How fresh the tests of a scope are: the oldest `synced_at` and `bugs_synced_at` (the
   * `data_as_of` of answers built from them) and how many tests never had their bugs synced.
   * An empty scope covers every test.
   */
  syncCoverage(scope: { productId?: number; testIds?: readonly number[] }): {
    tests: number;
    oldest_synced_at: string | null;
    oldest_bugs_synced_at: string | null;
    bugs_unsynced: number;
  } {
    const params: Params = {};
    const where: string[] = [];
    if (scope.productId !== undefined) {
      params.p = int(scope.productId);
      where.push("product_id = :p");
    }
    if (scope.testIds) where.push(scope.testIds.length ? `id IN ${inList("i", scope.testIds, params)}` : "0");
    return this.one<{
      tests: number;
      oldest_synced_at: string | null;
      oldest_bugs_synced_at: string | null;
      bugs_unsynced: number;
    }>(
      `SELECT count(*) AS tests, min(synced_at) AS oldest_synced_at,
         min(bugs_synced_at) AS oldest_bugs_synced_at, coalesce(sum(bugs_synced_at IS NULL), 0) AS bugs_unsynced
       FROM tests ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`,
      params,
    )!;
  }

  /** The newest tests (by end_at) that covered a feature, with their total bug counts. */
  recentForFeature(featureId: number, limit: number): {
    id: number;
    title: string;
    status: string;
    start_at: string | null;
    end_at: string | null;
    bug_count: number;
  }[] {
    return this.all(
      `SELECT t.id, t.title, t.status, t.start_at, t.end_at, t.bug_count FROM tests t
       WHERE t.id IN (SELECT test_id FROM test_features WHERE feature_id = :f)
       ORDER BY t.end_at DESC, t.id DESC LIMIT :limit`,
      { f: int(featureId), limit: int(limit) },
    );
  }

  /** The newest tests across products (by end_at), for resource listings. */
  recent(limit: number, productIds?: readonly number[] | null): {
    id: number;
    title: string;
    status: string;
    end_at: string | null;
    product_id: number;
  }[] {
    const params: Params = { limit: int(limit) };
    const where = productIds?.length ? `WHERE product_id IN ${inList("p", productIds, params)}` : "";
    return this.all(
      `SELECT id, title, status, end_at, product_id FROM tests ${where}
       ORDER BY end_at DESC, id DESC LIMIT :limit`,
      params,
    );
  }

  /** Test ids whose decimal form starts with `prefix`, newest ids first (for completion). */
  idsStartingWith(prefix: string, limit: number): number[] {
    return this.idPrefixMatches("tests", prefix, limit);
  }

  /** Number of cached tests (of one product when given). */
  count(productId?: number): number {
    return productId === undefined
      ? this.one<{ n: number }>("SELECT count(*) AS n FROM tests")!.n
      : this.one<{ n: number }>("SELECT count(*) AS n FROM tests WHERE product_id = :p", {
        p: int(productId),
      })!.n;
  }

  /** Counts of a product's tests by status. */
  countByStatus(productId: number): Record<string, number> {
    return Object.fromEntries(
      this.all<{ status: string; n: number }>(
        "SELECT status, count(*) AS n FROM tests WHERE product_id = :p GROUP BY status ORDER BY status",
        { p: int(productId) },
      ).map((r) => [r.status, r.n]),
    );
  }

  /**
   * Freshness stamps plus `end_at` of the tests of the given products (all when null) whose end is on
   * or after `since` (tests without an end are kept): the bug scope of a sync.
   */
  scopeStamps(
    productIds: readonly number[] | null,
    since: string | null,
  ): (TestStamps & { end_at: string | null })[] {
    const params: Params = {};
    const where: string[] = [];
    if (productIds) where.push(productIds.length ? `product_id IN ${inList("p", productIds, params)}` : "0");
    if (since) {
      params.since = since;
      where.push("(end_at IS NULL OR end_at >= :since)");
    }
    return this.all<TestStamps & { end_at: string | null }>(
      `SELECT id, product_id, status, synced_at, bugs_synced_at, final_at, end_at FROM tests
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY product_id, id`,
      params,
    );
  }

  /**
   * The tests of a product that the freshness rules could find stale at `cutoff`: mutable tests
   * synced before it and, with `bugs`, also mutable tests whose bugs were synced before it (or never)
   * and final tests whose bugs still need their last fetch. A superset of what `isTestStale` /
   * `areBugsStale` select, read from the partial indexes of migration 0002, so a check where nothing
   * is stale reads no rows at all instead of every test of the product (bench/RESULTS.md, Tuning).
   */
  freshnessCandidates(productId: number, cutoff: string, bugs: boolean): TestStamps[] {
    const columns = "id, product_id, status, synced_at, bugs_synced_at, final_at";
    if (!bugs) {
      return this.all<TestStamps>(
        `SELECT ${columns} FROM tests
         WHERE product_id = :p AND status NOT IN ('archived', 'cancelled') AND synced_at < :cutoff`,
        { p: int(productId), cutoff },
      );
    }
    // The planner prefers tests_product_status for the second part without statistics; the partial
    // index holds only the due rows (usually none).
    return this.all<TestStamps>(
      `SELECT ${columns} FROM tests
       WHERE product_id = :p AND status NOT IN ('archived', 'cancelled')
         AND (synced_at < :cutoff OR bugs_synced_at IS NULL OR bugs_synced_at < :cutoff)
       UNION ALL
       SELECT ${columns} FROM tests INDEXED BY tests_final_bugs_due
       WHERE product_id = :p AND status IN ('archived', 'cancelled')
         AND (bugs_synced_at IS NULL OR final_at IS NULL OR bugs_synced_at < final_at)`,
      { p: int(productId), cutoff },
    );
  }

  /**
   * A product's mutable tests synced before `syncedBefore`, with their position in the product's
   * newest-first list as cached (`rank`, 0-based): the sync decides from it whether walking more pages
   * is cheaper than fetching them one by one.
   */
  staleMutable(
    productId: number,
    syncedBefore: string,
    since: string | null,
  ): { id: number; rank: number; end_at: string | null }[] {
    return this.all<{ id: number; rank: number; end_at: string | null }>(
      `SELECT id, rank, end_at FROM (
         SELECT id, status, synced_at, end_at,
           row_number() OVER (ORDER BY end_at DESC, id DESC) - 1 AS rank
         FROM tests WHERE product_id = :p)
       WHERE status NOT IN ('archived', 'cancelled') AND synced_at < :before
         AND (:since IS NULL OR end_at IS NULL OR end_at >= :since)
       ORDER BY rank`,
      { p: int(productId), before: syncedBefore, since },
    );
  }

  /** Global feature ids named by a product's test-features that the features table lacks. */
  unknownFeatureIds(productId: number): number[] {
    return this.all<{ feature_id: number }>(
      `SELECT DISTINCT tf.feature_id FROM test_features tf JOIN tests t ON t.id = tf.test_id
       WHERE t.product_id = :p AND NOT EXISTS (SELECT 1 FROM features f WHERE f.id = tf.feature_id)
       ORDER BY tf.feature_id`,
      { p: int(productId) },
    ).map((r) => r.feature_id);
  }

  /** How many cached tests of a product come before the given one in the newest-first list. */
  newerCount(productId: number, endAt: string | null, id: number): number {
    return this.one<{ n: number }>(
      `SELECT count(*) AS n FROM tests WHERE product_id = :p
         AND (end_at > :end_at OR (end_at IS :end_at AND id > :id) OR (end_at IS NOT NULL AND :end_at IS NULL))`,
      { p: int(productId), end_at: endAt, id: int(id) },
    )!.n;
  }

  /** The oldest `synced_at` among a product's tests matching the list filter, for `data_as_of`. */
  oldestSync(productId: number): string | null {
    return this.one<{ t: string | null }>("SELECT min(synced_at) AS t FROM tests WHERE product_id = :p", {
      p: int(productId),
    })?.t ?? null;
  }
}
