/**
 * Features and user stories of one product (docs/domain.md, Entities; docs/testio-api.md, Sections): products with sections list
 * their features per section (the plain endpoint answers 422 for them), merged by id with the section
 * ids recorded; user stories stay the title strings on features, with ids joined only where an exact
 * title match is unambiguous.
 *
 * @example
 * ```ts
 * import type { ApiProduct } from "../testio/schemas.ts";
 * import type { SyncDeps } from "./refresh.ts";
 *
 * declare const deps: SyncDeps;
 * declare const product: ApiProduct;
 * const { features, userStories, warnings } = await syncProductFeatures(deps, featureSource(product));
 * ```
 */
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage } from "../errors.ts";
import type { TestIOClient } from "../testio/client.ts";
import { hasSections, sectionIds } from "../testio/sections.ts";
import { type ApiProduct, ProductSchema } from "../testio/schemas.ts";
import { featureInputs, joinUserStories, mergeFeatures } from "./mapping.ts";
import { writeFeatures } from "./store.ts";
import { throwIfCancelled } from "./cancel.ts";

/** What the features endpoints need to know about a product. */
export interface FeatureSource {
  id: number;
  hasSections: boolean;
  /** Sections to query when `hasSections`. */
  sectionIds: number[];
}

/** The feature source of a product from the API. */
export function featureSource(p: ApiProduct): FeatureSource {
  return { id: p.id, hasSections: hasSections(p), sectionIds: sectionIds(p) };
}

/** The feature source of a cached product (from its stored payload), or undefined when not cached. */
export function cachedFeatureSource(repos: Repositories, productId: number): FeatureSource | undefined {
  const parsed = ProductSchema.safeParse(repos.products.rawOf(productId));
  return parsed.success ? featureSource(parsed.data) : undefined;
}

/** What one product's feature sync stored. */
export interface FeatureSync {
  features: number;
  userStories: number;
  warnings: string[];
}

/**
 * Fetches and stores a product's features with their user stories, in one transaction together with
 * `features_synced_at`. When a features request fails nothing is written (a partial list would delete
 * the features of the failed section) and the error is thrown; a failed user-stories request only
 * costs the story ids and is reported as a warning.
 */
export async function syncProductFeatures(
  deps: { repos: Repositories; client: TestIOClient },
  src: FeatureSource,
  signal?: AbortSignal,
): Promise<FeatureSync> {
  const { client, repos } = deps;
  const sections: (number | null)[] = src.hasSections ? src.sectionIds : [null];
  const [lists, stories] = await Promise.all([
    Promise.all(sections.map(async (sectionId) => {
      const r = sectionId === null
        ? await client.listFeatures(src.id, { signal })
        : await client.listSectionFeatures(src.id, sectionId, { signal });
      return { sectionId, features: r.features, warnings: r.warnings };
    })),
    Promise.allSettled(sections.map(async (sectionId) => {
      const r = await client.listUserStories(src.id, sectionId, { signal });
      return { sectionId, stories: r.userStories, warnings: r.warnings };
    })),
  ]);
  const warnings = lists.flatMap((l) => l.warnings);
  // Skipped feature records make the lists incomplete: keep what is cached and read them again later.
  const partial = warnings.length > 0;
  const failedStories = stories.find((s): s is PromiseRejectedResult => s.status === "rejected");
  const merged = mergeFeatures(lists);
  let join = null;
  if (failedStories) {
    warnings.push(
      `Product ${src.id}: user stories could not be read, so their ids are not linked: ${
        errorMessage(failedStories.reason)
      }`,
    );
  } else {
    const fulfilled = stories.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
    warnings.push(...fulfilled.flatMap((s) => s.warnings));
    join = joinUserStories(src.id, merged, fulfilled);
    warnings.push(...join.warnings);
  }
  throwIfCancelled(signal);
  const inputs = featureInputs(src.id, merged, join);
  writeFeatures(repos, src.id, inputs, new Date().toISOString(), { partial });
  if (partial) {
    warnings.push(
      `Product ${src.id}: features read only in part; cached features kept, read again next sync`,
    );
  }
  return {
    features: inputs.length,
    userStories: inputs.reduce((n, f) => n + f.user_stories.length, 0),
    warnings,
  };
}
