/**
 * `get_analytics_capabilities`: the dimensions and metrics `query_metrics` understands, with what
 * each means, an example and the formula, read straight from the registry.
 */
import { z } from "zod";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { CUBE_LIMITS, DIMENSION_KEYS, DIMENSIONS, METRIC_KEYS, METRICS } from "../../domain/metrics.ts";

const output = z.object({
  dimensions: z.array(z.object({
    key: z.string(),
    description: z.string(),
    example: z.string(),
    level: z.enum(["test", "bug"]),
    has_id: z.boolean(),
  })),
  metrics: z.array(z.object({
    key: z.string(),
    description: z.string(),
    formula: z.string(),
    kind: z.enum(["count", "rate", "ratio"]),
  })),
  limits: z.object({ max_dimensions: z.number().int(), max_rows: z.number().int() }),
  notes: z.array(z.string()),
});

export const getAnalyticsCapabilitiesTool = defineTool({
  name: "get_analytics_capabilities",
  title: "Analytics capabilities",
  description: prose`Lists the dimensions (how query_metrics can group rows) and metrics (what it can
    measure) with descriptions, examples and formulas, plus its limits. Call it before building a
    query_metrics request.`,
  input: z.object({}).strict(),
  output,
  annotations: READ_ONLY,
  handler() {
    return {
      dimensions: DIMENSION_KEYS.map((k) => {
        const d = DIMENSIONS[k];
        return {
          key: d.key,
          description: d.description,
          example: d.example,
          level: d.level,
          has_id: d.hasId,
        };
      }),
      metrics: METRIC_KEYS.map((k) => {
        const m = METRICS[k];
        return { key: m.key, description: m.description, formula: m.formula, kind: m.kind };
      }),
      limits: { ...CUBE_LIMITS },
      notes: [
        "Default scope: executed tests (running, locked, archived, customer_finalized); filters.status " +
        "with test statuses changes it, with bug statuses (open, accepted, auto_accepted, rejected) filters bugs.",
        "Dates and time buckets use the test's end_at; when every metric is a bug metric they use the " +
        "bug's reported_at instead (metadata.date_basis says which).",
        "Grouping or filtering on a bug-level dimension counts only tests that have such bugs.",
        "Counts are distinct, so a test covering two features counts once per feature row and once in total.",
        "Open bugs are bugs in status forwarded. Rates are null, not 0, when there is nothing to divide.",
      ],
    };
  },
});
