/**
 * The write paths of the sync and of read-through refreshes: each call is one transaction, opened
 * and committed synchronously, so no transaction ever spans an `await` and a cancelled request never
 * leaves half a page or half a batch behind.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 * import type { ApiBug, ApiTest } from "../testio/schemas.ts";
 *
 * declare const repos: Repositories, tests: ApiTest[], bugs: ApiBug[];
 * const syncedAt = new Date().toISOString();
 * const { inserted, updated } = writeTests(repos, tests, syncedAt, () => {}); // the callback saves the cursor
 * writeBugs(repos, tests.map((t) => t.id), bugs, syncedAt);
 * ```
 */
import type { Repositories } from "../db/repos/index.ts";
import type { FeatureInput } from "../db/repos/features.ts";
import { isFinalStatus } from "../domain/tests.ts";
import type { ApiBug, ApiProduct, ApiTest } from "../testio/schemas.ts";
import { bugInput, customersOf, productInput, testersOf, testInput } from "./mapping.ts";

/** Counts of one test write. */
export interface TestWrite {
  /** Tests not cached before. */
  inserted: number;
  /** Tests cached before whose stored fields changed (an identical test only gets its stamp). */
  updated: number;
}

function uniqueById<T extends { id: number }>(items: readonly T[]): T[] {
  const byId = new Map<number, T>();
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()];
}

/**
 * Upserts tests (with features, platforms and their customer users) in one transaction; `extra` runs
 * inside it (the sync cursor of a page). Tests whose product is not cached must be filtered out first.
 */
export function writeTests(
  repos: Repositories,
  tests: readonly ApiTest[],
  syncedAt: string,
  extra?: () => void,
): TestWrite {
  const unique = uniqueById(tests);
  return repos.write(() => {
    const existing = repos.tests.existingIds(unique.map((t) => t.id));
    const changed = repos.tests.upsertMany(unique.map(testInput), syncedAt);
    repos.users.upsertSeen(unique.flatMap((t) => customersOf(t, syncedAt)));
    extra?.();
    const inserted = unique.length - existing.size;
    return { inserted, updated: changed - inserted };
  });
}

/** What {@link writeBugs} did. */
export interface BugWrite {
  /** Bugs written. */
  written: number;
  /** Bugs left out because their test is not cached. */
  orphans: ApiBug[];
  /**
   * Final tests the API answered with no bugs although the cache holds some: their bugs were kept
   * and their `bugs_synced_at` left as it was (with the count of bugs kept).
   */
  kept: { testId: number; bugs: number }[];
}

/**
 * Replaces the bugs of `testIds` with `bugs` and stamps the tests' `bugs_synced_at`, in one
 * transaction. A bug's feature is resolved through its test-feature. Bugs whose test is not cached
 * are left out and returned (the caller fetches the test first, so this is rare).
 *
 * A final test never loses bugs, so an answer with none for a final test that has cached bugs
 * points at a permission or API problem (the bugs endpoint silently leaves out tests the token can
 * no longer see): those bugs are kept rather than wiped, and reported in `kept`.
 *
 * With `partial` (the answer had records that failed validation, so it is not the whole list) the
 * valid bugs are upserted, nothing is deleted and the tests are not stamped: the next refresh reads
 * them again.
 */
export function writeBugs(
  repos: Repositories,
  testIds: readonly number[],
  bugs: readonly ApiBug[],
  syncedAt: string,
  options: { partial?: boolean } = {},
): BugWrite {
  return repos.write(() => storeBugs(repos, testIds, bugs, syncedAt, options));
}

/** {@link writeBugs} inside a transaction the caller holds (one that may hold several batches). */
export function storeBugs(
  repos: Repositories,
  testIds: readonly number[],
  bugs: readonly ApiBug[],
  syncedAt: string,
  options: { partial?: boolean } = {},
): BugWrite {
  const unique = uniqueById(bugs);
  const stamps = repos.tests.stamps([...new Set([...testIds, ...unique.map((b) => b.test_id)])]);
  const productOf = new Map(stamps.map((s) => [s.id, s.product_id]));
  const answered = new Set(unique.map((b) => b.test_id));
  const silentFinal = stamps.filter((s) =>
    testIds.includes(s.id) && !answered.has(s.id) && isFinalStatus(s.status)
  ).map((s) => s.id);
  const cachedCounts = repos.bugs.countsByTest(silentFinal);
  const kept = silentFinal.flatMap((id) => {
    const n = cachedCounts.get(id) ?? 0;
    return n > 0 ? [{ testId: id, bugs: n }] : [];
  });
  const keep = new Set(kept.map((k) => k.testId));
  const featureOf = repos.tests.featureIdsOfTestFeatures(
    [...new Set(unique.flatMap((b) => b.test_feature_id === null ? [] : [b.test_feature_id]))],
  );
  const orphans: ApiBug[] = [];
  const inputs = unique.flatMap((b) => {
    const productId = productOf.get(b.test_id);
    if (productId === undefined) {
      orphans.push(b);
      return [];
    }
    return [
      bugInput(b, productId, b.test_feature_id === null ? null : featureOf.get(b.test_feature_id) ?? null),
    ];
  });
  const replaced = options.partial ? [] : testIds.filter((id) => productOf.has(id) && !keep.has(id));
  repos.bugs.replaceForTests(replaced, inputs, syncedAt);
  repos.users.upsertSeen(unique.flatMap(testersOf));
  return { written: inputs.length, orphans, kept };
}

/** Upserts products (and their sections) in one transaction. */
export function writeProducts(repos: Repositories, products: readonly ApiProduct[], syncedAt: string): void {
  repos.write(() => repos.products.upsertMany(products.map(productInput), syncedAt));
}

/**
 * Replaces a product's features and stamps its `features_synced_at`, in one transaction. With
 * `partial` (some records failed validation) the features are upserted, none is deleted and the
 * product is not stamped, so the next sync reads them again.
 */
export function writeFeatures(
  repos: Repositories,
  productId: number,
  features: readonly FeatureInput[],
  syncedAt: string,
  options: { partial?: boolean } = {},
): void {
  repos.write(() => {
    repos.features.replaceForProduct(productId, features, syncedAt, { removeOthers: !options.partial });
    if (!options.partial) repos.products.markFeaturesSynced(productId, syncedAt);
  });
}
