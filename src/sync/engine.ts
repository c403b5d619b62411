/**
 * The sync engine (docs/domain.md, Sync): products → features (and user stories) → tests → bugs, under the
 * sync lock, with a `sync_events` row per run.
 *
 * The phase order holds per product: after the one products call, each product runs its own pipeline
 * (its features, then its test walk, then its bugs) without waiting for the other products, so a run
 * takes as long as its largest product rather than the sum of every phase's slowest product. In a full
 * sync, bug batches start while the walk is still reading pages: each stored page queues its tests,
 * and a batch goes out whenever 15 test ids are queued (from any product); the rest go out when every
 * pipeline is done. Test-list pages, each waiting for the one before, go first in the request limit.
 *
 * The pages of one product run in order, each in its own transaction with the product's cursor; a bug
 * batch is one transaction with its tests' `bugs_synced_at`. Cancelling through the AbortSignal
 * aborts the requests in flight and commits nothing half-done.
 *
 * @example
 * ```ts
 * import type { SyncDeps } from "./refresh.ts";
 *
 * declare const deps: SyncDeps;
 * using engine = new SyncEngine(deps);
 * const summary = await engine.run({ mode: "incremental", trigger: "cli", onProgress: console.error });
 * summary.status; // "completed" | "completed_with_warnings" | "failed" | "cancelled"
 * ```
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage, missingTokenError, PayloadError, UpstreamError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_BUG_TEST_IDS, type TestIOClient } from "../testio/client.ts";
import type { ApiProduct } from "../testio/schemas.ts";
import { isCancellation, throwIfCancelled } from "./cancel.ts";
import { discoverTests, type DiscoveryResult } from "./discovery.ts";
import { featureSource } from "./features.ts";
import { acquireSyncLock, LOCK_WAIT_MS } from "./lock.ts";
import { PAGE_SIZE } from "./pages.ts";
import { type BugBatch, Refresher } from "./refresh.ts";
import { areBugsStale, areFeaturesStale, ttlCutoff } from "./rules.ts";
import { resolveScope, resolveSince } from "./scope.ts";
import { writeProducts } from "./store.ts";
import type { SyncMode, SyncOptions, SyncProgress, SyncSummary } from "./types.ts";
import { commandHint } from "../launch.ts";

/** Settings of a {@link SyncEngine}. */
export interface SyncEngineOptions {
  repos: Repositories;
  /** Null when no API token is configured: runs then fail with a settings error. */
  client: TestIOClient | null;
  config: Config;
  log: Logger;
  /** How long a run waits for another sync's lock, in ms (default 30 000). */
  lockWaitMs?: number;
}

/** The counters of a run, as stored in its sync event. */
type Counters = Pick<
  SyncSummary,
  | "products_synced"
  | "features_synced"
  | "user_stories_synced"
  | "tests_discovered"
  | "tests_updated"
  | "bugs_synced"
>;

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
function isFatal(err: unknown): boolean {
  if (isCancellation(err)) return true;
  if (err instanceof UpstreamError) return err.status === 401;
  return !(err instanceof PayloadError);
}

/** The error text of a failed run; a full disk names the cache file and what to do. */
function failureText(err: unknown, dbPath: string): string {
  // SQLITE_FULL's fixed text (node:sqlite in Deno carries no result code).
  if (/database or disk is full/.test(errorMessage(err))) {
    return `No space left to write the cache ${dbPath} (${errorMessage(err)}): free disk space or point ` +
      "TESTIO_DB_PATH at a disk with room, then sync again; what was written before is kept";
  }
  return errorMessage(err);
}

/**
 * Waits for every task; the first failure aborts the others (through `stop`) and is rethrown once all
 * have settled, so no task is still writing when the run ends.
 */
async function settle(tasks: Promise<unknown>[], stop: AbortController): Promise<void> {
  let failure: { err: unknown } | undefined;
  await Promise.all(tasks.map((t) =>
    t.catch((err) => {
      failure ??= { err };
      stop.abort();
    })
  ));
  if (failure) throw failure.err;
}

/**
 * Test ids waiting for their bugs, from every product of a run: a batch goes out as soon as 15 ids are
 * queued, the rest when {@link BugFeed.flush} is called. Each id is queued once per run.
 */
class BugFeed {
  readonly #send: (ids: number[]) => Promise<void>;
  readonly #queued = new Set<number>();
  readonly #sent: Promise<void>[] = [];
  #pending: number[] = [];

  constructor(send: (ids: number[]) => Promise<void>) {
    this.#send = send;
  }

  /** Queues the ids not queued before and sends every full batch. */
  add(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.#queued.has(id)) continue;
      this.#queued.add(id);
      this.#pending.push(id);
      if (this.#pending.length === MAX_BUG_TEST_IDS) this.#sent.push(this.#send(this.#pending.splice(0)));
    }
  }

  /** Sends what is queued as one last, short batch. */
  flush(): void {
    if (this.#pending.length) this.#sent.push(this.#send(this.#pending.splice(0)));
  }

  /** Resolves once every batch sent so far has settled; rejects then with the first failure. */
  async settled(): Promise<void> {
    const failed = (await Promise.allSettled(this.#sent)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** One run, as its product pipelines see it. */
interface Run {
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
interface Pipelines {
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

/** Runs syncs of one database; owns the fetch-and-store operations shared with the freshness layer. */
export class SyncEngine implements Disposable, AsyncDisposable {
  /** Fetch-and-store with in-flight de-duplication; null without an API client. */
  readonly refresher: Refresher | null;
  readonly #repos: Repositories;
  readonly #client: TestIOClient | null;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #lockWaitMs: number;
  readonly #closed = new AbortController();
  readonly #runs = new Set<Promise<unknown>>();

  constructor(options: SyncEngineOptions) {
    this.#repos = options.repos;
    this.#client = options.client;
    this.#config = options.config;
    this.#log = options.log.child({ component: "sync" });
    this.#lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
    this.refresher = options.client
      ? new Refresher({
        repos: options.repos,
        client: options.client,
        config: options.config,
        log: this.#log,
      })
      : null;
  }

  /** Whether a run of this engine is in progress. */
  get running(): boolean {
    return this.#runs.size > 0;
  }

  #requireClient(): TestIOClient {
    if (!this.#client) {
      throw missingTokenError(commandHint("demo"));
    }
    return this.#client;
  }

  /**
   * Runs one sync. Settings and scope problems, and a busy lock, are thrown before anything is
   * written; once the run has started, its outcome (failed and cancelled included) is returned as a
   * summary and recorded as a sync event.
   *
   * @throws {InputError} for product ids outside TESTIO_PRODUCT_IDS or an unreadable since-date.
   * @throws {SyncBusyError} when another sync holds the lock past the wait.
   * @throws {ConfigError} without an API token.
   */
  run(opts: SyncOptions): Promise<SyncSummary> {
    const run = this.#run(opts);
    const tracked = run.catch(() => {});
    this.#runs.add(tracked);
    tracked.finally(() => this.#runs.delete(tracked));
    return run;
  }

  async #run(opts: SyncOptions): Promise<SyncSummary> {
    const client = this.#requireClient();
    const scope = resolveScope(this.#config, opts.productIds);
    const { since, mode } = resolveSince(this.#config, opts);
    const cancelled = AbortSignal.any([this.#closed.signal, ...(opts.signal ? [opts.signal] : [])]);
    // Aborted too when one product fails fatally, so its siblings stop before the lock is released.
    const stop = new AbortController();
    const signal = AbortSignal.any([cancelled, stop.signal]);
    await using _lock = await acquireSyncLock({
      dbPath: this.#config.dbPath,
      waitMs: opts.lockWaitMs ?? this.#lockWaitMs,
      signal,
      log: this.#log,
    });
    const repos = this.#repos;
    const orphans = repos.syncEvents.failOrphans("The process running this sync ended before it finished");
    if (orphans) this.#log.warn("marked interrupted syncs as failed", { count: orphans });
    const eventId = repos.syncEvents.start({ trigger: opts.trigger, mode, productIds: scope ?? [] });
    const started = performance.now();
    const requestsBefore = client.requestCount;
    const counters: Counters = {
      products_synced: 0,
      features_synced: 0,
      user_stories_synced: 0,
      tests_discovered: 0,
      tests_updated: 0,
      bugs_synced: 0,
    };
    const warnings: string[] = [];
    const progress = (p: SyncProgress) => {
      try {
        opts.onProgress?.(p);
      } catch (err) {
        this.#log.debug("progress callback failed", { error: errorMessage(err) });
      }
    };
    this.#log.info("sync started", {
      event: eventId,
      trigger: opts.trigger,
      mode,
      since,
      products: scope ?? "all",
    });

    let status: SyncSummary["status"];
    let error: string | undefined;
    try {
      await this.#phases({ client, scope, since, mode, signal, stop, eventId, counters, warnings, progress });
      status = warnings.length ? "completed_with_warnings" : "completed";
    } catch (err) {
      if (isCancellation(err) || cancelled.aborted) {
        status = "cancelled";
        error = "Sync cancelled";
      } else {
        status = "failed";
        error = this.#log.redactor.redact(failureText(err, this.#config.dbPath));
      }
    }
    const summary: SyncSummary = {
      status,
      event_id: eventId,
      ...counters,
      requests_made: client.requestCount - requestsBefore,
      duration_ms: Math.round(performance.now() - started),
      warnings: warnings.map((w) => this.#log.redactor.redact(w)),
      ...(error ? { error } : {}),
    };
    repos.syncEvents.finish(eventId, {
      status,
      counters: { ...counters, requests_made: summary.requests_made },
      warnings: summary.warnings,
      error: error ?? null,
    });
    progress({ phase: "done", done: 1, total: 1, message: `Sync ${status}` });
    const level = status === "failed" ? "error" : status === "completed" ? "info" : "warn";
    this.#log[level]("sync finished", {
      event: eventId,
      status,
      ...counters,
      requests: summary.requests_made,
      ms: summary.duration_ms,
      warnings: summary.warnings.length,
      ...(error ? { error } : {}),
    });
    return summary;
  }

  async #phases(run: Run): Promise<void> {
    const { client, mode, signal, counters, warnings, progress } = run;
    const repos = this.#repos;
    const refresher = this.refresher!;

    // Products.
    progress({ phase: "products", done: 0, total: 1, message: "Listing products" });
    const listed = await client.listProducts({ signal });
    warnings.push(...listed.warnings);
    const products = run.scope ? listed.products.filter((p) => run.scope!.includes(p.id)) : listed.products;
    const invisible = run.scope?.filter((id) => !products.some((p) => p.id === id)) ?? [];
    if (invisible.length) {
      warnings.push(`Product ${invisible.join(", ")} not visible to the API token: skipped`);
    }
    throwIfCancelled(signal);
    writeProducts(repos, products, new Date().toISOString());
    counters.products_synced = products.length;
    progress({ phase: "products", done: 1, total: 1, message: `${products.length} products` });

    // Features (full: always; incremental: when stale by the TTL), then tests, then bugs: a pipeline per
    // product, so that no product waits for the slowest one between phases.
    const cutoff = ttlCutoff(new Date(), this.#config.cacheTtlSeconds);
    const featureDue = new Set(
      products.filter((p) =>
        mode === "full" || areFeaturesStale(repos.products.get(p.id)?.features_synced_at ?? null, cutoff)
      ).map((p) => p.id),
    );
    const expected = products.reduce(
      (n, p) => n + (mode === "full" ? Math.floor(repos.tests.count(p.id) / PAGE_SIZE) + 1 : 1),
      0,
    );
    const pages = new Map<number, number>();
    let walking = products.length;
    // Every walk still going reads at least one more page.
    const reportPages = (p: ApiProduct, message: string) => {
      const done = [...pages.values()].reduce((a, b) => a + b, 0);
      progress({ phase: "tests", done, total: Math.max(expected, done + walking), productId: p.id, message });
    };
    let featuresDone = 0;
    const batches: BugBatch[] = [];
    let batchesSent = 0;
    let batchesDone = 0;
    const feed = new BugFeed(async (ids) => {
      batchesSent++;
      const settled = await refresher.bugs(ids, signal, (batch) => {
        counters.bugs_synced += batch.bugs;
        batchesDone++;
        progress({
          phase: "bugs",
          done: batchesDone,
          total: batchesSent,
          message: `Bugs: batch ${batchesDone} of ${batchesSent}`,
        });
      });
      batches.push(...settled);
      // A batch the cache could not store (a full disk) ends the run, as a failed page write does.
      const local = settled.find((b) => !b.outcome.ok && b.outcome.local);
      if (local) {
        run.stop.abort();
        throw new Error((local.outcome as { error: string }).error);
      }
    });
    const shared: Pipelines = {
      featureDue,
      featuresSynced: new Set(),
      unreadProducts: new Set(),
      feed,
      featureDone: (p) =>
        progress({
          phase: "features",
          done: ++featuresDone,
          total: featureDue.size,
          productId: p.id,
          message: `Features of ${p.name}`,
        }),
      pageDone: (p, n) => {
        pages.set(p.id, n);
        reportPages(p, `Tests of ${p.name}: page ${n}`);
      },
      walkEnded: (p) => {
        walking--;
        reportPages(p, `Tests of ${p.name}: ${pages.get(p.id) ?? 0} pages read`);
      },
      testsNote: reportPages,
    };
    progress({ phase: "features", done: 0, total: featureDue.size, message: "Syncing features" });
    progress({ phase: "tests", done: 0, total: expected, message: "Walking test lists" });
    let failure: { err: unknown } | null = null;
    try {
      await settle(products.map((p) => this.#syncProduct(p, run, shared)), run.stop);
      feed.flush();
    } catch (err) {
      failure = { err };
    }
    // A failed pipeline has aborted `stop`, which cancels the batches in flight. A batch that could not
    // be stored has aborted it too, and its error (rather than the cancellation) is the one to report.
    await feed.settled();
    if (failure) throw failure.err;
    throwIfCancelled(signal);

    const unread = [...shared.unreadProducts];
    if (unread.length) {
      const which = `product${unread.length > 1 ? "s" : ""} ${unread.join(", ")}`;
      warnings.push(
        mode === "full"
          ? `Bugs of ${which} refreshed only for the tests read before the test list failed; ` +
            "the other tests keep their cached bugs"
          : `Bugs of ${which} not refreshed: their test lists could not be read, cached bugs kept`,
      );
    }
    const failed = batches.filter((b) => !b.outcome.ok);
    for (const b of batches) warnings.push(...b.warnings);
    if (failed.length && failed.length === batches.length) {
      throw new Error(`Every bugs request failed; first: ${(failed[0].outcome as { error: string }).error}`);
    }
    for (const b of failed) {
      warnings.push(
        `Bugs of tests ${b.testIds.join(",")} not synced: ${(b.outcome as { error: string }).error}`,
      );
    }
  }

  /**
   * One product's part of a run, in the order of docs/domain.md (Sync): its features (when due), its test
   * walk, then its bugs. In a full sync the walk queues every test it stores for its bugs, so bug
   * batches start while later pages are still being read; an incremental sync queues the stale ones
   * once the walk and the refresh of stale tests are done. A failure of this product alone becomes a
   * warning; a fatal one (cancellation, a rejected token) is thrown and stops the other products.
   */
  async #syncProduct(p: ApiProduct, run: Run, shared: Pipelines): Promise<void> {
    const { mode, since, signal, counters, warnings } = run;
    const refresher = this.refresher!;
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
        deps: { repos: this.#repos, client: run.client, config: this.#config, log: this.#log },
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
    await this.#checkTestFeatures(p, shared.featuresSynced, signal, warnings);

    await this.#retrySkipped(p, walk.skipped, signal, warnings);

    // Tests whose own refresh failed keep their cached bugs: the bugs endpoint silently leaves out
    // tests the token cannot see, and an empty answer would wipe good data.
    const unreadTests = new Set<number>();
    if (walk.staleLeft.length) {
      shared.testsNote(p, `Tests of ${p.name}: refreshing ${walk.staleLeft.length} stale tests`);
      for (const [id, outcome] of await refresher.tests(walk.staleLeft, signal)) {
        if (outcome.ok) counters.tests_updated++;
        else if (outcome.cancelled) throwIfCancelled(signal);
        else {
          unreadTests.add(id);
          warnings.push(`Test ${id}: refresh failed, cached copy kept: ${outcome.error}`);
        }
      }
    }

    // Bugs: after a full walk every test of the product in scope (those the walk queued already are
    // not queued again); otherwise the stale ones.
    const cutoff = ttlCutoff(new Date(), this.#config.cacheTtlSeconds);
    shared.feed.add(
      this.#repos.tests.scopeStamps([p.id], since)
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
  async #retrySkipped(
    product: ApiProduct,
    skippedNow: readonly number[],
    signal: AbortSignal,
    warnings: string[],
  ): Promise<void> {
    const key = skippedTestsKey(product.id);
    const before = readIds(this.#repos.syncEvents.getMeta(key));
    const cached = this.#repos.tests.existingIds([...before, ...skippedNow]);
    const retry = [...new Set([...before, ...skippedNow])].filter((id) => !cached.has(id));
    const left = new Set<number>();
    if (retry.length) {
      for (const [id, outcome] of await this.refresher!.tests(retry, signal)) {
        if (outcome.ok || outcome.notFound) continue;
        if (outcome.cancelled) throwIfCancelled(signal);
        left.add(id);
        warnings.push(`Test ${id} of product ${product.id} is still unreadable: ${outcome.error}`);
      }
    }
    if (left.size) {
      this.#repos.syncEvents.setMeta(key, JSON.stringify([...left].sort((a, b) => a - b)));
      warnings.push(
        `Product ${product.id}: the next sync fetches test${left.size > 1 ? "s" : ""} ${
          [...left].join(", ")
        } again`,
      );
    } else if (before.length) {
      this.#repos.syncEvents.deleteMeta(key);
    }
  }

  /**
   * docs/domain.md, Entities: a test-feature's feature must exist. Features unknown to the cache trigger one
   * fetch of the product's features (unless this run already fetched them); what is still unknown
   * after that is reported.
   */
  async #checkTestFeatures(
    product: ApiProduct,
    featuresSynced: Set<number>,
    signal: AbortSignal,
    warnings: string[],
  ): Promise<void> {
    let unknown = this.#repos.tests.unknownFeatureIds(product.id);
    if (unknown.length && !featuresSynced.has(product.id)) {
      try {
        const r = await this.refresher!.features(product.id, signal);
        warnings.push(...r.warnings);
        featuresSynced.add(product.id);
      } catch (err) {
        if (isFatal(err)) throw err;
        warnings.push(`Product ${product.id}: features not synced: ${errorMessage(err)}`);
      }
      unknown = this.#repos.tests.unknownFeatureIds(product.id);
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

  /**
   * What a sync with these options would fetch, per product, without writing: one products request,
   * and for an incremental sync a read-only walk of each product's newest pages up to the first
   * known test.
   *
   * @throws {InputError} for product ids outside TESTIO_PRODUCT_IDS or an unreadable since-date.
   */
  async dryRun(opts: Omit<SyncOptions, "trigger" | "onProgress">): Promise<DryRunReport> {
    const client = this.#requireClient();
    const scope = resolveScope(this.#config, opts.productIds);
    const { since, mode } = resolveSince(this.#config, opts);
    const signal = AbortSignal.any([this.#closed.signal, ...(opts.signal ? [opts.signal] : [])]);
    const before = client.requestCount;
    const repos = this.#repos;
    const cutoff = ttlCutoff(new Date(), this.#config.cacheTtlSeconds);
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
        walk = await this.#peekNewTests(client, p.id, since, signal).catch((err) => {
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
  async #peekNewTests(
    client: TestIOClient,
    productId: number,
    since: string | null,
    signal: AbortSignal,
  ): Promise<{ pages: number; fresh: number }> {
    let fresh = 0;
    for (let page = 1;; page++) {
      const r = await client.listTestsPage(productId, page, PAGE_SIZE, { signal });
      const known = this.#repos.tests.existingIds(r.tests.map((t) => t.id));
      fresh += r.tests.filter((t) => !known.has(t.id) && (!since || t.end_at === null || t.end_at >= since))
        .length;
      if (known.size || r.received < PAGE_SIZE || page >= this.#config.maxPages) {
        return { pages: page, fresh };
      }
    }
  }

  /** Aborts a running sync; it records itself as cancelled. */
  [Symbol.dispose](): void {
    this.#closed.abort();
  }

  /** Aborts a running sync and waits until it has recorded itself as cancelled. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed.abort();
    await Promise.all([...this.#runs]);
  }
}
