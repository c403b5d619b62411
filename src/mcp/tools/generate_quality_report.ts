/**
 * `generate_quality_report`: bug outcomes, the five rates and health for one or more products over a
 * period (or exact tests), with a per-product breakdown, optional per-test rows, Markdown and a file
 * export — the answer to "is this product's testing healthy?".
 */
import { z } from "zod";
import { boolArg, dateArg, idListArg, resolveDates, stringListArg } from "../args.ts";
import { answerSchema, warningsIf } from "../answer.ts";
import { bugClassesSchema, countMap, healthSchema, namedRef, ratesSchema } from "../schemas.ts";
import { defineTool, prose, type ToolCall } from "../tool.ts";
import type { AppContext } from "../context.ts";
import { requireProduct } from "./lookups.ts";
import { EXECUTED_TEST_STATUSES, TEST_STATUSES } from "../../domain/tests.ts";
import type { ReportScope, TestGroupRow } from "../../db/repos/report.ts";
import {
  buildQualityReport,
  checkTestOwnership,
  renderMarkdown,
  validateReportScope,
} from "../../reports/quality_report.ts";
import { resolveReportPath, writeReportFile } from "../../reports/export.ts";
import { buildMonthly, buildRejectionDrivers, DRIVER_LIMIT } from "../../reports/quality_trends.ts";
import { QUALITY_DASHBOARD_URI } from "../views.ts";

/** Per-test rows beyond this are left out (with a warning), keeping answers a readable size. */
export const MAX_REPORT_TESTS = 1000;

const input = z.object({
  product_ids: idListArg("product_ids", 100).describe(
    'product_ids: one or more product ids (array, "1,2" or "[1,2]")',
  ),
  test_ids: idListArg("test_ids", MAX_REPORT_TESTS).optional().describe(
    "Exact tests to report on; they must belong to product_ids. Not combinable with dates or statuses",
  ),
  start_date: dateArg("start_date").optional().describe("Tests ending on/after this date (end_at)"),
  end_date: dateArg("end_date").optional().describe("Tests ending on/before this date (end_at)"),
  statuses: stringListArg("statuses", TEST_STATUSES).optional().describe(
    "Test statuses in scope (default executed: running, locked, archived, customer_finalized)",
  ),
  include_tests: boolArg("include_tests").default(false).describe("Add one row per test (default false)"),
  format: z.enum(["json", "markdown"], { error: "'format' must be json or markdown" }).default("json")
    .describe("json (default) or markdown (adds the report as Markdown text in `markdown`)"),
  output_file: z.string().max(500, "'output_file' must be at most 500 characters").optional().describe(
    "Also write the report to this .json or .md file in the reports folder (TESTIO_REPORTS_DIR): a " +
      "relative name is placed there, an absolute path must lie inside it, '..' and links leading out are " +
      "refused, and an existing file is never replaced (the error names a free name)",
  ),
}).strict();

const period = z.object({
  start: z.string().nullable(),
  end: z.string().nullable(),
  first_test_end_at: z.string().nullable(),
  last_test_end_at: z.string().nullable(),
});

const summaryShape = {
  total_tests: z.number().int(),
  tests_by_status: countMap,
  tests_by_type: countMap,
  total_bugs: z.number().int(),
  bugs_by_status: bugClassesSchema,
  bugs_by_severity: countMap,
  rates: ratesSchema,
  health: healthSchema,
  avg_bugs_per_test: z.number().nullable(),
  period,
};

const threshold = z.object({
  warning: z.number(),
  critical: z.number(),
  direction: z.enum(["above", "below"]),
});

const reasonCount = z.object({ reason: z.string().nullable(), count: z.number().int() });

const output = answerSchema({
  products: z.array(namedRef),
  summary: z.object(summaryShape),
  by_product: z.array(z.object({ product: namedRef, ...summaryShape })).optional(),
  thresholds: z.object({
    rejection_rate: threshold,
    auto_acceptance_rate: threshold,
    review_rate: threshold,
  }),
  tests: z.array(z.object({
    id: z.number().int(),
    title: z.string(),
    product_id: z.number().int(),
    status: z.string(),
    testing_type: z.string().nullable(),
    start_at: z.string().nullable(),
    end_at: z.string().nullable(),
    total_bugs: z.number().int(),
    bugs_by_status: bugClassesSchema,
    rates: ratesSchema,
    health: healthSchema,
  })).optional(),
  by_month: z.array(z.object({
    month: z.string().describe("YYYY-MM of the tests' end"),
    total_tests: z.number().int(),
    total_bugs: z.number().int(),
    bugs_by_status: bugClassesSchema,
    rates: ratesSchema,
    by_product: z.array(z.object({
      product_id: z.number().int(),
      total_tests: z.number().int(),
      bugs_by_status: bugClassesSchema,
    })),
  })).describe("Bug outcomes and rates per month of the tests' end (tests without an end are left out)"),
  rejection_drivers: z.object({
    features: z.array(z.object({
      feature: z.object({ id: z.number().int(), title: z.string() }).nullable(),
      rejected: z.number().int(),
      reasons: z.array(reasonCount),
    })),
    testers: z.array(z.object({
      username: z.string().nullable(),
      rejected: z.number().int(),
      reasons: z.array(reasonCount),
    })),
  }).describe(`The ${DRIVER_LIMIT} features and testers with the most rejected bugs, with the reasons`),
  markdown: z.string().optional(),
  file: z.object({
    path: z.string(),
    bytes: z.number().int(),
    records: z.number().int().describe("Number of tests the written report covers"),
  }).optional(),
});

/** Refreshes what the report reads, collecting (not throwing) refresh problems. */
async function refresh(ctx: AppContext, call: ToolCall, productIds: number[], testIds?: number[]) {
  if (testIds?.length) {
    return (await ctx.freshness.ensureTests(testIds, { bugs: true, signal: call.signal })).warnings;
  }
  const results = await Promise.all(
    productIds.map((id) => ctx.freshness.ensureProductTests(id, { bugs: true, signal: call.signal })),
  );
  return results.flatMap((r) => r.warnings);
}

const oldest = (stamps: (string | null | undefined)[]): string | null =>
  stamps.filter((s): s is string => typeof s === "string").sort()[0] ?? null;

export const generateQualityReportTool = defineTool({
  name: "generate_quality_report",
  title: "Quality report for products",
  description: prose`Quality report for one or more products: tests by status and type, bugs by outcome
    (open = forwarded, active accepted, auto accepted, rejected) and severity, the five rates (acceptance,
    overall acceptance, rejection, review, auto-acceptance; null when there is nothing to divide) and health
    against the configured thresholds, with a per-product breakdown when several products are given. Scope
    by \`start_date\`/\`end_date\` on the test's end and \`statuses\` (default: executed tests), or by exact
    \`test_ids\` of those products (not both). \`include_tests\` adds per-test rows; \`format: markdown\`
    adds a Markdown rendering; \`output_file\` (.json or .md) also writes it to the reports folder. Running
    tests are refreshed from TestIO first. For custom groupings (feature, month, tester…) use query_metrics.`,
  input,
  output,
  view: QUALITY_DASHBOARD_URI,
  annotations: {
    // Writes a new file in the reports folder when output_file is given; never replaces a file.
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handler(args, call) {
    const { ctx } = call;
    validateReportScope(args);
    const target = args.output_file ? resolveReportPath(args.output_file, ctx.config.reportsDir) : null;
    const dates = resolveDates(args.start_date, args.end_date, ctx.now());
    const products = args.product_ids.map((id) => requireProduct(ctx, id));
    const productIds = products.map((p) => p.id);

    const warnings = await refresh(ctx, call, productIds, args.test_ids);
    if (args.test_ids) {
      checkTestOwnership(args.test_ids, ctx.repos.report.testOwners(args.test_ids), productIds);
    }

    const statuses = args.test_ids ? [] : args.statuses ?? [...EXECUTED_TEST_STATUSES];
    const scope: ReportScope = {
      productIds,
      testIds: args.test_ids ?? null,
      statuses,
      from: dates.start,
      to: dates.end,
    };
    const testGroups = ctx.repos.report.testGroups(scope);
    const bugCounts = ctx.repos.report.bugCounts(scope);
    const report = buildQualityReport({
      products: products.map((p) => ({ id: p.id, name: p.name })),
      testGroups,
      bugGroups: bugCounts.groups,
      testRows: args.include_tests ? ctx.repos.report.testRows(scope, MAX_REPORT_TESTS) : undefined,
      thresholds: ctx.config.thresholds,
      start: dates.start,
      end: dates.end,
      statuses,
    });

    const unsynced = testGroups.reduce((n: number, g: TestGroupRow) => n + g.bugs_unsynced, 0);
    if (unsynced) warnings.push(`The bugs of ${unsynced} test(s) in scope have not been synced yet`);
    for (const p of products) {
      if (p.test_count === 0 && p.tests_synced_at === null) {
        warnings.push(`The tests of product ${p.id} have not been synced yet: call sync_data with its id`);
      }
    }
    if (report.tests && report.summary.total_tests > report.tests.length) {
      warnings.push(
        `tests lists the ${report.tests.length} newest of ${report.summary.total_tests} tests; narrow the dates ` +
          "for the rest",
      );
    }
    const dataAsOfValue = oldest([
      ...products.map((p) => p.last_synced),
      ...testGroups.map((g) => g.oldest_sync),
      ...testGroups.map((g) => g.oldest_bugs_sync),
    ]);

    const markdown = args.format === "markdown" || target?.format === "md"
      ? renderMarkdown(report, { dataAsOf: dataAsOfValue })
      : undefined;
    let file: { path: string; bytes: number; records: number } | undefined;
    if (target) {
      const content = target.format === "md"
        ? markdown!
        : JSON.stringify({ ...report, data_as_of: dataAsOfValue }, null, 2) + "\n";
      const bytes = await writeReportFile(target, content);
      file = { path: target.path, bytes, records: report.summary.total_tests };
    }
    const trends = {
      by_month: buildMonthly(bugCounts.months),
      rejection_drivers: buildRejectionDrivers(
        ctx.repos.report.rejectionGroups(scope, "feature"),
        ctx.repos.report.rejectionGroups(scope, "tester"),
      ),
    };
    return {
      ...report,
      ...trends,
      ...(args.format === "markdown" ? { markdown } : {}),
      ...(file ? { file } : {}),
      data_as_of: dataAsOfValue,
      ...warningsIf(warnings),
    };
  },
});
