/**
 * `get_problematic_tests`: the test-list ranges a sync could not read (HTTP 500 at every page size),
 * with the tests around them, so a person can tell which tests are missing from the cache.
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";

const input = z.object({
  product_id: idArg("product_id").optional().describe("product_id: only this product's ranges"),
}).strict();

const boundary = z.object({ test_id: z.number().int(), end_at: z.string().nullable() }).nullable();

const output = z.object({
  ranges: z.array(z.object({
    id: z.number().int(),
    product_id: z.number().int(),
    offsets: z.tuple([z.number().int(), z.number().int()]).describe(
      "first and last failing offset (0-based) in the product's newest-first test list",
    ),
    before: boundary.describe("the test just before the range (newer), or null at the start"),
    after: boundary.describe("the test just after the range (older), or null at the end"),
    attempts: z.number().int(),
    recorded_at: z.string(),
    mapped_test_ids: z.array(z.number().int()),
  })),
  count: z.number().int(),
});

export const getProblematicTestsTool = defineTool({
  name: "get_problematic_tests",
  title: "Problematic test-list ranges",
  description: prose`List the parts of products' test lists that TestIO failed to serve during a sync (HTTP
    500 even one test at a time), with the tests just before and after each gap and how often it failed.
    Tests in a gap are missing from the cache. Use it when counts look short or a sync reported problematic
    ranges; \`testio-mcp problematic retry PRODUCT_ID\` repairs them.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const ranges = ctx.repos.problematic.list(args.product_id).map((r) => ({
      id: r.id,
      product_id: r.product_id,
      offsets: r.offsets,
      before: r.before,
      after: r.after,
      attempts: r.attempts,
      recorded_at: r.recorded_at,
      mapped_test_ids: r.mapped_test_ids,
    }));
    return { ranges, count: ranges.length };
  },
});
