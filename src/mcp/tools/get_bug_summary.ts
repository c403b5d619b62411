/**
 * `get_bug_summary`: one bug in full — steps, actual and expected result, devices, outcome — after
 * refreshing its test's bugs when they are stale.
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { answerSchema, warningsIf } from "../answer.ts";
import { bugRowShape, featureRef, namedRef, testRowShape } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { bugNotFound } from "./lookups.ts";

const input = z.object({ bug_id: idArg("bug_id") }).strict();

const output = answerSchema({
  bug: z.object({
    ...bugRowShape,
    actual_result: z.string().nullable(),
    expected_result: z.string().nullable(),
    steps: z.array(z.string()),
    location: z.string().nullable(),
    devices: z.array(z.object({
      category: z.string().nullable(),
      os: z.string().nullable(),
      browsers: z.array(z.string()),
      name: z.string().nullable(),
    })),
    reported_by: z.string().nullable(),
    reported_at: z.string().nullable(),
    test: z.object(testRowShape),
    product: namedRef,
    feature: featureRef.nullable(),
    comments_count: z.number().int(),
  }),
});

export const getBugSummaryTool = defineTool({
  name: "get_bug_summary",
  title: "Summarise one bug",
  description: prose`Everything about one bug: title, severity, status (forwarded = open, accepted,
    auto_accepted, rejected) and rejection reason, steps to reproduce, actual and expected result, location,
    devices, author and report time, with its test, product and feature. Use it when a bug id is known (from
    list_bugs, get_test_summary or search) and its details matter. If the bug's test is still running and
    its bugs are older than the cache TTL, they are refreshed first.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const cached = ctx.repos.bugs.get(args.bug_id);
    if (!cached) throw bugNotFound(ctx, args.bug_id);
    const fresh = await ctx.freshness.ensureTests([cached.test_id], { bugs: true, signal });
    const bug = ctx.repos.bugs.get(args.bug_id);
    if (!bug) {
      throw bugNotFound(
        ctx,
        args.bug_id,
        `It was removed from test ${cached.test_id} in TestIO since the last sync`,
      );
    }
    const { synced_at, test_id: _t, ...rest } = bug;
    return {
      bug: rest,
      data_as_of: synced_at,
      ...warningsIf(fresh.warnings),
    };
  },
});
