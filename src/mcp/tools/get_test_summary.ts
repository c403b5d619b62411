/**
 * `get_test_summary` (alias `get_test_status`): one test with its configuration, bug outcome
 * classes, rates and health — the answer to "how is test 109363 going?".
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { answerSchema, oldestStamp, warningsIf } from "../answer.ts";
import {
  bugClassesSchema,
  countMap,
  healthSchema,
  namedRef,
  ratesSchema,
  testEnvironmentSchema,
} from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { computeRates, health } from "../../domain/rates.ts";
import { testNotFound } from "./lookups.ts";

const input = z.object({ test_id: idArg("test_id") }).strict();

const output = answerSchema({
  test: z.object({
    id: z.number().int(),
    title: z.string(),
    goal: z.string().nullable(),
    instructions: z.string().nullable(),
    out_of_scope: z.string().nullable(),
    status: z.string(),
    review_status: z.string().nullable(),
    testing_type: z.string().nullable(),
    start_at: z.string().nullable(),
    end_at: z.string().nullable(),
    product: namedRef,
    section: namedRef.nullable(),
    test_environment: testEnvironmentSchema,
    features: z.array(z.object({ id: z.number().int(), feature_id: z.number().int(), title: z.string() })),
    platforms: z.array(z.object({
      os: z.string().nullable(),
      category: z.string().nullable(),
      min_version: z.string().nullable(),
      max_version: z.string().nullable(),
      browsers: z.array(z.string()),
    })),
  }),
  bugs: z.object({
    total: z.number().int(),
    known: z.number().int(),
    by_status: bugClassesSchema,
    by_severity: countMap,
    by_platform: z.object({ operating_systems: countMap, browsers: countMap, device_categories: countMap }),
    rates: ratesSchema,
    health: healthSchema,
    recent: z.array(z.object({
      id: z.number().int(),
      title: z.string(),
      severity: z.string().nullable(),
      status: z.string(),
      reported_at: z.string().nullable(),
    })),
  }),
});

export const getTestSummaryTool = defineTool({
  name: "get_test_summary",
  aliases: ["get_test_status"],
  title: "Summarise one test",
  description: prose`Everything about one test (test cycle): goal, instructions, status, dates, environment,
    features and platforms, and its bugs by outcome (open = forwarded, active accepted, auto accepted,
    rejected), severity and platform, the five rates and health indicators, and the 5 newest bugs. Use it
    for 'how is test N going?'. A running test or its bugs older than the cache TTL are refreshed from
    TestIO first. Use list_bugs to page through the bugs themselves.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const fresh = await ctx.freshness.ensureTests([args.test_id], { bugs: true, signal });
    const test = ctx.repos.tests.get(args.test_id);
    if (!test) {
      throw testNotFound(
        ctx,
        [args.test_id],
        fresh.warnings.length
          ? `It is not cached and could not be fetched: ${fresh.warnings.join("; ")}`
          : undefined,
      );
    }
    const breakdown = ctx.repos.bugs.breakdownForTest(test.id);
    const rates = computeRates(breakdown.by_status);
    const { synced_at: _s, bugs_synced_at: _b, bug_count: _c, created_by: _cb, submitted_by: _sb, ...rest } =
      test;
    const warnings = [...fresh.warnings];
    if (test.bugs_synced_at === null) warnings.push(`The bugs of test ${test.id} have not been synced yet`);
    return {
      test: rest,
      bugs: { ...breakdown, rates, health: health(rates, ctx.config.thresholds) },
      data_as_of: oldestStamp(test.synced_at, test.bugs_synced_at),
      ...warningsIf(warnings),
    };
  },
});
