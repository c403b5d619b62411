/**
 * `get_user_summary`: one tester or customer — activity, bug outcomes (the tester's acceptance and
 * rejection rates) and the products they worked on.
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { answerSchema } from "../answer.ts";
import { bugClassesSchema, countMap, ratesSchema } from "../schemas.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { NotFoundError } from "../../errors.ts";
import { computeRates } from "../../domain/rates.ts";
import { cacheIsEmpty } from "./lookups.ts";
import { usersAsOf } from "./list_users.ts";
import { USER_TYPES } from "../../db/repos/users.ts";

const input = z.object({
  user_id: idArg("user_id").optional().describe("user_id: the id from list_users"),
  username: z.string().trim().min(1, "'username' must not be empty").max(200).optional().describe(
    "username: exact username (case-insensitive)",
  ),
}).strict().refine((a) => a.user_id !== undefined || a.username !== undefined, {
  message: "'user_id' or 'username' is required: pass the id from list_users or the username",
});

const output = answerSchema({
  user: z.object({
    id: z.number().int(),
    username: z.string(),
    user_type: z.enum(USER_TYPES),
    first_seen: z.string().nullable(),
    last_activity: z.string().nullable(),
    bugs_reported: z.number().int(),
    bugs_by_status: bugClassesSchema,
    bugs_by_severity: countMap,
    rates: ratesSchema.describe("Outcome rates of the bugs this user reported"),
    tests_created: z.number().int(),
    tests_submitted: z.number().int(),
    products: z.array(z.object({
      id: z.number().int(),
      name: z.string(),
      bugs_reported: z.number().int(),
      tests_created: z.number().int(),
      tests_submitted: z.number().int(),
    })),
  }),
});

export const getUserSummaryTool = defineTool({
  name: "get_user_summary",
  title: "Summarise one tester or customer",
  description: prose`One user by \`user_id\` or \`username\`: type (tester or customer), first and last
    activity, bugs reported with their outcomes (open = forwarded, active accepted, auto accepted,
    rejected), severities and rates — how often a tester's bugs are accepted or rejected — tests created and
    submitted, and the products they worked on. Find ids and usernames with list_users. Answers from the
    cache.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const user = args.user_id !== undefined
      ? ctx.repos.users.get({ id: args.user_id })
      : ctx.repos.users.get({ username: args.username! });
    if (
      !user || (args.username !== undefined && user.username.toLowerCase() !== args.username.toLowerCase())
    ) {
      const what = args.user_id !== undefined ? `User ${args.user_id}` : `User '${args.username}'`;
      throw new NotFoundError(`${what} not found`, {
        hint: cacheIsEmpty(ctx)
          ? "The cache is empty: nothing has been synced yet"
          : args.user_id !== undefined && args.username !== undefined
          ? "The id and the username name different users (or none)"
          : "No bug author or test creator/submitter of that name or id is in the cache",
        action: "Call list_users to find user ids and usernames (or sync_data to fill the cache)",
      });
    }
    const scope = { author: user.username };
    const bugs = ctx.repos.bugs.outcomeCounts(scope);
    return {
      user: {
        id: user.id,
        username: user.username,
        user_type: user.user_type,
        first_seen: user.first_seen,
        last_activity: user.last_activity,
        bugs_reported: user.bugs_reported,
        bugs_by_status: bugs.by_status,
        bugs_by_severity: ctx.repos.bugs.severityCounts(scope),
        rates: computeRates(bugs.by_status),
        tests_created: user.tests_created,
        tests_submitted: user.tests_submitted,
        products: ctx.repos.users.productsOf(user.username),
      },
      data_as_of: usersAsOf(ctx),
    };
  },
});
