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
 * batch is written with its tests' `bugs_synced_at`, in one transaction with the other batches whose
 * answers arrived at the same time (`write_queue.ts`). Cancelling through the AbortSignal
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
import { AppError, errorMessage, missingTokenError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TestIOClient } from "../testio/client.ts";
import type { ApiProduct } from "../testio/schemas.ts";
import { BugFeed, settle } from "./bug_feed.ts";
import { isCancellation, throwIfCancelled } from "./cancel.ts";
import { dryRun, type DryRunReport } from "./dry_run.ts";
import { acquireSyncLock, LOCK_WAIT_MS } from "./lock.ts";
import { PAGE_SIZE } from "./pages.ts";
import { type Counters, type Pipelines, type Run, syncProduct } from "./pipeline.ts";
import { outcomeWords } from "./progress.ts";
import { type BugBatch, Refresher } from "./refresh.ts";
import { areFeaturesStale, ttlCutoff } from "./rules.ts";
import { resolveScope, resolveSince } from "./scope.ts";
import { writeProducts } from "./store.ts";
import type { SyncOptions, SyncProgress, SyncSummary } from "./types.ts";

export type { DryRunProduct, DryRunReport } from "./dry_run.ts";
export { skippedTestsKey } from "./pipeline.ts";
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

/** The error text of a failed run; a full disk names the cache file and what to do. */
function failureText(err: unknown, dbPath: string): string {
  // SQLITE_FULL's fixed text (node:sqlite in Deno carries no result code).
  if (/database or disk is full/.test(errorMessage(err))) {
    return `No space left to write the cache ${dbPath} (${errorMessage(err)}): free disk space or point ` +
      "TESTIO_DB_PATH at a disk with room, then sync again; what was written before is kept";
  }
  return errorMessage(err);
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
      onWait: opts.onLockWait,
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
    let next: string | undefined;
    try {
      // A first load that ended early left its indexes to build (BugsRepo.deferIndexes).
      repos.bugs.restoreIndexes();
      await this.#phases({ client, scope, since, mode, signal, stop, eventId, counters, warnings, progress });
      status = warnings.length ? "completed_with_warnings" : "completed";
    } catch (err) {
      if (isCancellation(err) || cancelled.aborted) {
        status = "cancelled";
        error = "Sync cancelled";
      } else {
        status = "failed";
        error = this.#log.redactor.redact(failureText(err, this.#config.dbPath));
        if (err instanceof AppError && err.action) next = this.#log.redactor.redact(err.action);
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
      ...(next ? { next } : {}),
    };
    try {
      repos.syncEvents.finish(eventId, {
        status,
        counters: { ...counters, requests_made: summary.requests_made },
        warnings: summary.warnings,
        error: error ?? null,
      });
    } catch (err) {
      // The outcome cannot be recorded (a full disk): the next run marks this one as interrupted.
      throw new Error(this.#log.redactor.redact(failureText(err, this.#config.dbPath)), { cause: err });
    }
    progress({ phase: "done", done: 1, total: 1, message: outcomeWords(status, summary.warnings.length) });
    // A command-line run prints its own summary: at warn or error level the log would repeat it.
    const level = status === "completed" || opts.trigger === "cli"
      ? "info"
      : status === "failed"
      ? "error"
      : "warn";
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
    // Into a cache without bugs, the bug indexes are built once, after the load (see below).
    const deferred = repos.bugs.deferIndexes();
    // A run that writes every test and bug checkpoints the WAL beside the writer rather than in its
    // commits (src/db/checkpointer.ts); starting the worker costs more than a small run saves.
    await using _checkpoints = mode === "full" || deferred ? await repos.checkpointInBackground() : null;
    let failure: { err: unknown } | null = null;
    try {
      await settle(products.map((p) => syncProduct(this.#pipelineDeps(), p, run, shared)), run.stop);
      feed.flush();
    } catch (err) {
      failure = { err };
    }
    // A failed pipeline has aborted `stop`, which cancels the batches in flight. A batch that could not
    // be stored has aborted it too, and its error (rather than the cancellation) is the one to report.
    let unstored: { err: unknown } | null = null;
    try {
      await feed.settled();
    } catch (err) {
      unstored = { err };
    }
    // A cancelled load is indexed now; one that failed (a full disk, a rejected token) leaves it, as
    // recorded, to the next sync.
    if (deferred && [unstored, failure].every((f) => !f || isCancellation(f.err))) {
      progress({ phase: "bugs", done: batchesDone, total: batchesSent, message: "Indexing the bugs" });
      repos.bugs.restoreIndexes();
    }
    if (unstored) throw unstored.err;
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

  #pipelineDeps() {
    return { repos: this.#repos, config: this.#config, log: this.#log, refresher: this.refresher! };
  }

  /**
   * What a sync with these options would fetch, per product, without writing: one products request,
   * and for an incremental sync a read-only walk of each product's newest pages up to the first
   * known test.
   *
   * @throws {InputError} for product ids outside TESTIO_PRODUCT_IDS or an unreadable since-date.
   */
  dryRun(opts: Omit<SyncOptions, "trigger" | "onProgress">): Promise<DryRunReport> {
    const client = this.#requireClient();
    return dryRun({ repos: this.#repos, config: this.#config, client, closed: this.#closed.signal }, opts);
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
