/**
 * Bug counts kept per test (`test_bug_counts`, migration 0007): one column per derived status and
 * severity pair, plus `n_other` for bugs outside those pairs. Reports over many products sum these
 * rows, one per test, instead of grouping every bug. {@link TEST_BUG_COUNTS_REWRITE} keeps them
 * current: BugsRepo runs it for the tests of every written batch, in the batch's transaction.
 *
 * @example
 * ```ts
 * BUG_COUNT_COLUMNS[0]; // { status: "forwarded", severity: "critical", column: "n_forwarded_critical" }
 * ```
 * @module
 */
import { BUG_SEVERITIES, BUG_STATUSES } from "../../domain/bugs.ts";
import { TEST_BUG_FACETS_REWRITE } from "./bug_facets.ts";

/** One counted (status, severity) pair and its column; severity null counts bugs without one. */
export interface BugCountColumn {
  status: string;
  severity: string | null;
  column: string;
}

/** The counted pairs, in the column order of migration 0007. */
export const BUG_COUNT_COLUMNS: readonly BugCountColumn[] = Object.freeze(
  BUG_STATUSES.flatMap((status) =>
    [...BUG_SEVERITIES, null].map((severity) => ({
      status,
      severity,
      column: `n_${status}_${severity ?? "none"}`,
    }))
  ),
);

const quoted = (values: readonly string[]) => `(${values.map((v) => `'${v}'`).join(", ")})`;

/** The count expressions over a test's bug rows, in column order, then `n_other`. */
const COUNT_EXPRESSIONS = [
  ...BUG_COUNT_COLUMNS.map((c) =>
    `sum(status = '${c.status}' AND severity ${c.severity === null ? "IS NULL" : `IS '${c.severity}'`})`
  ),
  `sum(status NOT IN ${quoted(BUG_STATUSES)} OR (severity IS NOT NULL AND severity NOT IN ${
    quoted(BUG_SEVERITIES)
  }))`,
];

/**
 * Rewrites the counts of the tests in the JSON array `:tests`, and their facet rows
 * (`bug_facets.ts`): statements run in order.
 */
export const TEST_BUG_COUNTS_REWRITE: readonly string[] = Object.freeze([
  "DELETE FROM test_bug_counts WHERE test_id IN (SELECT value FROM json_each(:tests))",
  `INSERT INTO test_bug_counts (test_id, ${BUG_COUNT_COLUMNS.map((c) => c.column).join(", ")}, n_other)
   SELECT test_id, ${COUNT_EXPRESSIONS.join(", ")}
   FROM bugs WHERE test_id IN (SELECT value FROM json_each(:tests)) GROUP BY test_id`,
  ...TEST_BUG_FACETS_REWRITE,
]);

/** `sum(c.<column>) AS <column>` for every counted pair and `n_other`, over the alias `c`. */
export const SUMMED_COUNTS = [...BUG_COUNT_COLUMNS.map((c) => c.column), "n_other"]
  .map((c) => `sum(c.${c}) AS ${c}`).join(", ");
