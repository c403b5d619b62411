/**
 * `list_features`: one page of a product's features with their user-story, test and bug counts,
 * after refreshing the product's features when they are older than the cache TTL.
 */
import { z } from "zod";
import { boolArg, idArg, listArgs } from "../args.ts";
import { pageAnswerSchema, productPageAnswer, readPage } from "../answer.ts";
import { namedRef } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { FEATURE_SORTS } from "../../db/repos/features.ts";
import { freshFeaturesOf, requireSection } from "./lookups.ts";

const input = z.object({
  product_id: idArg("product_id"),
  section_id: idArg("section_id").optional().describe("section_id: only features listed under this section"),
  has_user_stories: boolArg("has_user_stories").optional(),
  search: z.string().trim().min(1, "'search' must not be empty").max(200).optional().describe(
    "search: case-insensitive text in the title, description or a user story",
  ),
  ...listArgs(FEATURE_SORTS, "title", "asc"),
}).strict();

const feature = z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  howtofind: z.string().nullable(),
  section_ids: z.array(z.number().int()),
  user_story_count: z.number().int(),
  test_count: z.number().int(),
  bug_count: z.number().int(),
});

const output = pageAnswerSchema("features", feature, { product: namedRef });

export const listFeaturesTool = defineTool({
  name: "list_features",
  title: "List a product's features",
  description: prose`List the features of one product (the areas testers cover) with description,
    how-to-find text, section ids and counts of user stories, tests and bugs. Use it to find a feature_id
    for get_feature_summary or to see which features attract the most bugs (sort_by bug_count, sort_order
    desc). Narrow with \`section_id\`, \`has_user_stories\` or \`search\`. Features older than the cache TTL
    are refreshed from TestIO first.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const { product, warnings } = await freshFeaturesOf(ctx, args.product_id, signal);
    if (args.section_id !== undefined) requireSection(ctx, product, args.section_id);
    const page = readPage(args, (window) =>
      ctx.repos.features.list({
        productId: product.id,
        sectionId: args.section_id,
        hasUserStories: args.has_user_stories,
        search: args.search,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        ...window,
      }));
    return productPageAnswer(product, "features", page, product.features_synced_at, warnings);
  },
});
