/**
 * `list_users`: testers (bug authors) and customers (test creators and submitters) with their
 * activity, overall or within one product.
 */
import { z } from "zod";
import { dateArg, idArg, listArgs, resolveDate } from "../args.ts";
import { pageAnswerSchema, readPage, warningsIf } from "../answer.ts";
import type { AppContext } from "../context.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { USER_SORTS, USER_TYPES } from "../../db/repos/users.ts";
import { cacheIsEmpty, EMPTY_CACHE_WARNING, requireProduct } from "./lookups.ts";

const input = z.object({
  user_type: z.enum(USER_TYPES, { error: "'user_type' must be tester or customer" }).optional().describe(
    "user_type: tester (reports bugs) or customer (creates and submits tests)",
  ),
  product_id: idArg("product_id").optional().describe(
    "product_id: only users active in this product; their counts are then the product's",
  ),
  active_since: dateArg("active_since").optional().describe(
    "active_since: only users last seen on/after this date (ISO date or phrase like 'last 90 days')",
  ),
  ...listArgs(
    USER_SORTS,
    "username",
    "asc",
    "sort_by: username (default), bug_count, test_count (created + submitted), last_activity",
  ),
}).strict();

const user = z.object({
  id: z.number().int(),
  username: z.string(),
  user_type: z.enum(USER_TYPES),
  bugs_reported: z.number().int(),
  tests_created: z.number().int(),
  tests_submitted: z.number().int(),
  first_seen: z.string().nullable(),
  last_activity: z.string().nullable(),
});

const output = pageAnswerSchema("users", user);

/**
 * The `data_as_of` of answers about users: users are derived from tests and bugs, so the oldest
 * walk of the products' test lists (of one product when scoped). Cheaper than the oldest stamp of
 * every test, which read every test row.
 */
export function usersAsOf(ctx: AppContext, productId?: number): string | null {
  return ctx.repos.products.oldestSync(
    productId === undefined ? ctx.config.productIds : [productId],
    "tests_synced_at",
  );
}

export const listUsersTool = defineTool({
  name: "list_users",
  title: "List testers and customers",
  description: prose`List the people seen in the data: testers (bug authors) and customers (who created or
    submitted tests), with bugs reported, tests created and submitted, first and last activity. Use it for
    'who reports the most bugs in product X?' (product_id, user_type tester, sort_by bug_count, sort_order
    desc) or to find a username for get_user_summary. Narrow with \`user_type\`, \`product_id\` and
    \`active_since\`. Answers from the cache.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const since = args.active_since
      ? resolveDate("active_since", args.active_since, "start", ctx.now())
      : null;
    const product = args.product_id === undefined ? undefined : requireProduct(ctx, args.product_id);
    const page = readPage(args, (window) =>
      ctx.repos.users.list({
        userType: args.user_type,
        productId: product?.id,
        activeSince: since,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        ...window,
      }));
    const warnings = cacheIsEmpty(ctx) ? [EMPTY_CACHE_WARNING] : [];
    return {
      users: page.rows,
      pagination: page.pagination,
      data_as_of: usersAsOf(ctx, product?.id),
      ...warningsIf(warnings),
    };
  },
});
