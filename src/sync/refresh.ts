/**
 * Fetch-and-store of single tests, bugs in batches of 15 test ids, and one product's features, with
 * in-flight de-duplication (docs/domain.md, Freshness: two callers needing the same test share one fetch). The
 * sync engine owns one {@link Refresher}; its runs and the read-through freshness layer both go
 * through it, so a tool asking for a test the sync is fetching right now waits for that fetch.
 *
 * @example
 * ```ts
 * declare const refresher: Refresher;
 * const outcomes = await refresher.tests([300123, 300124]);
 * outcomes.get(300123); // { ok: true, inserted: false }
 * ```
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage, PayloadError, UpstreamError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_BUG_TEST_IDS, type TestIOClient } from "../testio/client.ts";
import type { ApiBug } from "../testio/schemas.ts";
import { isCancellation } from "./cancel.ts";
import { cachedFeatureSource, type FeatureSync, syncProductFeatures } from "./features.ts";
import { storeBugs, writeProducts, writeTests } from "./store.ts";
import { WriteQueue } from "./write_queue.ts";

/** What the sync side needs: the cache, the API client, settings and a logger. */
export interface SyncDeps {
  repos: Repositories;
  client: TestIOClient;
  config: Config;
  log: Logger;
}

/** The outcome of refreshing one entity. */
export type RefreshOutcome =
  | { ok: true; inserted?: boolean; updated?: boolean }
  | {
    ok: false;
    /** The API says it does not exist (404). */
    notFound: boolean;
    error: string;
    /** The refresh was cancelled (not a failure of the API). */
    cancelled: boolean;
    /** The failure is local, not the API's: the cache could not be written (a full disk, say). */
    local: boolean;
  };

/** The outcome of one bug batch. */
export interface BugBatch {
  testIds: number[];
  /** Bugs written. */
  bugs: number;
  warnings: string[];
  outcome: RefreshOutcome;
}

function failure(err: unknown): RefreshOutcome {
  const cancelled = isCancellation(err);
  return {
    ok: false,
    notFound: err instanceof UpstreamError && err.status === 404,
    error: errorMessage(err),
    cancelled,
    local: !cancelled && !(err instanceof UpstreamError) && !(err instanceof PayloadError),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Fetch-and-store operations with in-flight de-duplication. */
export class Refresher {
  readonly #deps: SyncDeps;
  readonly #tests = new Map<number, Promise<RefreshOutcome>>();
  readonly #bugs = new Map<number, Promise<BugBatch>>();
  readonly #features = new Map<number, Promise<FeatureSync>>();
  readonly #products = new Map<number, Promise<boolean>>();
  /** Bug batches ready at the same time are committed together. */
  readonly #bugWrites: WriteQueue;

  constructor(deps: SyncDeps) {
    this.#deps = deps;
    this.#bugWrites = new WriteQueue((fn) => deps.repos.write(fn));
  }

  /**
   * Fetches tests by id (`GET exploratory_tests/{id}`) and stores them. A test whose product is not
   * cached brings its product along when the product is in scope. Never throws: each id gets an
   * outcome (a 404 is `notFound`).
   */
  async tests(ids: readonly number[], signal?: AbortSignal): Promise<Map<number, RefreshOutcome>> {
    const unique = [...new Set(ids)];
    const results = await Promise.all(unique.map((id) => {
      let pending = this.#tests.get(id);
      if (!pending) {
        pending = this.#fetchTest(id, signal).finally(() => this.#tests.delete(id));
        this.#tests.set(id, pending);
      }
      return pending;
    }));
    return new Map(unique.map((id, i) => [id, results[i]]));
  }

  async #fetchTest(id: number, signal?: AbortSignal): Promise<RefreshOutcome> {
    try {
      const test = await this.#deps.client.getTest(id, { signal });
      if (!(await this.#ensureProduct(test.product_id, signal))) {
        return {
          ok: false,
          notFound: false,
          cancelled: false,
          local: false,
          error: `test ${id} belongs to product ${test.product_id}, outside TESTIO_PRODUCT_IDS`,
        };
      }
      const written = writeTests(this.#deps.repos, [test], new Date().toISOString());
      return { ok: true, inserted: written.inserted > 0, updated: written.updated > 0 };
    } catch (err) {
      return failure(err);
    }
  }

  /** Makes sure a product row exists (tests need it); false when the product is outside the scope. */
  #ensureProduct(productId: number, signal?: AbortSignal): Promise<boolean> {
    const scope = this.#deps.config.productIds;
    if (scope && !scope.includes(productId)) return Promise.resolve(false);
    if (this.#deps.repos.products.get(productId)) return Promise.resolve(true);
    let pending = this.#products.get(productId);
    if (!pending) {
      pending = (async () => {
        const product = await this.#deps.client.getProduct(productId, { signal });
        writeProducts(this.#deps.repos, [product], new Date().toISOString());
        return true;
      })().finally(() => this.#products.delete(productId));
      this.#products.set(productId, pending);
    }
    return pending;
  }

  /**
   * Fetches and stores the bugs of the given (cached) tests in batches of 15 test ids, each batch in a
   * transaction with the tests' `bugs_synced_at` (batches whose answers arrive together share one). Ids already in flight join that batch. A bug of a
   * test missing from the cache brings the test along. Never throws: each batch has an outcome.
   * `onBatch` is told of every batch this call started, when it settles.
   */
  async bugs(
    testIds: readonly number[],
    signal?: AbortSignal,
    onBatch?: (batch: BugBatch, done: number, total: number) => void,
  ): Promise<BugBatch[]> {
    const unique = [...new Set(testIds)];
    const joined = new Set<Promise<BugBatch>>();
    const fresh: number[] = [];
    for (const id of unique) {
      const pending = this.#bugs.get(id);
      if (pending) joined.add(pending);
      else fresh.push(id);
    }
    const batches = chunks(fresh, MAX_BUG_TEST_IDS);
    let done = 0;
    const started = batches.map((ids) => {
      const pending = this.#fetchBugs(ids, signal).then((batch) => {
        onBatch?.(batch, ++done, batches.length);
        return batch;
      }).finally(() => {
        for (const id of ids) this.#bugs.delete(id);
      });
      for (const id of ids) this.#bugs.set(id, pending);
      return pending;
    });
    return await Promise.all([...started, ...joined]);
  }

  async #fetchBugs(testIds: number[], signal?: AbortSignal): Promise<BugBatch> {
    const batch: BugBatch = { testIds, bugs: 0, warnings: [], outcome: { ok: true } };
    try {
      const { bugs, warnings } = await this.#deps.client.listBugs(testIds, { signal });
      batch.warnings.push(...warnings);
      await this.#fetchMissingTests(bugs, testIds, signal, batch.warnings);
      // Skipped records make the answer incomplete: deleting what it lacks would destroy good rows.
      const partial = warnings.length > 0;
      const written = await this.#bugWrites.run(() =>
        storeBugs(this.#deps.repos, testIds, bugs, new Date().toISOString(), { partial })
      );
      if (partial) {
        batch.warnings.push(
          `Bugs of tests ${testIds.join(",")}: ${warnings.length} invalid record${
            warnings.length > 1 ? "s" : ""
          } skipped; cached bugs kept, the tests are read again next time`,
        );
      }
      batch.bugs = written.written;
      for (const orphan of written.orphans) {
        batch.warnings.push(`Bug ${orphan.id} skipped: its test ${orphan.test_id} could not be stored`);
      }
      for (const k of written.kept) {
        batch.warnings.push(
          `Bugs of test ${k.testId}: the API returned no bugs for this finished test; its ${k.bugs} cached ` +
            `bugs were kept (the token may have lost access to its product)`,
        );
      }
    } catch (err) {
      batch.outcome = failure(err);
    }
    return batch;
  }

  /** docs/domain.md, Entities: a bug's test must exist; fetch it when the cache lacks it. */
  async #fetchMissingTests(
    bugs: readonly ApiBug[],
    requested: readonly number[],
    signal: AbortSignal | undefined,
    warnings: string[],
  ): Promise<void> {
    const named = [...new Set(bugs.map((b) => b.test_id))].filter((id) => !requested.includes(id));
    if (!named.length) return;
    const cached = this.#deps.repos.tests.existingIds(named);
    const missing = named.filter((id) => !cached.has(id));
    if (!missing.length) return;
    for (const [id, outcome] of await this.tests(missing, signal)) {
      if (!outcome.ok) {
        warnings.push(`Test ${id} of some bugs is not cached and could not be fetched: ${outcome.error}`);
      }
    }
  }

  /**
   * Fetches and stores one cached product's features and user stories.
   *
   * @throws the API error when a features request fails (nothing is written then).
   */
  features(productId: number, signal?: AbortSignal): Promise<FeatureSync> {
    let pending = this.#features.get(productId);
    if (!pending) {
      const src = cachedFeatureSource(this.#deps.repos, productId);
      if (!src) return Promise.reject(new Error(`Product ${productId} is not cached`));
      pending = syncProductFeatures(this.#deps, src, signal).finally(() => this.#features.delete(productId));
      this.#features.set(productId, pending);
    }
    return pending;
  }
}
