/**
 * Read-through freshness (docs/domain.md, Freshness). Tools call it before they read the cache: rows that are
 * missing or stale by the rules of `rules.ts` are fetched from the API, batched (bugs: 15 test ids per
 * call) and de-duplicated in flight through the engine's {@link Refresher}. An answer never waits
 * longer than the time budget: past it, the tool answers from the cache with a warning while the
 * refresh finishes in the background. A failed refresh keeps the cached rows and says so
 * ("served from cache, refreshed 2 h ago, refresh failed: …"). Without an API token it only warns.
 *
 * Freshness writes go through the same one-transaction write paths as the sync and never take the
 * sync lock: SQLite's busy timeout queues the two writers.
 *
 * @example
 * ```ts
 * import type { SyncEngine } from "./engine.ts";
 * import type { SyncDeps } from "./refresh.ts";
 *
 * declare const deps: SyncDeps;
 * declare const engine: SyncEngine;
 * const freshness = new FreshnessService({ ...deps, engine });
 * const { warnings } = await freshness.ensureTests([300123], { bugs: true });
 * ```
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import type { TestStamps } from "../db/repos/tests.ts";
import { CancelledError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TestIOClient } from "../testio/client.ts";
import type { SyncEngine } from "./engine.ts";
import type { Refresher } from "./refresh.ts";
import { ago, areBugsStale, areFeaturesStale, isTestStale, ttlCutoff } from "./rules.ts";
import type { Freshness, FreshnessOptions, FreshnessResult } from "./types.ts";

/** Settings of a {@link FreshnessService}. */
export interface FreshnessServiceOptions {
  repos: Repositories;
  /** Null when no API token is configured: nothing is refreshed, stale answers carry a warning. */
  client: TestIOClient | null;
  config: Config;
  log: Logger;
  /** Its refresher does the fetching, shared with running syncs. */
  engine: SyncEngine;
  /** Longest wait for a refresh before answering from the cache, in ms (default 5000). */
  budgetMs?: number;
  /** The clock (tests pin it). */
  now?: () => Date;
}

/** Default time budget of one freshness check. */
export const FRESHNESS_BUDGET_MS = 5_000;

const NO_TOKEN = "no TestIO API token is configured to refresh it";
const NONE: FreshnessResult = Object.freeze({ refreshed: 0, warnings: [] });

/** The read-through freshness layer of one process. */
export class FreshnessService implements Freshness {
  readonly #repos: Repositories;
  readonly #refresher: Refresher | null;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #budgetMs: number;
  readonly #now: () => Date;

  constructor(options: FreshnessServiceOptions) {
    this.#repos = options.repos;
    this.#refresher = options.client ? options.engine.refresher : null;
    this.#config = options.config;
    this.#log = options.log.child({ component: "freshness" });
    this.#budgetMs = options.budgetMs ?? FRESHNESS_BUDGET_MS;
    this.#now = options.now ?? (() => new Date());
  }

  #cutoff(): string {
    return ttlCutoff(this.#now(), this.#config.cacheTtlSeconds);
  }

  /** Makes the given tests fresh (fetching missing ones); with `bugs`, also their bugs. */
  ensureTests(
    ids: readonly number[],
    opts: FreshnessOptions & { bugs?: boolean } = {},
  ): Promise<FreshnessResult> {
    const unique = [...new Set(ids)];
    const stamps = this.#repos.tests.stamps(unique);
    const cached = new Set(stamps.map((s) => s.id));
    const missing = unique.filter((id) => !cached.has(id));
    return this.#refreshTests(missing, stamps, opts);
  }

  /** Makes a product's mutable tests fresh; with `bugs`, also the bugs that are stale. */
  ensureProductTests(
    productId: number,
    opts: FreshnessOptions & { bugs?: boolean } = {},
  ): Promise<FreshnessResult> {
    // A forced check takes every mutable test (final tests never change, forced or not).
    const cutoff = opts.force ? "9999-12-31T23:59:59Z" : this.#cutoff();
    const stamps = this.#repos.tests.freshnessCandidates(productId, cutoff, opts.bugs ?? false);
    return this.#refreshTests([], stamps, opts);
  }

  /** Makes a product's features (and user stories) fresh. */
  ensureFeatures(productId: number, opts: FreshnessOptions = {}): Promise<FreshnessResult> {
    const product = this.#repos.products.get(productId);
    if (!product || !areFeaturesStale(product.features_synced_at, this.#cutoff(), opts.force)) {
      return Promise.resolve(NONE);
    }
    const refresher = this.#refresher;
    const stale = `Features of product ${productId}: served from cache, refreshed ${
      ago(product.features_synced_at, this.#now())
    }`;
    if (!refresher) return Promise.resolve({ refreshed: 0, warnings: [`${stale}; ${NO_TOKEN}`] });
    const work = refresher.features(productId).then(
      (r): FreshnessResult => ({ refreshed: r.features, warnings: r.warnings }),
      (err): FreshnessResult => ({
        refreshed: 0,
        warnings: [`${stale}, refresh failed: ${errorMessage(err)}`],
      }),
    );
    return this.#withinBudget(work, opts.signal, product.features_synced_at);
  }

  /**
   * Fetches the missing tests and the stale ones among `stamps`, then (with `bugs`) the bugs that are
   * stale after that.
   */
  #refreshTests(
    missing: number[],
    stamps: readonly TestStamps[],
    opts: FreshnessOptions & { bugs?: boolean },
  ): Promise<FreshnessResult> {
    const cutoff = this.#cutoff();
    const stale = stamps.filter((s) => isTestStale(s, cutoff, opts.force));
    const staleBugs = opts.bugs ? stamps.filter((s) => areBugsStale(s, cutoff, opts.force)) : [];
    if (!missing.length && !stale.length && !staleBugs.length) return Promise.resolve(NONE);
    const now = this.#now();
    const refresher = this.#refresher;
    if (!refresher) {
      return Promise.resolve({
        refreshed: 0,
        warnings: this.#summarise([
          ...stale.map((s) =>
            `Test ${s.id}: served from cache, refreshed ${ago(s.synced_at, now)}; ${NO_TOKEN}`
          ),
          ...staleBugs.map((s) =>
            `Bugs of test ${s.id}: served from cache, refreshed ${ago(s.bugs_synced_at, now)}; ${NO_TOKEN}`
          ),
        ]),
      });
    }
    const syncedAt = new Map(stamps.map((s) => [s.id, s]));
    const work = (async (): Promise<FreshnessResult> => {
      const warnings: string[] = [];
      let refreshed = 0;
      const wanted = [...missing, ...stale.map((s) => s.id)];
      // A test whose own refresh failed keeps its cached bugs: the bugs endpoint silently leaves out
      // tests the token cannot see, so an empty answer for them would wipe good data.
      const failed = new Set<number>();
      if (wanted.length) {
        for (const [id, outcome] of await refresher.tests(wanted)) {
          if (!outcome.ok) failed.add(id);
          if (outcome.ok) refreshed++;
          else if (!syncedAt.has(id)) {
            // A test that does not exist is the caller's "not found", not a warning.
            if (!outcome.notFound) {
              warnings.push(`Test ${id} is not cached and could not be fetched: ${outcome.error}`);
            }
          } else {
            warnings.push(
              `Test ${id}: served from cache, refreshed ${
                ago(syncedAt.get(id)!.synced_at, now)
              }, refresh failed: ${outcome.error}`,
            );
          }
        }
      }
      if (opts.bugs) {
        const ids = [...syncedAt.keys(), ...missing];
        const due = this.#repos.tests.stamps(ids).filter((s) =>
          !failed.has(s.id) && areBugsStale(s, this.#cutoff(), opts.force)
        );
        const dueIds = new Set(due.map((s) => s.id));
        for (const batch of await refresher.bugs([...dueIds])) {
          refreshed += batch.bugs;
          warnings.push(...batch.warnings);
          if (batch.outcome.ok) continue;
          // A joined batch may hold other callers' tests too: report only ours.
          for (const id of batch.testIds.filter((t) => dueIds.has(t))) {
            warnings.push(
              `Bugs of test ${id}: served from cache, refreshed ${
                ago(syncedAt.get(id)?.bugs_synced_at ?? null, now)
              }, refresh failed: ${batch.outcome.error}`,
            );
          }
        }
      }
      return { refreshed, warnings: this.#summarise(warnings) };
    })();
    const oldest = [...stale.map((s) => s.synced_at), ...staleBugs.map((s) => s.bugs_synced_at)]
      .filter((t): t is string => t !== null).sort()[0];
    return this.#withinBudget(work, opts.signal, oldest);
  }

  /**
   * Waits for `work` up to the budget; past it, answers "served from cache" (with the age of the
   * oldest stale stamp) and lets the work finish in the background.
   */
  async #withinBudget(
    work: Promise<FreshnessResult>,
    signal: AbortSignal | undefined,
    oldest: string | null | undefined,
  ): Promise<FreshnessResult> {
    work.then((r) => {
      if (r.warnings.length) {
        this.#log.debug("refresh finished with warnings", { warnings: r.warnings.length });
      }
    }, (err) => this.#log.warn("refresh failed", { error: errorMessage(err) }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<FreshnessResult>((resolve) => {
          timer = setTimeout(() => {
            const age = oldest === undefined ? "" : `, refreshed ${ago(oldest, this.#now())}`;
            resolve({
              refreshed: 0,
              warnings: [
                `Served from cache${age}: the refresh from TestIO was still running after ${
                  this.#budgetMs / 1000
                } s`,
              ],
            });
          }, this.#budgetMs);
        }),
        new Promise<FreshnessResult>((_, reject) => {
          if (!signal) return;
          onAbort = () => reject(new CancelledError("Request cancelled"));
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Keeps answers short: past 5 warnings, one line says how many more there were. */
  #summarise(warnings: string[]): string[] {
    if (warnings.length <= 5) return warnings;
    return [...warnings.slice(0, 5), `… and ${warnings.length - 5} more refresh warnings`];
  }
}
