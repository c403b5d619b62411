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
import { inList, int, json, type Page, Repository, type SortOrder, type Tuple } from "./base.ts";
import type { Params } from "../database.ts";

/** A test-feature snapshot as written by the sync. */
export interface TestFeatureInput {
  id: number;
  feature_id: number;
  title: string;
  user_stories: string[];
}

/** A platform requirement as written by the sync. */
export interface PlatformInput {
  category: string | null;
  os: string | null;
  min_version: string | null;
  max_version: string | null;
  browsers: string[];
}

/** A test as written by the sync. */
export interface TestInput {
  id: number;
  product_id: number;
  section_id: number | null;
  section_name: string | null;
  title: string;
  status: string;
  review_status: string | null;
  testing_type: string | null;
  goal: string | null;
  instructions: string | null;
  out_of_scope: string | null;
  start_at: string | null;
  end_at: string | null;
  test_environment: { id: number; title: string } | null;
  created_by: string | null;
  submitted_by: string | null;
  features: TestFeatureInput[];
  platforms: PlatformInput[];
}

/** A row of `list_tests`. */
export interface TestListRow {
  id: number;
  title: string;
  status: string;
  review_status: string | null;
  testing_type: string | null;
  start_at: string | null;
  end_at: string | null;
  test_environment: { id: number; title: string } | null;
  bug_count: number;
}

/** A test with everything `get_test_summary` shows. */
export interface TestDetail extends TestListRow {
  goal: string | null;
  instructions: string | null;
  out_of_scope: string | null;
  product: { id: number; name: string };
  section: { id: number; name: string } | null;
  created_by: string | null;
  submitted_by: string | null;
  features: { id: number; feature_id: number; title: string }[];
  platforms: {
    os: string | null;
    category: string | null;
    min_version: string | null;
    max_version: string | null;
    browsers: string[];
  }[];
  synced_at: string;
  bugs_synced_at: string | null;
}

/** Freshness stamps of a test. */
export interface TestStamps {
  id: number;
  product_id: number;
  status: string;
  synced_at: string;
  bugs_synced_at: string | null;
  final_at: string | null;
}

/** Sort keys of {@link TestsRepo.list}. */
export const TEST_SORTS = {
  end_at: "end_at",
  start_at: "start_at",
  status: "status",
  title: "title COLLATE NOCASE",
  bug_count: "bug_count",
} as const;
export type TestSort = keyof typeof TEST_SORTS;

/** Filters of {@link TestsRepo.list}. */
export interface TestQuery {
  productId: number;
  statuses?: string[];
  testingType?: string;
  /** Inclusive bounds on end_at (UTC ISO). */
  endFrom?: string | null;
  endTo?: string | null;
  sortBy: TestSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

interface RawListRow extends Omit<TestListRow, "test_environment"> {
  test_environment_id: number | null;
  test_environment_title: string | null;
}

function env(r: { test_environment_id: number | null; test_environment_title: string | null }) {
  return r.test_environment_id === null
    ? null
    : { id: r.test_environment_id, title: r.test_environment_title ?? "" };
}

const LIST_COLUMNS = `id, title, status, review_status, testing_type, start_at, end_at, test_environment_id,
  test_environment_title, bug_count`;

/** Reads and writes `tests`, `test_features` and `test_platforms`. */
export class TestsRepo extends Repository {
  /**
   * Inserts or updates tests with their features and platforms. `final_at` is stamped the first
   * time a test is seen in a final status.
   */
  upsertMany(tests: readonly TestInput[], syncedAt: string): void {
    for (const t of tests) {
      const id = int(t.id);
      this.run(
        `INSERT INTO tests (id, product_id, section_id, section_name, title, status, review_status, testing_type,
           goal, instructions, out_of_scope, start_at, end_at, test_environment_id, test_environment_title,
           created_by, submitted_by, synced_at, final_at)
         VALUES (:id, :product_id, :section_id, :section_name, :title, :status, :review_status, :testing_type,
           :goal, :instructions, :out_of_scope, :start_at, :end_at, :env_id, :env_title,
           :created_by, :submitted_by, :synced_at,
           CASE WHEN :status IN ('archived', 'cancelled') THEN :synced_at END)
         ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, section_id = excluded.section_id,
           section_name = excluded.section_name, title = excluded.title, status = excluded.status,
           review_status = excluded.review_status, testing_type = excluded.testing_type, goal = excluded.goal,
           instructions = excluded.instructions, out_of_scope = excluded.out_of_scope,
           start_at = excluded.start_at, end_at = excluded.end_at,
           test_environment_id = excluded.test_environment_id,
           test_environment_title = excluded.test_environment_title, created_by = excluded.created_by,
           submitted_by = excluded.submitted_by, synced_at = excluded.synced_at,
           final_at = CASE WHEN excluded.status IN ('archived', 'cancelled')
             THEN coalesce(tests.final_at, excluded.synced_at) END`,
        {
          id,
          product_id: int(t.product_id),
          section_id: t.section_id === null ? null : int(t.section_id),
          section_name: t.section_name,
          title: t.title,
          status: t.status,
          review_status: t.review_status,
          testing_type: t.testing_type,
          goal: t.goal,
          instructions: t.instructions,
          out_of_scope: t.out_of_scope,
          start_at: t.start_at,
          end_at: t.end_at,
          env_id: t.test_environment ? int(t.test_environment.id) : null,
          env_title: t.test_environment?.title ?? null,
          created_by: t.created_by,
          submitted_by: t.submitted_by,
          synced_at: syncedAt,
        },
      );
      this.run("DELETE FROM test_features WHERE test_id = :id", { id });
      for (const f of t.features) {
        this.run(
          `INSERT INTO test_features (id, test_id, feature_id, title, user_stories)
           VALUES (:id, :test_id, :feature_id, :title, :user_stories)
           ON CONFLICT (id) DO UPDATE SET test_id = excluded.test_id, feature_id = excluded.feature_id,
             title = excluded.title, user_stories = excluded.user_stories`,
          {
            id: int(f.id),
            test_id: id,
            feature_id: int(f.feature_id),
            title: f.title,
            user_stories: JSON.stringify(f.user_stories),
          },
        );
      }
      this.run("DELETE FROM test_platforms WHERE test_id = :id", { id });
      t.platforms.forEach((p, i) =>
        this.run(
          `INSERT INTO test_platforms (test_id, position, category, os, min_version, max_version, browsers)
           VALUES (:test_id, :position, :category, :os, :min_version, :max_version, :browsers)`,
          {
            test_id: id,
            position: int(i),
            category: p.category,
            os: p.os,
            min_version: p.min_version,
            max_version: p.max_version,
            browsers: JSON.stringify(p.browsers),
          },
        )
      );
    }
  }

  /** One page of a product's tests with the exact total. */
  list(q: TestQuery): Page<TestListRow> & { oldestSyncedAt: string | null } {
    const params: Params = { product_id: int(q.productId) };
    const where = ["product_id = :product_id"];
    if (q.statuses?.length) where.push(`status IN ${inList("s", q.statuses, params)}`);
    if (q.testingType) {
      params.testing_type = q.testingType;
      where.push("testing_type = :testing_type");
    }
    if (q.endFrom) {
      params.end_from = q.endFrom;
      where.push("end_at >= :end_from");
    }
    if (q.endTo) {
      params.end_to = q.endTo;
      where.push("end_at <= :end_to");
    }
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
      return {
        id: r[0] as number,
        title: r[1] as string,
        status: r[2] as string,
        review_status: r[3] as string | null,
        testing_type: r[4] as string | null,
        start_at: r[5] as string | null,
        end_at: r[6] as string | null,
        test_environment: r[7] === null ? null : { id: r[7] as number, title: (r[8] as string | null) ?? "" },
        bug_count: r[9] as number,
      };
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
