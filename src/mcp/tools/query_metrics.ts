/**
 * `query_metrics`: counts and rates grouped by one or two dimensions (a pivot table over the cache),
 * e.g. "rejected bugs per feature per quarter".
 */
import { z } from "zod";
import { dateArg, resolveDates, sortOrderArg, stringListArg } from "../args.ts";
import { answerSchema } from "../answer.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { CUBE_LIMITS, DIMENSION_KEYS, METRIC_KEYS } from "../../domain/metrics.ts";
import { queryMetrics } from "../../reports/metrics.ts";

const scalar = z.union([z.string().max(300), z.number(), z.boolean()]);

const input = z.object({
  metrics: stringListArg("metrics", METRIC_KEYS).describe(
    `metrics: one or more of ${METRIC_KEYS.join(", ")} (array or CSV; see get_analytics_capabilities)`,
  ),
  dimensions: stringListArg("dimensions", DIMENSION_KEYS).refine(
    (d) => d.length <= CUBE_LIMITS.max_dimensions,
    { message: `'dimensions' takes 1 to ${CUBE_LIMITS.max_dimensions} dimensions` },
  ).describe(`dimensions: 1–2 of ${DIMENSION_KEYS.join(", ")}`),
  filters: z.record(z.string(), z.union([scalar, z.array(scalar).max(200)])).optional().describe(
    "{dimension: value or values} (ids or names; 'unassigned' for features without one), plus " +
      "product_id (id or ids) and status: test statuses set the test scope (default executed: running, " +
      "locked, archived, customer_finalized), bug statuses (open, accepted, auto_accepted, rejected) filter bugs",
  ),
  start_date: dateArg("start_date").optional().describe(
    "From this date: on the test's end_at, or on the bug's reported_at when every metric is a bug metric",
  ),
  end_date: dateArg("end_date").optional().describe("Up to this date (same basis as start_date)"),
  sort_by: z.string().max(50).optional().describe(
    "A requested metric or dimension (default: the time dimension if any, else the first metric)",
  ),
  sort_order: sortOrderArg.optional().describe("desc for metrics, asc for dimensions by default"),
  limit: z.coerce.number({ error: `'limit' must be 1–${CUBE_LIMITS.max_rows}` }).int(
    `'limit' must be 1–${CUBE_LIMITS.max_rows}`,
  ).min(1, `'limit' must be 1–${CUBE_LIMITS.max_rows}`).max(
    CUBE_LIMITS.max_rows,
    `'limit' must be 1–${CUBE_LIMITS.max_rows}`,
  ).default(CUBE_LIMITS.max_rows).describe(
    `Row limit, 1–${CUBE_LIMITS.max_rows} (default ${CUBE_LIMITS.max_rows})`,
  ),
}).strict();

const output = answerSchema({
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))).describe(
    "Per dimension `<dim>` (label) and `<dim>_id` where one exists, then one key per metric",
  ),
  metadata: z.object({
    total_rows: z.number().int(),
    returned_rows: z.number().int(),
    truncated: z.boolean(),
    query_ms: z.number(),
    date_basis: z.enum(["end_at", "reported_at"]),
  }),
  explanation: z.string(),
  chart_hint: z.object({
    type: z.enum(["bar", "line", "grouped_bar"]),
    x: z.string(),
    y: z.array(z.string()),
    series: z.string().nullable(),
  }),
});

export const queryMetricsTool = defineTool({
  name: "query_metrics",
  title: "Query metrics (pivot)",
  description: prose`Counts and rates grouped by one or two dimensions, like a pivot table: e.g.
    metrics=[bug_count, rejection_rate] by dimensions=[feature, quarter] for filters={product_id: 598}.
    Dimensions: product, feature, platform, tester, customer, severity, status (bug status), testing_type,
    test_environment, known_bug, rejection_reason, month, week, quarter. Metrics: test_count, bug_count,
    bug_severity_score, features_tested, active_testers, bugs_per_test, tests_created, tests_submitted and
    the five rates (null when undefined). Default scope: executed tests. Answers from the cache with a
    plain-language explanation and a chart hint; at most 1000 rows (\`truncated\` says when more exist).
    Call get_analytics_capabilities for definitions.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const dates = resolveDates(args.start_date, args.end_date, ctx.now());
    return queryMetrics(
      {
        metrics: args.metrics,
        dimensions: args.dimensions,
        filters: args.filters,
        start: dates.start,
        end: dates.end,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        limit: args.limit,
      },
      ctx.repos.analytics,
      { scopeProductIds: ctx.config.productIds },
    );
  },
});
