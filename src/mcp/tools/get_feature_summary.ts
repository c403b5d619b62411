/**
 * `get_feature_summary`: one feature with its user stories, test and bug counts, bugs by severity
 * and outcome, and the tests that covered it most recently.
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { answerSchema, warningsIf } from "../answer.ts";
import { bugClassesSchema, countMap, namedRef, testRowShape } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { featureNotFound, freshFeaturesOf } from "./lookups.ts";

/** How many of the newest covering tests a summary shows. */
const RECENT_TESTS = 5;

const input = z.object({ feature_id: idArg("feature_id") }).strict();

const output = answerSchema({
  feature: z.object({
    id: z.number().int(),
    title: z.string(),
    description: z.string().nullable(),
    howtofind: z.string().nullable(),
    product: namedRef,
    section_ids: z.array(z.number().int()),
    user_stories: z.array(z.string()),
    user_story_count: z.number().int(),
    test_count: z.number().int(),
    bug_count: z.number().int(),
    bugs_by_severity: countMap,
    bugs_by_status: bugClassesSchema,
    recent_tests: z.array(z.object({
      ...testRowShape,
      start_at: z.string().nullable(),
      end_at: z.string().nullable(),
      bug_count: z.number().int(),
    })),
  }),
});

export const getFeatureSummaryTool = defineTool({
  name: "get_feature_summary",
  title: "Summarise one feature",
  description: prose`One feature in full: description, how to find it, its product and sections, all its
    user stories, how many tests covered it and how many bugs were filed against it (by severity and
    outcome), and the 5 most recent tests that covered it. Use it after list_features, or to answer 'what is
    feature X and how buggy is it?'. The product's features are refreshed from TestIO first when older than
    the cache TTL; list_bugs with a product_id pages through the bugs.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const cached = ctx.repos.features.get(args.feature_id);
    if (!cached) throw featureNotFound(ctx, args.feature_id);
    const { warnings } = await freshFeaturesOf(ctx, cached.product.id, signal);
    const feature = ctx.repos.features.get(args.feature_id);
    if (!feature) throw featureNotFound(ctx, args.feature_id);
    const { synced_at, ...rest } = feature;
    const scope = { featureId: feature.id };
    return {
      feature: {
        ...rest,
        bugs_by_severity: ctx.repos.bugs.severityCounts(scope),
        bugs_by_status: ctx.repos.bugs.outcomeCounts(scope).by_status,
        recent_tests: ctx.repos.tests.recentForFeature(feature.id, RECENT_TESTS),
      },
      data_as_of: synced_at,
      ...warningsIf(warnings),
    };
  },
});
