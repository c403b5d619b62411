/**
 * Bugs. `status` is the derived status: forwarded | accepted | auto_accepted | rejected
 * (docs/domain.md, Bugs); "open" in arguments and summaries means forwarded.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using bugs = new BugsRepo(db);
 * bugs.list({ productId: 598, statuses: ["rejected"], sortBy: "reported_at", sortOrder: "desc", limit: 50, offset: 0 });
 * ```
 */
import { inList, int, json, likePattern, type Page, Repository, whereIf } from "./base.ts";
import type { Params } from "../database.ts";
import { BUG_SEVERITIES } from "../../domain/bugs.ts";
import { TEST_BUG_COUNTS_REWRITE } from "./bug_counts.ts";
import type {
  BugBreakdown,
  BugDetail,
  BugDevice,
  BugInput,
  BugListRow,
  BugQuery,
  BugScope,
} from "./bug_types.ts";
import { UNKNOWN_REJECTION_REASON } from "./bug_types.ts";

// The shapes live in bug_types.ts; importers keep reading them from here.
export * from "./bug_types.ts";

const SEVERITY_RANK = `CASE b.severity WHEN 'critical' THEN 6 WHEN 'high' THEN 5 WHEN 'low' THEN 4
  WHEN 'visual' THEN 3 WHEN 'content' THEN 2 WHEN 'custom' THEN 1 ELSE 0 END`;

/** Sort keys of {@link BugsRepo.list}. */
export const BUG_SORTS = {
  reported_at: "b.reported_at",
  severity: SEVERITY_RANK,
  status: "b.status",
  title: "b.title COLLATE NOCASE",
} as const;
export type BugSort = keyof typeof BUG_SORTS;

interface RawBugRow {
  id: number;
  title: string;
  severity: string | null;
  status: string;
  known: number;
  rejection_reason: string | null;
  test_id: number;
  feature_id: number | null;
  feature_title: string | null;
  reported_by: string | null;
  reported_at: string | null;
}

const LIST_SELECT = `SELECT b.id, b.title, b.severity, b.status, b.known, b.rejection_reason, b.test_id,
  b.feature_id, coalesce(f.title, tf.title) AS feature_title, b.author AS reported_by, b.reported_at
  FROM bugs b
  LEFT JOIN features f ON f.id = b.feature_id
  LEFT JOIN test_features tf ON tf.id = b.test_feature_id`;

function toListRow(r: RawBugRow): BugListRow {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    known: r.known === 1,
    rejection_reason: r.rejection_reason,
    test_id: r.test_id,
    feature: r.feature_id === null ? null : { id: r.feature_id, title: r.feature_title ?? "" },
    reported_by: r.reported_by,
    reported_at: r.reported_at,
  };
}

/** Maps user status words to stored ones ("open" → forwarded). */
export function normaliseBugStatus(s: string): string {
  return s === "open" ? "forwarded" : s;
}

/** The `sync_metadata` key of the indexes a load into an empty cache left out (see {@link BugsRepo.deferIndexes}). */
export const DEFERRED_KEY = "bugs.deferred_indexes";

/** The page cache (and so the sort memory) of {@link BugsRepo.restoreIndexes}, in KiB. */
const RESTORE_CACHE_KIB = 4096;

/** The index of `bugs` a load keeps: the sync reads bugs by test, and so do test summaries. */
const KEPT_DURING_LOAD = ["bugs_cube"];

/** Reads and writes `bugs`. */
export class BugsRepo extends Repository {
  /**
   * Replaces the bugs of `testIds` with `bugs` (bugs gone upstream are deleted) and stamps the tests'
   * `bugs_synced_at`. Call inside a transaction.
   */
  replaceForTests(testIds: readonly number[], bugs: readonly BugInput[], syncedAt: string): void {
    // What is stored before the batch: bugs of these ids (updates, not new to the search index) and
    // the bugs of these tests (those the answer leaves out are gone upstream). One statement shape
    // whatever the batch size: lists travel as JSON arrays.
    const known = new Set(
      this.all<{ id: number }>("SELECT id FROM bugs WHERE id IN (SELECT value FROM json_each(:ids))", {
        ids: JSON.stringify(bugs.map((b) => b.id)),
      }).map((r) => r.id),
    );
    const before = testIds.length
      ? this.all<{ id: number }>(
        "SELECT id FROM bugs WHERE test_id IN (SELECT value FROM json_each(:tests))",
        {
          tests: JSON.stringify(testIds),
        },
      ).map((r) => r.id)
      : [];
    const deviceSets = this.#deviceSetIds(bugs);
    for (let i = 0; i < bugs.length; i++) {
      const b = bugs[i];
      this.run(
        `INSERT INTO bugs (id, test_id, product_id, test_feature_id, feature_id, title, severity, status,
           auto_accepted, known, rejection_reason, actual_result, expected_result, steps, location, author,
           reported_at, comments_count, device_set_id)
         VALUES (:id, :test_id, :product_id, :test_feature_id, :feature_id, :title, :severity, :status,
           :auto_accepted, :known, :rejection_reason, :actual_result, :expected_result, :steps, :location, :author,
           :reported_at, :comments_count, :device_set_id)
         ON CONFLICT (id) DO UPDATE SET test_id = excluded.test_id, product_id = excluded.product_id,
           test_feature_id = excluded.test_feature_id, feature_id = excluded.feature_id, title = excluded.title,
           severity = excluded.severity, status = excluded.status,
           auto_accepted = excluded.auto_accepted, known = excluded.known,
           rejection_reason = excluded.rejection_reason, actual_result = excluded.actual_result,
           expected_result = excluded.expected_result, steps = excluded.steps, location = excluded.location,
           author = excluded.author, reported_at = excluded.reported_at, comments_count = excluded.comments_count,
           device_set_id = excluded.device_set_id`,
        {
          id: int(b.id),
          test_id: int(b.test_id),
          product_id: int(b.product_id),
          test_feature_id: b.test_feature_id === null ? null : int(b.test_feature_id),
          feature_id: b.feature_id === null ? null : int(b.feature_id),
          title: b.title,
          severity: b.severity,
          status: b.status,
          auto_accepted: b.auto_accepted ? 1 : 0,
          known: b.known ? 1 : 0,
          rejection_reason: b.rejection_reason,
          actual_result: b.actual_result,
          expected_result: b.expected_result,
          steps: JSON.stringify(b.steps),
          location: b.location,
          author: b.author,
          reported_at: b.reported_at,
          comments_count: int(b.comments_count),
          device_set_id: deviceSets[i],
        },
      );
    }
    this.#indexNew(bugs.filter((b) => !known.has(b.id)).map((b) => b.id));
    if (testIds.length) {
      // The cached bugs of these tests that the API no longer lists.
      const listed = new Set(bugs.map((b) => b.id));
      const gone = before.filter((id) => !listed.has(id));
      if (gone.length) {
        this.run("DELETE FROM bugs WHERE id IN (SELECT value FROM json_each(:gone))", {
          gone: JSON.stringify(gone),
        });
      }
      this.run("UPDATE tests SET bugs_synced_at = :at WHERE id IN (SELECT value FROM json_each(:tests))", {
        at: syncedAt,
        tests: JSON.stringify(testIds),
      });
    }
    this.recount([...new Set([...testIds, ...bugs.map((b) => b.test_id)])]);
  }

  /**
   * Adds new bugs to the full-text index, in one statement per batch instead of by a per-row trigger
   * (half the cost of writing a bug); changed and deleted bugs are kept current by the triggers of
   * migration 0006. Every stored bug is indexed (both are written in one transaction), so the bugs
   * that were not stored before the batch are exactly the ones to add.
   */
  #indexNew(ids: readonly number[]): void {
    if (!ids.length) return;
    // The same text as the bugs_au trigger of migration 0006 (and the snippets of SearchRepo).
    this.run(
      `INSERT INTO search_index (rowid, title, content)
       SELECT b.id * 4 + 3, b.title,
         concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(b.steps)), b.actual_result, b.expected_result)
       FROM bugs b WHERE b.id IN (SELECT value FROM json_each(:fresh))`,
      { fresh: JSON.stringify(ids) },
    );
  }

  /**
   * Starts a load into a cache without bugs (a first sync): the secondary indexes of `bugs` other than
   * {@link KEPT_DURING_LOAD} are dropped until {@link restoreIndexes} builds them in one sort each.
   * Keeping them up row by row cost about a tenth of the CPU of a bug in a full sync; building them
   * after the load, a fraction of that (bench/RESULTS.md, Tuning). What was left out is recorded in
   * `sync_metadata` in the same transaction, so a load that ends early (a crash) is completed by the
   * next sync. Reads during the load still find a test's bugs through `bugs_cube`.
   *
   * Returns false, doing nothing, when the cache holds bugs or a deferral is already recorded.
   */
  deferIndexes(): boolean {
    if (this.one("SELECT 1 AS x FROM bugs LIMIT 1") || this.#deferred()) return false;
    const indexes = this.all<{ name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bugs' AND sql IS NOT NULL
       ORDER BY name`,
    ).filter((i) => !KEPT_DURING_LOAD.includes(i.name));
    this.db.write(() => {
      for (const i of indexes) this.db.exec(`DROP INDEX "${i.name.replaceAll('"', '""')}"`);
      this.run("INSERT INTO sync_metadata (key, value) VALUES (:key, :value)", {
        key: DEFERRED_KEY,
        value: JSON.stringify({ indexes }),
      });
    });
    return true;
  }

  /**
   * Builds the indexes {@link deferIndexes} left out, each in a transaction of its own (which also
   * updates the record). Nothing to do without a recorded deferral.
   */
  restoreIndexes(): void {
    const deferred = this.#deferred();
    if (!deferred) return;
    // Sorts spill to a temporary file rather than to memory (temp_store = MEMORY), and in small runs
    // (a sort takes as much memory as the page cache may): building the indexes of 400,000 bugs with
    // the usual settings added 60 MB to the peak of a sync (bench/RESULTS.md, Tuning).
    const store = this.one<{ temp_store: number }>("PRAGMA temp_store")!.temp_store;
    const cache = this.one<{ cache_size: number }>("PRAGMA cache_size")!.cache_size;
    this.db.exec("PRAGMA temp_store = FILE");
    this.db.exec(`PRAGMA cache_size = -${RESTORE_CACHE_KIB}`);
    try {
      this.#restore(deferred.indexes);
    } finally {
      this.db.exec(`PRAGMA temp_store = ${store}`);
      this.db.exec(`PRAGMA cache_size = ${cache}`);
    }
  }

  #restore(indexes: readonly { name: string; sql: string }[]): void {
    const left = [...indexes];
    do {
      const index = left.shift();
      this.db.write(() => {
        const exists = index &&
          this.one("SELECT 1 AS x FROM sqlite_master WHERE type = 'index' AND name = :name", {
            name: index.name,
          });
        if (index && !exists) this.db.exec(index.sql);
        if (left.length) {
          this.run("UPDATE sync_metadata SET value = :value WHERE key = :key", {
            key: DEFERRED_KEY,
            value: JSON.stringify({ indexes: left }),
          });
        } else this.run("DELETE FROM sync_metadata WHERE key = :key", { key: DEFERRED_KEY });
      });
    } while (left.length);
  }

  #deferred(): { indexes: { name: string; sql: string }[] } | null {
    const value = this.one<{ value: string }>("SELECT value FROM sync_metadata WHERE key = :key", {
      key: DEFERRED_KEY,
    })?.value;
    return value === undefined ? null : json(value, { indexes: [] });
  }

  /**
   * The `device_sets` id of each bug's device list (null for none), adding lists not stored yet. A
   * batch names few distinct lists, so each is looked up once.
   */
  #deviceSetIds(bugs: readonly BugInput[]): (number | null)[] {
    const ids = new Map<string, number>();
    return bugs.map((b) => {
      if (!b.devices.length) return null;
      const devices = JSON.stringify(b.devices);
      let id = ids.get(devices);
      if (id === undefined) {
        id =
          this.one<{ id: number }>("SELECT id FROM device_sets WHERE devices = :devices", { devices })?.id ??
            this.one<{ id: number }>("INSERT INTO device_sets (devices) VALUES (:devices) RETURNING id", {
              devices,
            })!.id;
        ids.set(devices, id);
      }
      return id;
    });
  }

  /**
   * Recounts `tests.bug_count` and the per-test status/severity counts (`test_bug_counts`) of the given
   * tests, and `products.bug_count` of their products. Done
   * once per written batch rather than by a per-bug trigger, which rewrote the (wide) test row for
   * every bug.
   */
  recount(testIds: readonly number[]): void {
    if (!testIds.length) return;
    const tests = JSON.stringify(testIds);
    this.run(
      `UPDATE tests SET bug_count = (SELECT count(*) FROM bugs b WHERE b.test_id = tests.id)
       WHERE id IN (SELECT value FROM json_each(:tests))`,
      { tests },
    );
    this.run(
      `UPDATE products SET bug_count = (SELECT coalesce(sum(t.bug_count), 0) FROM tests t WHERE t.product_id = products.id)
       WHERE id IN (SELECT DISTINCT product_id FROM tests WHERE id IN (SELECT value FROM json_each(:tests)))`,
      { tests },
    );
    for (const sql of TEST_BUG_COUNTS_REWRITE) this.run(sql, { tests });
  }

  /** One page of bugs with the exact total. */
  list(q: BugQuery): Page<BugListRow> {
    const params: Params = {};
    const where: string[] = [];
    if (q.testIds?.length) where.push(`b.test_id IN ${inList("t", q.testIds, params)}`);
    if (q.productId !== undefined) {
      params.product_id = int(q.productId);
      where.push("b.product_id = :product_id");
    }
    if (q.statuses?.length) {
      where.push(`b.status IN ${inList("s", q.statuses.map(normaliseBugStatus), params)}`);
    }
    if (q.severities?.length) where.push(`b.severity IN ${inList("v", q.severities, params)}`);
    if (q.known !== undefined) {
      params.known = q.known ? 1 : 0;
      where.push("b.known = :known");
    }
    if (q.rejectionReasons?.length) {
      const keys = q.rejectionReasons.filter((r) => r !== UNKNOWN_REJECTION_REASON);
      const parts = keys.length ? [`b.rejection_reason IN ${inList("r", keys, params)}`] : [];
      if (keys.length < q.rejectionReasons.length) {
        parts.push("(b.status = 'rejected' AND b.rejection_reason IS NULL)");
      }
      where.push(`(${parts.join(" OR ")})`);
    }
    whereIf(where, params, "author", q.reportedBy, "b.author = :author COLLATE NOCASE");
    whereIf(where, params, "from", q.reportedFrom, "b.reported_at >= :from");
    whereIf(where, params, "to", q.reportedTo, "b.reported_at <= :to");
    if (q.search) {
      params.search = likePattern(q.search);
      where.push("b.title LIKE :search ESCAPE '\\'");
    }
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const dir = q.sortOrder === "asc" ? "ASC" : "DESC";
    const total = this.one<{ n: number }>(`SELECT count(*) AS n FROM bugs b ${whereSql}`, params)!.n;
    const rows = this.all<RawBugRow>(
      `${LIST_SELECT} ${whereSql} ORDER BY ${
        BUG_SORTS[q.sortBy]
      } ${dir}, b.id ${dir} LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    return { rows: rows.map(toListRow), total };
  }

  /** One bug with its test and product; undefined when not cached. */
  get(id: number): BugDetail | undefined {
    const r = this.one<
      RawBugRow & {
        actual_result: string | null;
        expected_result: string | null;
        steps: string;
        location: string | null;
        devices: string;
        test_title: string;
        test_status: string;
        product_id: number;
        product_name: string;
        comments_count: number;
        synced_at: string;
      }
    >(
      `SELECT b.id, b.title, b.severity, b.status, b.known, b.rejection_reason, b.test_id, b.feature_id,
         coalesce(f.title, tf.title) AS feature_title, b.author AS reported_by, b.reported_at,
         b.actual_result, b.expected_result, b.steps, b.location, coalesce(d.devices, '[]') AS devices,
         t.title AS test_title, t.status AS test_status, b.product_id, p.name AS product_name, b.comments_count,
         coalesce(t.bugs_synced_at, t.synced_at) AS synced_at
       FROM bugs b
       JOIN tests t ON t.id = b.test_id
       LEFT JOIN device_sets d ON d.id = b.device_set_id
       JOIN products p ON p.id = b.product_id
       LEFT JOIN features f ON f.id = b.feature_id
       LEFT JOIN test_features tf ON tf.id = b.test_feature_id
       WHERE b.id = :id`,
      { id: int(id) },
    );
    if (!r) return undefined;
    return {
      ...toListRow(r),
      actual_result: r.actual_result,
      expected_result: r.expected_result,
      steps: json<string[]>(r.steps, []),
      location: r.location,
      devices: json<BugDevice[]>(r.devices, []),
      test: { id: r.test_id, title: r.test_title, status: r.test_status },
      product: { id: r.product_id, name: r.product_name },
      comments_count: r.comments_count,
      synced_at: r.synced_at,
    };
  }

  /** Builds the WHERE clause of a {@link BugScope} over `bugs b`, adding its parameters. */
  #scopeWhere(scope: BugScope, params: Params): string {
    const where: string[] = [];
    if (scope.testIds) {
      where.push(scope.testIds.length ? `b.test_id IN ${inList("st", scope.testIds, params)}` : "0");
    }
    if (scope.productId !== undefined) {
      params.scope_product = int(scope.productId);
      where.push("b.product_id = :scope_product");
    }
    if (scope.featureId !== undefined) {
      params.scope_feature = int(scope.featureId);
      where.push("b.feature_id = :scope_feature");
    }
    if (scope.author !== undefined) {
      params.scope_author = scope.author;
      where.push("b.author = :scope_author");
    }
    return where.length ? `WHERE ${where.join(" AND ")}` : "";
  }

  /** Total, known and outcome-class counts of the bugs in `scope` (open = forwarded). */
  outcomeCounts(scope: BugScope): { total: number; known: number; by_status: BugBreakdown["by_status"] } {
    const params: Params = {};
    const c = this.one<
      { total: number; known: number; open: number; acc: number; auto: number; rej: number }
    >(
      `SELECT count(*) AS total, coalesce(sum(b.known), 0) AS known,
         coalesce(sum(b.status = 'forwarded'), 0) AS open, coalesce(sum(b.status = 'accepted'), 0) AS acc,
         coalesce(sum(b.status = 'auto_accepted'), 0) AS auto, coalesce(sum(b.status = 'rejected'), 0) AS rej
       FROM bugs b ${this.#scopeWhere(scope, params)}`,
      params,
    )!;
    return {
      total: c.total,
      known: c.known,
      by_status: { open: c.open, active_accepted: c.acc, auto_accepted: c.auto, rejected: c.rej },
    };
  }

  /** Counts of the bugs in `scope` by severity; every known severity is present (0 when none). */
  severityCounts(scope: BugScope): Record<string, number> {
    const params: Params = {};
    const out: Record<string, number> = Object.fromEntries(BUG_SEVERITIES.map((s) => [s, 0]));
    for (
      const r of this.all<{ k: string; n: number }>(
        `SELECT coalesce(b.severity, 'unknown') AS k, count(*) AS n FROM bugs b
         ${this.#scopeWhere(scope, params)} GROUP BY 1`,
        params,
      )
    ) out[r.k] = r.n;
    return out;
  }

  /** The newest bugs of `scope` (reported_at, then id, descending). */
  recent(scope: BugScope, limit: number): BugBreakdown["recent"] {
    const params: Params = { limit: int(limit) };
    return this.all<BugBreakdown["recent"][number]>(
      `SELECT b.id, b.title, b.severity, b.status, b.reported_at FROM bugs b ${
        this.#scopeWhere(scope, params)
      }
       ORDER BY b.reported_at DESC, b.id DESC LIMIT :limit`,
      params,
    );
  }

  /** Counts of one test's bugs by class, severity and platform, and the 5 newest. */
  breakdownForTest(testId: number): BugBreakdown {
    const scope: BugScope = { testIds: [testId] };
    return {
      ...this.outcomeCounts(scope),
      by_severity: this.severityCounts(scope),
      by_platform: this.platformCounts(testId),
      recent: this.recent(scope, 5),
    };
  }

  /**
   * Bugs of a test per operating system, browser and device category (a bug counts once per value,
   * whatever number of its devices share it), most bugs first. The device lists of a test repeat a lot,
   * so SQLite groups the identical ones and only the distinct lists are parsed here, which costs less than
   * three `json_each` facet queries (bench/RESULTS.md, get_test_summary).
   */
  platformCounts(testId: number): BugBreakdown["by_platform"] {
    const os = new Map<string, number>();
    const browsers = new Map<string, number>();
    const categories = new Map<string, number>();
    const add = (into: Map<string, number>, values: Iterable<unknown>, n: number) => {
      for (const v of new Set(values)) if (typeof v === "string") into.set(v, (into.get(v) ?? 0) + n);
    };
    const lists = this.all<{ devices: string; n: number }>(
      `SELECT coalesce(d.devices, '[]') AS devices, c.n
       FROM (SELECT device_set_id, count(*) AS n FROM bugs WHERE test_id = :t GROUP BY device_set_id) c
       LEFT JOIN device_sets d ON d.id = c.device_set_id`,
      { t: int(testId) },
    );
    for (const { devices, n } of lists) {
      const list = json<{ os?: unknown; category?: unknown; browsers?: unknown }[]>(devices, []);
      add(os, list.map((d) => d.os), n);
      add(categories, list.map((d) => d.category), n);
      add(browsers, list.flatMap((d) => (Array.isArray(d.browsers) ? d.browsers : [])), n);
    }
    // Most bugs first, then by name in SQLite's binary order, as the facet queries listed them.
    const ordered = (m: Map<string, number>) =>
      Object.fromEntries([...m].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0)));
    return {
      operating_systems: ordered(os),
      browsers: ordered(browsers),
      device_categories: ordered(categories),
    };
  }

  /** Bug ids whose decimal form starts with `prefix`, newest ids first (for completion). */
  idsStartingWith(prefix: string, limit: number): number[] {
    return this.idPrefixMatches("bugs", prefix, limit);
  }

  /** Number of cached bugs. */
  count(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM bugs")!.n;
  }

  /** Test ids among `ids` that have cached bugs rows, with their counts. */
  countsByTest(testIds: readonly number[]): Map<number, number> {
    if (!testIds.length) return new Map();
    const params: Params = {};
    return new Map(
      this.all<{ test_id: number; n: number }>(
        `SELECT test_id, count(*) AS n FROM bugs WHERE test_id IN ${
          inList("t", testIds, params)
        } GROUP BY test_id`,
        params,
      ).map((r) => [r.test_id, r.n]),
    );
  }
}
