/**
 * Pure mapping from parsed API entities to the repositories' input types, plus the two joins the API
 * leaves to the client: features merged across sections, and user-story ids matched to the title
 * strings on features where the match is unambiguous (docs/domain.md, Entities).
 *
 * @example
 * ```ts
 * import type { ApiFeature, ApiTest } from "../testio/schemas.ts";
 *
 * declare const apiTest: ApiTest;
 * declare const a: ApiFeature[], b: ApiFeature[];
 * const input = testInput(apiTest);
 * const users = customersOf(apiTest);
 * const merged = mergeFeatures([{ sectionId: 11, features: a }, { sectionId: 12, features: b }]);
 * ```
 */
import type { BugInput } from "../db/repos/bugs.ts";
import type { FeatureInput } from "../db/repos/features.ts";
import type { ProductInput, SectionInput } from "../db/repos/products.ts";
import type { TestInput } from "../db/repos/tests.ts";
import type { UserSighting } from "../db/repos/users.ts";
import type { ApiBug, ApiFeature, ApiProduct, ApiTest, ApiUserStory } from "../testio/schemas.ts";

/** A product with every section the API lists for it (the implicit default section included). */
export function productInput(p: ApiProduct): ProductInput {
  const sections = new Map<number, SectionInput>();
  for (const s of [...p.sections_with_default, ...p.sections]) {
    if (sections.has(s.id)) continue;
    sections.set(s.id, { id: s.id, name: s.name ?? "", is_default: s.id === p.default_section_id });
  }
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    description: p.description,
    has_sections: p.sections.length > 0 || p.sections_with_default.length > 1,
    default_section_id: p.default_section_id,
    sections: [...sections.values()],
    raw: p.raw,
  };
}

/** A test as stored; the environment keeps only `{id, title}` (the schema already dropped the rest). */
export function testInput(t: ApiTest): TestInput {
  return {
    id: t.id,
    product_id: t.product_id,
    section_id: t.section?.id ?? null,
    section_name: t.section?.name ?? null,
    title: t.title,
    status: t.status,
    review_status: t.review_status,
    testing_type: t.testing_type,
    goal: t.goal,
    instructions: t.instructions,
    out_of_scope: t.out_of_scope,
    start_at: t.start_at,
    end_at: t.end_at,
    test_environment: t.test_environment
      ? { id: t.test_environment.id, title: t.test_environment.title ?? "" }
      : null,
    created_by: t.created_by,
    submitted_by: t.submitted_by,
    features: t.features.map((f) => ({
      id: f.id,
      feature_id: f.feature_id,
      title: f.title,
      user_stories: f.user_stories,
    })),
    platforms: t.platforms.map((p) => ({
      category: p.category,
      os: p.os,
      min_version: p.min_version,
      max_version: p.max_version,
      browsers: p.browsers,
    })),
  };
}

/** Customer users named by a test (creator and submitter), seen when the test starts. */
export function customersOf(t: ApiTest): UserSighting[] {
  const seenAt = t.start_at ?? t.end_at;
  const names = new Set([t.created_by, t.submitted_by].filter((n): n is string => !!n));
  return [...names].map((username) => ({ username, user_type: "customer", seen_at: seenAt }));
}

/**
 * A bug as stored. `featureId` is the global feature resolved through the bug's test-feature; the
 * bug's own `feature.id` is the fallback when the test-feature is unknown.
 */
export function bugInput(b: ApiBug, productId: number, featureId: number | null): BugInput {
  return {
    id: b.id,
    test_id: b.test_id,
    product_id: productId,
    test_feature_id: b.test_feature_id,
    feature_id: featureId ?? b.feature?.id ?? null,
    title: b.title,
    severity: b.severity,
    status: b.status,
    auto_accepted: b.auto_accepted,
    known: b.known,
    rejection_reason: b.rejection_reason,
    actual_result: b.actual_result,
    expected_result: b.expected_result,
    steps: b.steps,
    location: b.location,
    author: b.author,
    reported_at: b.reported_at,
    comments_count: b.comments_count,
    devices: b.devices.map((d) => ({ category: d.category, os: d.os, browsers: d.browsers, name: d.name })),
  };
}

/** The tester who reported a bug, seen when it was reported. */
export function testersOf(b: ApiBug): UserSighting[] {
  return b.author ? [{ username: b.author, user_type: "tester", seen_at: b.reported_at }] : [];
}

/** A feature merged across the sections that list it. */
export interface MergedFeature {
  feature: ApiFeature;
  /** Sections it was listed under, ascending; empty for products without sections. */
  sectionIds: number[];
}

/**
 * Merges feature lists by id (a feature of a sectioned product appears under every section that
 * shares it). `sectionId` null marks the plain endpoint. The first copy of a feature wins.
 */
export function mergeFeatures(
  lists: readonly { sectionId: number | null; features: readonly ApiFeature[] }[],
): MergedFeature[] {
  const byId = new Map<number, MergedFeature>();
  for (const { sectionId, features } of lists) {
    for (const f of features) {
      const entry = byId.get(f.id) ?? { feature: f, sectionIds: [] };
      if (sectionId !== null && !entry.sectionIds.includes(sectionId)) entry.sectionIds.push(sectionId);
      byId.set(f.id, entry);
    }
  }
  for (const entry of byId.values()) entry.sectionIds.sort((a, b) => a - b);
  return [...byId.values()];
}

/** The result of matching user-story ids to feature story titles. */
export interface StoryJoin {
  /** Per feature id: the api id of each story title by position, null where ambiguous or unmatched. */
  idsByFeature: Map<number, (number | null)[]>;
  /** Consistency problems (docs/domain.md, Entities), as warnings. */
  warnings: string[];
}

/**
 * Joins user stories (which carry ids but no feature) to the title strings on features. A title gets
 * an id only when exactly one story has it and exactly one feature position carries it. A story
 * listed under a section its matched feature is not in is reported, never dropped.
 */
export function joinUserStories(
  productId: number,
  features: readonly MergedFeature[],
  lists: readonly { sectionId: number | null; stories: readonly ApiUserStory[] }[],
): StoryJoin {
  const idsByTitle = new Map<string, Set<number>>();
  const sectionsOfStory = new Map<number, Set<number>>();
  for (const { sectionId, stories } of lists) {
    for (const s of stories) {
      const ids = idsByTitle.get(s.title) ?? new Set<number>();
      ids.add(s.id);
      idsByTitle.set(s.title, ids);
      if (sectionId !== null) {
        const sections = sectionsOfStory.get(s.id) ?? new Set<number>();
        sections.add(sectionId);
        sectionsOfStory.set(s.id, sections);
      }
    }
  }
  const positions = new Map<string, number>();
  for (const { feature } of features) {
    for (const title of feature.user_stories) positions.set(title, (positions.get(title) ?? 0) + 1);
  }
  const warnings: string[] = [];
  const idsByFeature = new Map<number, (number | null)[]>();
  for (const { feature, sectionIds } of features) {
    idsByFeature.set(
      feature.id,
      feature.user_stories.map((title) => {
        const ids = idsByTitle.get(title);
        if (!ids || ids.size !== 1 || positions.get(title) !== 1) return null;
        const [id] = ids;
        const foreign = [...(sectionsOfStory.get(id) ?? [])].filter((s) => !sectionIds.includes(s));
        if (foreign.length) {
          warnings.push(
            `Product ${productId}: user story ${id} is listed under section ${
              foreign.join(", ")
            } but its feature ${feature.id} is not`,
          );
        }
        return id;
      }),
    );
  }
  return { idsByFeature, warnings };
}

/** Feature rows of one product from merged features and the story join. */
export function featureInputs(
  productId: number,
  features: readonly MergedFeature[],
  join: StoryJoin | null,
): FeatureInput[] {
  return features.map(({ feature, sectionIds }) => ({
    id: feature.id,
    product_id: productId,
    title: feature.title,
    description: feature.description,
    howtofind: feature.howtofind,
    section_ids: sectionIds,
    user_stories: feature.user_stories,
    user_story_ids: join?.idsByFeature.get(feature.id),
    raw: feature.raw,
  }));
}
