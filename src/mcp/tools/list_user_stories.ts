/**
 * `list_user_stories`: one page of a product's user stories with the feature each belongs to, after
 * refreshing the product's features when they are older than the cache TTL.
 */
import { z } from "zod";
import { idArg, pageArgs } from "../args.ts";
import { pageAnswerSchema, productPageAnswer, readPage } from "../answer.ts";
import { featureRef, namedRef } from "../schemas.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { InputError } from "../../errors.ts";
import { featureNotFound, freshFeaturesOf, requireSection } from "./lookups.ts";

const input = z.object({
  product_id: idArg("product_id"),
  feature_id: idArg("feature_id").optional().describe("feature_id: only the stories of this feature"),
  section_id: idArg("section_id").optional().describe(
    "section_id: only stories of features listed under this section",
  ),
  search: z.string().trim().min(1, "'search' must not be empty").max(200).optional().describe(
    "search: case-insensitive text in the story",
  ),
  ...pageArgs,
}).strict();

const story = z.object({
  id: z.number().int().nullable().describe("TestIO user-story id where it is known unambiguously"),
  title: z.string(),
  feature: featureRef,
  section_ids: z.array(z.number().int()),
});

const output = pageAnswerSchema("user_stories", story, { product: namedRef });

export const listUserStoriesTool = defineTool({
  name: "list_user_stories",
  title: "List a product's user stories",
  description: prose`List the user stories of one product (what testers are asked to verify), each with its
    feature and section ids, ordered by feature. Use it to see what a feature is expected to do or to find
    stories about a topic. Narrow with \`feature_id\`, \`section_id\` or \`search\`; page with
    page/per_page. Features older than the cache TTL are refreshed from TestIO first.`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const { product, warnings } = await freshFeaturesOf(ctx, args.product_id, signal);
    if (args.section_id !== undefined) requireSection(ctx, product, args.section_id);
    if (args.feature_id !== undefined) {
      const feature = ctx.repos.features.get(args.feature_id);
      if (!feature) throw featureNotFound(ctx, args.feature_id);
      if (feature.product.id !== product.id) {
        throw new InputError(
          `Feature ${feature.id} (${feature.title}) belongs to product ${feature.product.id}, not ${product.id}`,
          {
            hint: "feature_id and product_id must name the same product",
            action: `Call list_user_stories with product_id ${feature.product.id}, or drop feature_id`,
          },
        );
      }
    }
    const page = readPage(args, (window) =>
      ctx.repos.features.listUserStories({
        productId: product.id,
        featureId: args.feature_id,
        sectionId: args.section_id,
        search: args.search,
        ...window,
      }));
    return productPageAnswer(product, "user_stories", page, product.features_synced_at, warnings);
  },
});
