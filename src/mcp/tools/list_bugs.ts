/**
 * `list_bugs`: one page of the bugs of some tests or of a product, filtered by outcome, severity,
 * reason, author and date, after refreshing stale tests' bugs.
 */
import { z } from "zod";
import { boolArg, dateArg, idArg, idListArg, listArgs, resolveDates, stringListArg } from "../args.ts";
import { oldestStamp, pageAnswerSchema, readPage, warningsIf } from "../answer.ts";
import { bugRowShape, featureRef } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { BUG_SORTS, UNKNOWN_REJECTION_REASON } from "../../db/repos/bugs.ts";
import { BUG_SEVERITIES, BUG_STATUSES, REJECT_REASONS, type RejectReason } from "../../domain/bugs.ts";
import type { FreshnessResult } from "../../sync/types.ts";
import { requireProduct, testNotFound } from "./lookups.ts";

/** Status words `list_bugs` accepts: "open" is the user-facing name of forwarded. */
export const BUG_STATUS_ARGS = ["open", ...BUG_STATUSES] as const;

/** Rejection reasons `list_bugs` accepts: TestIO's canned keys plus "unknown". */
export const REJECTION_REASON_ARGS = [
  ...Object.keys(REJECT_REASONS) as RejectReason[],
  UNKNOWN_REJECTION_REASON,
] as const;

/** More test ids than this make an answer nobody can read; a product_id is the better scope. */
const MAX_TEST_IDS = 500;

const input = z.object({
  test_ids: idListArg("test_ids", MAX_TEST_IDS).optional().describe(
    `test_ids: bugs of these tests (array, "1,2,3" or "[1,2,3]"; at most ${MAX_TEST_IDS})`,
  ),
  product_id: idArg("product_id").optional().describe("product_id: bugs of every test of this product"),
  statuses: stringListArg("statuses", BUG_STATUS_ARGS).optional().describe(
    "statuses: open (= forwarded, awaiting review), accepted (by the customer), auto_accepted (accepted " +
      "by timeout), rejected — array or comma-separated; default all",
  ),
  severities: stringListArg("severities", BUG_SEVERITIES).optional(),
  known: boolArg("known").optional().describe("known: true for bugs marked as already known"),
  rejection_reasons: stringListArg("rejection_reasons", REJECTION_REASON_ARGS).optional().describe(
    `rejection_reasons: ${
      REJECTION_REASON_ARGS.join(", ")
    } (unknown = rejected without a recognisable reason)`,
  ),
  reported_by: z.string().trim().min(1, "'reported_by' must not be empty").max(200).optional().describe(
    "reported_by: tester username (case-insensitive)",
  ),
  search: z.string().trim().min(1, "'search' must not be empty").max(200).optional().describe(
    "search: case-insensitive text in the bug title",
  ),
  start_date: dateArg("start_date").optional().describe("Bugs reported on/after this date"),
  end_date: dateArg("end_date").optional().describe("Bugs reported on/before this date"),
  ...listArgs(
    BUG_SORTS,
    "reported_at",
    "desc",
    "sort_by: reported_at (default), severity (critical > high > low > visual > content > custom), status, title",
  ),
}).strict().refine((a) => a.test_ids !== undefined || a.product_id !== undefined, {
  message: "'test_ids' or 'product_id' is required: pass the tests or the product whose bugs to list",
});

const bug = z.object({
  ...bugRowShape,
  test_id: z.number().int(),
  feature: featureRef.nullable(),
  reported_by: z.string().nullable(),
  reported_at: z.string().nullable(),
});

const output = pageAnswerSchema("bugs", bug);

export const listBugsTool = defineTool({
  name: "list_bugs",
  title: "List bugs",
  description: prose`List bugs of specific tests (\`test_ids\`) or of a whole product (\`product_id\`),
    newest first, with severity, status, known flag, rejection reason, test, feature and author. Use it to
    read or cite the bugs behind a summary. Narrow a big answer with \`statuses\` (open = forwarded,
    accepted, auto_accepted, rejected), \`severities\`, \`known\`, \`rejection_reasons\`, \`reported_by\`,
    \`search\` (title) and \`start_date\`/\`end_date\` on the report time; page with page/per_page. Stale
    bugs of running tests are refreshed from TestIO first. For counts and rates use get_test_summary,
    get_product_summary or generate_quality_report instead of paging through everything.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const dates = resolveDates(args.start_date, args.end_date, ctx.now());
    const product = args.product_id === undefined ? undefined : requireProduct(ctx, args.product_id);
    const warnings: string[] = [];
    let testIds: number[] | undefined;
    let fresh: FreshnessResult;
    if (args.test_ids) {
      fresh = await ctx.freshness.ensureTests(args.test_ids, { bugs: true, signal });
      const stamps = ctx.repos.tests.stamps(args.test_ids);
      const known = new Map(stamps.map((s) => [s.id, s.product_id]));
      testIds = args.test_ids.filter((id) => known.has(id));
      const unknown = args.test_ids.filter((id) => !known.has(id));
      if (!testIds.length) {
        throw testNotFound(
          ctx,
          args.test_ids,
          fresh.warnings.length ? `Not cached, and fetching failed: ${fresh.warnings.join("; ")}` : undefined,
        );
      }
      if (unknown.length) {
        warnings.push(`Unknown test ids (not cached, not fetchable): ${unknown.join(", ")}`);
      }
      if (product) {
        const elsewhere = testIds.filter((id) => known.get(id) !== product.id);
        if (elsewhere.length) {
          warnings.push(
            `Tests ${
              elsewhere.join(", ")
            } belong to another product than ${product.id}: no bugs listed for them`,
          );
        }
      }
    } else {
      fresh = await ctx.freshness.ensureProductTests(product!.id, { bugs: true, signal });
    }
    warnings.unshift(...fresh.warnings);

    const page = readPage(args, (window) =>
      ctx.repos.bugs.list({
        testIds,
        productId: product?.id,
        statuses: args.statuses,
        severities: args.severities,
        known: args.known,
        rejectionReasons: args.rejection_reasons,
        reportedBy: args.reported_by,
        reportedFrom: dates.start,
        reportedTo: dates.end,
        search: args.search,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        ...window,
      }));
    const coverage = ctx.repos.tests.syncCoverage(testIds ? { testIds } : { productId: product!.id });
    if (coverage.bugs_unsynced > 0) {
      warnings.push(
        `The bugs of ${coverage.bugs_unsynced} of ${coverage.tests} test(s) have not been synced yet: ` +
          "call sync_data to complete the list",
      );
    }
    if (product && coverage.tests === 0) {
      warnings.push(`Product ${product.id} has no tests in the cache: call sync_data with its id`);
    }
    return {
      bugs: page.rows,
      pagination: page.pagination,
      data_as_of: oldestStamp(coverage.oldest_bugs_synced_at),
      ...warningsIf(warnings),
    };
  },
});
