/**
 * `get_product_summary`: one product at a glance — sections, tests by status, features, user
 * stories, bugs by outcome and severity, the five rates and health.
 */
import { z } from "zod";
import { idArg } from "../args.ts";
import { answerSchema, oldestStamp, warningsIf } from "../answer.ts";
import { bugClassesSchema, countMap, healthSchema, namedRef, ratesSchema } from "../schemas.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { computeRates, health } from "../../domain/rates.ts";
import { requireProduct } from "./lookups.ts";

const input = z.object({ product_id: idArg("product_id") }).strict();

const output = answerSchema({
  product: z.object({
    id: z.number().int(),
    name: z.string(),
    type: z.string().nullable(),
    description: z.string().nullable(),
    has_sections: z.boolean(),
    sections: z.array(namedRef),
    test_count: z.number().int(),
    tests_by_status: countMap,
    feature_count: z.number().int(),
    user_story_count: z.number().int(),
    bug_count: z.number().int(),
    bugs_by_status: bugClassesSchema,
    bugs_by_severity: countMap,
    rates: ratesSchema,
    health: healthSchema,
    last_test_end_at: z.string().nullable(),
    last_synced: z.string(),
  }),
});

export const getProductSummaryTool = defineTool({
  name: "get_product_summary",
  title: "Summarise one product",
  description: prose`One product at a glance: type, sections, tests by status, feature and user-story
    counts, bugs by outcome (open = forwarded, active accepted, auto accepted, rejected) and severity, the
    five rates with health indicators, and the last test end. Use it for 'how is product X doing overall?';
    for a period or a set of tests use generate_quality_report, for the tests themselves list_tests. Answers
    from the cache (see data_as_of; sync_data refreshes).`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const product = requireProduct(ctx, args.product_id);
    const bugs = ctx.repos.bugs.outcomeCounts({ productId: product.id });
    const rates = computeRates(bugs.by_status);
    const coverage = ctx.repos.tests.syncCoverage({ productId: product.id });
    const warnings: string[] = [];
    if (product.tests_synced_at === null) {
      warnings.push(
        `The tests of product ${product.id} have not been synced yet: call sync_data with its id`,
      );
    } else if (coverage.bugs_unsynced > 0) {
      warnings.push(
        `The bugs of ${coverage.bugs_unsynced} of ${coverage.tests} test(s) have not been synced yet: ` +
          "bug counts may be low until sync_data completes",
      );
    }
    const {
      default_section_id: _d,
      features_synced_at,
      tests_synced_at,
      section_count: _s,
      ...rest
    } = product;
    return {
      product: {
        ...rest,
        sections: ctx.repos.products.sections(product.id).map(({ id, name }) => ({ id, name })),
        tests_by_status: ctx.repos.tests.countByStatus(product.id),
        user_story_count: ctx.repos.features.counts(product.id).user_stories,
        bugs_by_status: bugs.by_status,
        bugs_by_severity: ctx.repos.bugs.severityCounts({ productId: product.id }),
        rates,
        health: health(rates, ctx.config.thresholds),
      },
      data_as_of: oldestStamp(
        product.last_synced,
        features_synced_at,
        tests_synced_at,
        coverage.oldest_bugs_synced_at,
      ),
      ...warningsIf(warnings),
    };
  },
});
