/**
 * `list_tests`: one page of a product's tests (newest first by default), refreshing stale mutable
 * tests first.
 */
import { z } from "zod";
import { dateArg, idArg, listArgs, resolveDates, stringListArg } from "../args.ts";
import { pageAnswerSchema, productPageAnswer, readPage } from "../answer.ts";
import { namedRef, testEnvironmentSchema, testRowShape } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { TEST_SORTS } from "../../db/repos/tests.ts";
import { TEST_STATUSES, TESTING_TYPES } from "../../domain/tests.ts";
import { requireProduct } from "./lookups.ts";

const input = z.object({
  product_id: idArg("product_id"),
  statuses: stringListArg("statuses", TEST_STATUSES).optional(),
  testing_type: z.enum(TESTING_TYPES, { error: `'testing_type' must be one of ${TESTING_TYPES.join(", ")}` })
    .optional(),
  start_date: dateArg("start_date").optional().describe("Tests ending on/after this date (end_at)"),
  end_date: dateArg("end_date").optional().describe("Tests ending on/before this date (end_at)"),
  ...listArgs(TEST_SORTS, "end_at", "desc"),
}).strict();

const test = z.object({
  ...testRowShape,
  review_status: z.string().nullable(),
  testing_type: z.string().nullable(),
  start_at: z.string().nullable(),
  end_at: z.string().nullable(),
  test_environment: testEnvironmentSchema,
  bug_count: z.number().int(),
});

const output = pageAnswerSchema("tests", test, { product: namedRef });

export const listTestsTool = defineTool({
  name: "list_tests",
  title: "List a product's tests",
  description: prose`List the tests (test cycles) of one product, newest first, with status, type, dates,
    environment and bug count. Use it to find a test_id for get_test_summary. Narrow with \`statuses\`
    (initialized, waiting, running, locked, customer_finalized, archived, cancelled), \`testing_type\`, and
    \`start_date\`/\`end_date\` on the test's end (ISO dates or phrases like 'last 30 days'). Running tests
    older than the cache TTL are refreshed from TestIO first.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const dates = resolveDates(args.start_date, args.end_date, ctx.now());
    const product = requireProduct(ctx, args.product_id);
    const fresh = await ctx.freshness.ensureProductTests(product.id, { signal });
    const page = readPage(args, (window) =>
      ctx.repos.tests.list({
        productId: product.id,
        statuses: args.statuses,
        testingType: args.testing_type,
        endFrom: dates.start,
        endTo: dates.end,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        ...window,
      }));
    const warnings = [...fresh.warnings];
    if (product.test_count === 0 && product.tests_synced_at === null) {
      warnings.push(
        `The tests of product ${product.id} have not been synced yet: call sync_data with its id`,
      );
    }
    const stamps = [page.oldestSyncedAt, product.tests_synced_at ?? product.last_synced].filter((s) =>
      s !== null
    );
    return productPageAnswer(product, "tests", page, stamps.length ? stamps.sort()[0] : null, warnings);
  },
});
