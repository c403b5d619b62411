/**
 * One product's pipeline of a sync run (docs/domain.md, Sync): its features when due, its test walk, the
 * retry of tests whose list records failed validation, then its bugs, queued on the run's
 * {@link BugFeed}. The engine (engine.ts) runs one pipeline per product and owns the run itself.
 * @module
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage, PayloadError, UpstreamError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TestIOClient } from "../testio/client.ts";
import type { ApiProduct } from "../testio/schemas.ts";
import type { BugFeed } from "./bug_feed.ts";
import { isCancellation, throwIfCancelled } from "./cancel.ts";
import { discoverTests, type DiscoveryResult } from "./discovery.ts";
import type { Refresher } from "./refresh.ts";
import { areBugsStale, ttlCutoff } from "./rules.ts";
import type { SyncMode, SyncProgress, SyncSummary } from "./types.ts";

/** What a pipeline works with: the cache, settings, a logger and the engine's refresher. */
export interface PipelineDeps {
  repos: Repositories;
  config: Config;
  log: Logger;
  refresher: Refresher;
}

/** The counters of a run, as stored in its sync event. */
export type Counters = Pick<
  SyncSummary,
  | "products_synced"
  | "features_synced"
  | "user_stories_synced"
  | "tests_discovered"
  | "tests_updated"
  | "bugs_synced"
>;

/** The `sync_metadata` key of a product's tests whose list records failed validation. */
export function skippedTestsKey(productId: number): string {
  return `tests.skipped.${productId}`;
}

/** A JSON array of ids as stored under {@link skippedTestsKey}; [] when absent or unreadable. */
function readIds(text: string | undefined): number[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is number => Number.isSafeInteger(v) && v > 0) : [];
  } catch {
    return [];
  }
}

/** Errors that end a whole run rather than one product's part of it. */
export function isFatal(err: unknown): boolean {
  if (isCancellation(err)) return true;
  if (err instanceof UpstreamError) return err.status === 401;
  return !(err instanceof PayloadError);
}

/** One run, as its product pipelines see it. */
export interface Run {
  client: TestIOClient;
  scope: readonly number[] | null;
  since: string | null;
  mode: SyncMode;
  signal: AbortSignal;
  stop: AbortController;
  eventId: number;
  counters: Counters;
  warnings: string[];
  progress: (p: SyncProgress) => void;
}

/** What the product pipelines of a run share. */
export interface Pipelines {
  /** Products whose features are due. */
  featureDue: Set<number>;
  /** Products whose features this run fetched. */
  featuresSynced: Set<number>;
  /** Products whose test list could not be read. */
  unreadProducts: Set<number>;
  feed: BugFeed;
  /** Progress: a product's features settled. */
  featureDone(p: ApiProduct): void;
  /** Progress: a product's walk stored its page `pages`. */
  pageDone(p: ApiProduct, pages: number): void;
  /** Progress: a product's walk ended (read to its end or failed). */
  walkEnded(p: ApiProduct): void;
  /** Progress: what a product's test phase is doing now. */
  testsNote(p: ApiProduct, message: string): void;
}

/**
 * One product's part of a run, in the order of docs/domain.md (Sync): its features (when due), its test
 * walk, then its bugs. In a full sync the walk queues every test it stores for its bugs, so bug
 * batches start while later pages are still being read; an incremental sync queues the stale ones
 * once the walk and the refresh of stale tests are done. A failure of this product alone becomes a
 * warning; a fatal one (cancellation, a rejected token) is thrown and stops the other products.
 */
export async function syncProduct(
  deps: PipelineDeps,
  p: ApiProduct,
  run: Run,
  shared: Pipelines,
): Promise<void> {
  const { mode, since, signal, counters, warnings } = run;
  const refresher = deps.refresher;
  const tolerate = (what: string, err: unknown) => {
    if (isFatal(err)) throw err;
    warnings.push(`${what}: ${errorMessage(err)}`);
  };

  if (shared.featureDue.has(p.id)) {
    try {
      const r = await refresher.features(p.id, signal);
      counters.features_synced += r.features;
      counters.user_stories_synced += r.userStories;
      warnings.push(...r.warnings);
      shared.featuresSynced.add(p.id);
    } catch (err) {
      tolerate(`Product ${p.id}: features not synced`, err);
    } finally {
      shared.featureDone(p);
    }
  }

  let walk: DiscoveryResult;
  try {
    walk = await discoverTests({
      deps: { repos: deps.repos, client: run.client, config: deps.config, log: deps.log },
      productId: p.id,
      mode,
      since,
      eventId: run.eventId,
      signal,
      onPage: (n, stored) => {
        shared.pageDone(p, n);
        if (mode === "full") shared.feed.add(stored);
      },
    });
  } catch (err) {
    shared.unreadProducts.add(p.id);
    tolerate(`Product ${p.id}: tests not synced`, err);
    return;
  } finally {
    shared.walkEnded(p);
  }
  counters.tests_discovered += walk.inserted;
  counters.tests_updated += walk.updated;
  warnings.push(...walk.warnings);
  await checkTestFeatures(deps, p, shared.featuresSynced, signal, warnings);

  await retrySkipped(deps, p, walk.skipped, signal, warnings);

  // Tests whose own refresh failed keep their cached bugs: the bugs endpoint silently leaves out
  // tests the token cannot see, and an empty answer would wipe good data.
  const unreadTests = new Set<number>();
  if (walk.staleLeft.length) {
    shared.testsNote(p, `Tests of ${p.name}: refreshing ${walk.staleLeft.length} stale tests`);
    for (const [id, outcome] of await refresher.tests(walk.staleLeft, signal)) {
      if (outcome.ok) counters.tests_updated += outcome.updated ? 1 : 0;
      else if (outcome.cancelled) throwIfCancelled(signal);
      else {
        unreadTests.add(id);
        warnings.push(`Test ${id}: refresh failed, cached copy kept: ${outcome.error}`);
      }
    }
  }

  // Bugs: after a full walk every test of the product in scope (those the walk queued already are
  // not queued again); otherwise the stale ones.
  const cutoff = ttlCutoff(new Date(), deps.config.cacheTtlSeconds);
  shared.feed.add(
    deps.repos.tests.scopeStamps([p.id], since)
      .filter((t) => !unreadTests.has(t.id) && (mode === "full" || areBugsStale(t, cutoff)))
      .map((t) => t.id),
  );
}

/**
 * Tests whose records in the test list failed validation are not stored, and an incremental walk
 * stops before it reaches them again. They are fetched one by one (`GET exploratory_tests/{id}`)
 * right after the walk; those still unreadable are kept per product (`sync_metadata`
 * `tests.skipped.<product>`) and fetched again by every later sync until they can be read or are
 * gone (404). Ids the walk stored meanwhile (the record was fixed) drop out.
 */
async function retrySkipped(
  deps: PipelineDeps,
  product: ApiProduct,
  skippedNow: readonly number[],
  signal: AbortSignal,
  warnings: string[],
): Promise<void> {
  const key = skippedTestsKey(product.id);
  const before = readIds(deps.repos.syncEvents.getMeta(key));
  const cached = deps.repos.tests.existingIds([...before, ...skippedNow]);
  const retry = [...new Set([...before, ...skippedNow])].filter((id) => !cached.has(id));
  const left = new Set<number>();
  if (retry.length) {
    for (const [id, outcome] of await deps.refresher.tests(retry, signal)) {
      if (outcome.ok || outcome.notFound) continue;
      if (outcome.cancelled) throwIfCancelled(signal);
      left.add(id);
      warnings.push(`Test ${id} of product ${product.id} is still unreadable: ${outcome.error}`);
    }
  }
  if (left.size) {
    deps.repos.syncEvents.setMeta(key, JSON.stringify([...left].sort((a, b) => a - b)));
    warnings.push(
      `Product ${product.id}: the next sync fetches test${left.size > 1 ? "s" : ""} ${
        [...left].join(", ")
      } again`,
    );
  } else if (before.length) {
    deps.repos.syncEvents.deleteMeta(key);
  }
}

/**
 * docs/domain.md, Entities: a test-feature's feature must exist. Features unknown to the cache trigger one
 * fetch of the product's features (unless this run already fetched them); what is still unknown
 * after that is reported.
 */
async function checkTestFeatures(
  deps: PipelineDeps,
  product: ApiProduct,
  featuresSynced: Set<number>,
  signal: AbortSignal,
  warnings: string[],
): Promise<void> {
  let unknown = deps.repos.tests.unknownFeatureIds(product.id);
  if (unknown.length && !featuresSynced.has(product.id)) {
    try {
      const r = await deps.refresher.features(product.id, signal);
      warnings.push(...r.warnings);
      featuresSynced.add(product.id);
    } catch (err) {
      if (isFatal(err)) throw err;
      warnings.push(`Product ${product.id}: features not synced: ${errorMessage(err)}`);
    }
    unknown = deps.repos.tests.unknownFeatureIds(product.id);
  }
  if (unknown.length) {
    warnings.push(
      `Product ${product.id}: tests name feature${unknown.length > 1 ? "s" : ""} ${
        unknown.slice(0, 5).join(", ")
      }${
        unknown.length > 5 ? ` (+${unknown.length - 5} more)` : ""
      } that the features endpoint does not list`,
    );
  }
}
