/**
 * What a sync would fetch, per product, without writing anything (`sync --dry-run`).
 * @module
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage } from "../errors.ts";
import { MAX_BUG_TEST_IDS, type TestIOClient } from "../testio/client.ts";
import { featureSource } from "./features.ts";
import { PAGE_SIZE } from "./pages.ts";
import { isFatal } from "./pipeline.ts";
import { areBugsStale, areFeaturesStale, ttlCutoff } from "./rules.ts";
import { resolveScope, resolveSince } from "./scope.ts";
import type { SyncMode, SyncOptions } from "./types.ts";

/** One product's line of a dry run. */
export interface DryRunProduct {
  id: number;
  name: string;
  /** Whether its features (and user stories) would be fetched. */
  features: "fetch" | "cached";
  /** Feature and user-story requests that implies. */
  feature_requests: number;
  /** Test-list pages a sync would read (read for incremental; estimated from the cache for full). */
  test_pages: number;
  /** New tests found by the read-only walk (incremental), null when not walked (full). */
  new_tests: number | null;
  /** Cached mutable tests older than the TTL that would be refreshed. */
  stale_tests: number;
  /** `GET bugs` batches of 15 tests. */
  bug_batches: number;
}

/** What a sync would fetch, without writing anything. */
export interface DryRunReport {
  mode: SyncMode;
  since: string | null;
  products: DryRunProduct[];
  /** Requests a sync would make, roughly. */
  requests_estimate: number;
  /** Requests this dry run made to find out. */
  requests_made: number;
  warnings: string[];
}

/** What a dry run reads: the cache, settings, the API client and the engine's close signal. */
export interface DryRunDeps {
  repos: Repositories;
  config: Config;
  client: TestIOClient;
  closed: AbortSignal;
}

/**
 * What a sync with these options would fetch, per product, without writing: one products request,
 * and for an incremental sync a read-only walk of each product's newest pages up to the first
 * known test.
 *
 * @throws {InputError} for product ids outside TESTIO_PRODUCT_IDS or an unreadable since-date.
 */
export async function dryRun(
  deps: DryRunDeps,
  opts: Omit<SyncOptions, "trigger" | "onProgress">,
): Promise<DryRunReport> {
  const { client } = deps;
  const scope = resolveScope(deps.config, opts.productIds);
  const { since, mode } = resolveSince(deps.config, opts);
  const signal = AbortSignal.any([deps.closed, ...(opts.signal ? [opts.signal] : [])]);
  const before = client.requestCount;
  const repos = deps.repos;
  const cutoff = ttlCutoff(new Date(), deps.config.cacheTtlSeconds);
  const listed = await client.listProducts({ signal });
  const products = scope ? listed.products.filter((p) => scope.includes(p.id)) : listed.products;
  const warnings = [...listed.warnings];
  const lines = await Promise.all(products.map(async (p): Promise<DryRunProduct> => {
    const row = repos.products.get(p.id);
    const featuresDue = mode === "full" || areFeaturesStale(row?.features_synced_at ?? null, cutoff);
    const src = featureSource(p);
    const cached = repos.tests.count(p.id);
    let walk = { pages: Math.floor(cached / PAGE_SIZE) + 1, fresh: null as number | null };
    if (mode === "incremental" && cached > 0) {
      walk = await peekNewTests(deps, p.id, since, signal).catch((err) => {
        if (isFatal(err)) throw err;
        warnings.push(`Product ${p.id}: test list not readable: ${errorMessage(err)}`);
        return walk;
      });
    }
    const scoped = repos.tests.scopeStamps([p.id], since);
    const bugTests = mode === "full" ? scoped.length : scoped.filter((t) => areBugsStale(t, cutoff)).length;
    return {
      id: p.id,
      name: p.name,
      features: featuresDue ? "fetch" : "cached",
      feature_requests: featuresDue ? (src.hasSections ? src.sectionIds.length : 1) * 2 : 0,
      test_pages: walk.pages,
      new_tests: walk.fresh,
      stale_tests: mode === "incremental" ? repos.tests.staleMutable(p.id, cutoff, since).length : 0,
      bug_batches: Math.ceil((bugTests + (walk.fresh ?? 0)) / MAX_BUG_TEST_IDS),
    };
  }));
  return {
    mode,
    since,
    products: lines,
    requests_estimate: 1 + lines.reduce(
      (n, l) => n + l.feature_requests + l.test_pages + l.stale_tests + l.bug_batches,
      0,
    ),
    requests_made: client.requestCount - before,
    warnings,
  };
}

/** Reads a product's newest pages, without storing them, up to the first page with a cached test. */
async function peekNewTests(
  deps: DryRunDeps,
  productId: number,
  since: string | null,
  signal: AbortSignal,
): Promise<{ pages: number; fresh: number }> {
  let fresh = 0;
  for (let page = 1;; page++) {
    const r = await deps.client.listTestsPage(productId, page, PAGE_SIZE, { signal });
    const known = deps.repos.tests.existingIds(r.tests.map((t) => t.id));
    fresh += r.tests.filter((t) => !known.has(t.id) && (!since || t.end_at === null || t.end_at >= since))
      .length;
    if (known.size || r.received < PAGE_SIZE || page >= deps.config.maxPages) {
      return { pages: page, fresh };
    }
  }
}
