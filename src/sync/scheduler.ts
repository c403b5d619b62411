/**
 * Server-side sync scheduling (docs/domain.md, Scheduling): a start-up sync in the background when the cache is
 * empty or older than `TESTIO_REFRESH_INTERVAL_SECONDS` (0 disables), then one every interval, skipped
 * when a sync finished within it. A circuit breaker skips start-up and background syncs after 3
 * failures within 5 minutes (counted from `sync_events`, so a crash-looping server sees them too).
 * Background failures are logged, never thrown. Disposing cancels a running sync cleanly (its event is
 * marked `cancelled`) and waits for it.
 *
 * @example
 * ```ts
 * import type { Config } from "../config.ts";
 * import type { Repositories } from "../db/repos/index.ts";
 * import type { Logger } from "../log.ts";
 * import type { SyncEngine } from "./engine.ts";
 *
 * declare const engine: SyncEngine, repos: Repositories, config: Config, log: Logger;
 * await using scheduler = new SyncScheduler({ engine, repos, config, log });
 * scheduler.start();
 * await scheduler.run({ mode: "incremental", trigger: "mcp" }); // what sync_data calls
 * ```
 */
import type { Config } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import { errorMessage, SyncBusyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { SyncEngine } from "./engine.ts";
import type { SyncOptions, SyncRunner, SyncSummary } from "./types.ts";

/** Failures within {@link BREAKER_WINDOW_MS} that open the circuit breaker. */
export const BREAKER_FAILURES = 3;
/** The window of the circuit breaker. */
export const BREAKER_WINDOW_MS = 5 * 60 * 1000;

/** Settings of a {@link SyncScheduler}. */
export interface SyncSchedulerOptions {
  engine: SyncEngine;
  repos: Repositories;
  config: Config;
  log: Logger;
  /** Overrides the interval of `TESTIO_REFRESH_INTERVAL_SECONDS`, in ms (tests). */
  intervalMs?: number;
  /** The clock (tests pin it). */
  now?: () => Date;
}

/** Runs syncs for a server: on demand, at start-up and periodically. */
export class SyncScheduler implements SyncRunner, AsyncDisposable {
  readonly #engine: SyncEngine;
  readonly #repos: Repositories;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #now: () => Date;
  readonly #closed = new AbortController();
  readonly #active = new Set<Promise<unknown>>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SyncSchedulerOptions) {
    this.#engine = options.engine;
    this.#repos = options.repos;
    this.#log = options.log.child({ component: "scheduler" });
    this.#intervalMs = options.intervalMs ?? options.config.refreshIntervalSeconds * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Whether a sync of this process is running. */
  get running(): boolean {
    return this.#engine.running;
  }

  /** Whether start-up and background syncs are being skipped after repeated failures. */
  get circuitOpen(): boolean {
    const since = new Date(this.#now().getTime() - BREAKER_WINDOW_MS).toISOString();
    return this.#repos.syncEvents.outcomesSince(since).failures >= BREAKER_FAILURES;
  }

  /**
   * Runs a sync now (the `sync_data` tool). It waits for the lock like any sync and is cancelled when
   * the scheduler is disposed.
   */
  run(opts: SyncOptions): Promise<SyncSummary> {
    const signal = AbortSignal.any([this.#closed.signal, ...(opts.signal ? [opts.signal] : [])]);
    return this.#track(this.#engine.run({ ...opts, signal }));
  }

  /**
   * Starts scheduling: a start-up sync now when the cache is empty or older than the interval, then a
   * check every interval. Does nothing when the interval is 0.
   */
  start(): void {
    if (this.#intervalMs <= 0 || this.#closed.signal.aborted) return;
    const last = this.#repos.syncEvents.lastCompleted();
    const empty = this.#repos.products.count() === 0;
    if (empty || !last || this.#olderThanInterval(last.finished_at)) this.#background("startup");
    else this.#log.debug("start-up sync skipped: the cache is recent", { last_sync: last.finished_at });
    this.#schedule();
  }

  #olderThanInterval(stamp: string | null): boolean {
    return stamp === null || Date.parse(stamp) <= this.#now().getTime() - this.#intervalMs;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const last = this.#repos.syncEvents.lastCompleted();
      if (this.#engine.running) this.#log.debug("background sync skipped: a sync is running");
      else if (last && !this.#olderThanInterval(last.finished_at)) {
        this.#log.debug("background sync skipped: a sync finished within the interval", {
          last_sync: last.finished_at,
        });
      } else this.#background("background");
      if (!this.#closed.signal.aborted) this.#schedule();
    }, this.#intervalMs);
    // The server's transport keeps the process alive; the timer alone must not.
    Deno.unrefTimer(Number(this.#timer));
  }

  /** A start-up or background sync: logged, never thrown. */
  #background(trigger: "startup" | "background"): void {
    if (this.circuitOpen) {
      this.#log.warn(`${trigger} sync skipped: ${BREAKER_FAILURES} syncs failed within 5 minutes`);
      return;
    }
    this.#track(
      this.#engine.run({ mode: "incremental", trigger, signal: this.#closed.signal }).then((s) => {
        if (s.status === "failed") this.#log.error(`${trigger} sync failed`, { error: s.error });
      }, (err) => {
        if (err instanceof SyncBusyError) this.#log.info(`${trigger} sync skipped: ${err.message}`);
        else this.#log.error(`${trigger} sync could not start`, { error: errorMessage(err) });
      }),
    );
  }

  #track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(() => {}, () => {});
    this.#active.add(settled);
    settled.finally(() => this.#active.delete(settled));
    return p;
  }

  /** Stops scheduling, cancels a running sync (marked `cancelled`) and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    clearTimeout(this.#timer);
    this.#closed.abort();
    await Promise.all([...this.#active]);
  }
}
