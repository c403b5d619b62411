/**
 * Bug counts kept per test and per value of a bug-side key (`test_bug_facets`, migration 0008): the
 * bug's feature, the OS family of its devices, its rejection reason and whether it is a known bug —
 * the keys by which the metric cube's feature, platform, rejection_reason and known_bug dimensions
 * group bugs — and the day it was reported, by which bug metrics are bucketed in time. A cube query grouped by
 * one of them sums these rows (a few per test) instead of grouping every bug row.
 * {@link TEST_BUG_FACETS_REWRITE} keeps them current beside `test_bug_counts`.
 *
 * @example
 * ```ts
 * BUG_FACETS.platform.id; // 2
 * BUG_FACETS.platform.key; // "dv.os_family", read back with nullif(k, '')
 * ```
 * @module
 */

/** A bug-side key kept per test. */
export interface BugFacet {
  /** The `facet` column's value. */
  id: number;
  /** The key over the bug alias `b` and {@link BugFacet.join}; NULL for a missing value. */
  key: string;
  /** The join the key needs, if any. */
  join: string;
}

/** The facets, by the cube dimension they serve. */
export const BUG_FACETS = Object.freeze(
  {
    feature: {
      id: 1,
      key: "coalesce(b.feature_id, btf.feature_id)",
      join: "LEFT JOIN test_features btf ON btf.id = b.test_feature_id",
    },
    // One row per OS family of the bug's device list (device_set_os); '' stands for a device without one.
    platform: {
      id: 2,
      key: "nullif(dv.os_family, '')",
      join: "LEFT JOIN device_set_os dv ON dv.device_set_id = b.device_set_id",
    },
    rejection_reason: {
      id: 3,
      key:
        "CASE WHEN b.status = 'rejected' THEN coalesce(b.rejection_reason, 'unknown') ELSE 'not_rejected' END",
      join: "",
    },
    known_bug: { id: 4, key: "b.known", join: "" },
    // The UTC day the bug was reported (YYYY-MM-DD): the time buckets and date bounds of bug metrics,
    // whose date basis is reported_at.
    reported_day: { id: 5, key: "substr(b.reported_at, 1, 10)", join: "" },
  } as const satisfies Record<string, BugFacet>,
);

/** A facet: a cube dimension kept per test, or `reported_day`. */
export type BugFacetName = keyof typeof BUG_FACETS;

/** A cube dimension kept as a facet. */
export type FacetDimension = Exclude<BugFacetName, "reported_day">;

/** The count columns of a facet row, as the cube names them. */
export const FACET_COUNTS = Object.freeze(
  {
    bug_count: "n",
    c_open: "c_open",
    c_acc: "c_acc",
    c_auto: "c_auto",
    c_rej: "c_rej",
  } as const,
);

/** Rewrites the facet rows of the tests in the JSON array `:tests` (run after their bugs are written). */
export const TEST_BUG_FACETS_REWRITE: readonly string[] = Object.freeze([
  "DELETE FROM test_bug_facets WHERE test_id IN (SELECT value FROM json_each(:tests))",
  `INSERT INTO test_bug_facets (test_id, facet, k, n, c_open, c_acc, c_auto, c_rej)
   ${
    Object.values(BUG_FACETS).map((f) =>
      `SELECT b.test_id, ${f.id}, coalesce(${f.key}, ''), count(*), sum(b.status = 'forwarded'),
         sum(b.status = 'accepted'), sum(b.status = 'auto_accepted'), sum(b.status = 'rejected')
       FROM bugs b ${f.join}
       WHERE b.test_id IN (SELECT value FROM json_each(:tests))
       GROUP BY b.test_id, 3`
    ).join("\n   UNION ALL\n   ")
  }`,
]);
