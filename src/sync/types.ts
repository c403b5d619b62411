/**
 * The contract between the sync engine and its users (CLI, MCP tools, server scheduler).
 *
 * @example
 * ```ts
 * import type { SyncEngine } from "./engine.ts";
 *
 * declare const engine: SyncEngine;
 * const summary: SyncSummary = await engine.run({ mode: "incremental", trigger: "cli" });
 * ```
 */
import type { SyncTrigger } from "../db/repos/sync_events.ts";

/** incremental: stop at known tests; full: walk every page and refresh every bug. */
export type SyncMode = "incremental" | "full";

/**
 * A progress report from a running sync. Each product goes through features → tests → bugs on its
 * own, so reports of different phases interleave; `products` comes first and `done` last.
 */
export interface SyncProgress {
  phase: "products" | "features" | "tests" | "bugs" | "done";
  /**
   * Units done and expected in this phase, over every product of the run: features synced, test
   * pages read, bug batches settled. Expected may grow (pages found beyond the estimate, bug batches
   * queued as pages come in); 0 means the phase has nothing to do.
   */
  done: number;
  total?: number;
  /** The product a features or tests report is about. */
  productId?: number;
  message: string;
}

/** What to sync and how. */
export interface SyncOptions {
  /** Limit to these products (must lie inside TESTIO_PRODUCT_IDS when that is set). */
  productIds?: readonly number[];
  /**
   * Only tests whose end_at is on/after this bound: a UTC timestamp, a date or date phrase
   * (`2025-01-31`, `last 90 days`), or `all` (no bound, and a full sync). `null` for no bound;
   * omitted: `TESTIO_SYNC_SINCE`.
   */
  since?: string | null;
  mode: SyncMode;
  trigger: SyncTrigger;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** How long to wait for another sync's lock, in ms (default 30 000). */
  lockWaitMs?: number;
}

/** The outcome of one run, as the CLI and the `sync_data` tool report it. */
export interface SyncSummary {
  status: "completed" | "completed_with_warnings" | "failed" | "cancelled";
  /** The `sync_events` row of the run. */
  event_id: number | null;
  products_synced: number;
  /** Features stored (of the products whose features were due). */
  features_synced: number;
  /** User-story titles stored on those features. */
  user_stories_synced: number;
  /** Tests stored that were not cached before. */
  tests_discovered: number;
  /** Cached tests fetched and stored again (from re-read pages or one by one). */
  tests_updated: number;
  /** Bugs stored. */
  bugs_synced: number;
  /** HTTP requests to the TestIO API during the run, retries included. */
  requests_made: number;
  duration_ms: number;
  warnings: string[];
  /** Why the run failed or that it was cancelled; secrets removed. */
  error?: string;
}

/** What a freshness check did. */
export interface FreshnessResult {
  /** Rows fetched from the API. */
  refreshed: number;
  /** Problems to pass on to the caller ("served from cache, refreshed 2 h ago, refresh failed: …"). */
  warnings: string[];
}

/** Options of every freshness check. */
export interface FreshnessOptions {
  signal?: AbortSignal;
  /** Refetch regardless of age. */
  force?: boolean;
}

/**
 * Read-through freshness (docs/domain.md, Freshness): tools call it before they read, so stale or missing rows
 * are refreshed from the API when possible and the answer says so when not.
 */
export interface Freshness {
  /** Makes the given tests fresh (fetching missing ones); with `bugs`, also their bugs. */
  ensureTests(ids: readonly number[], opts?: FreshnessOptions & { bugs?: boolean }): Promise<FreshnessResult>;
  /** Makes a product's mutable tests fresh; with `bugs`, also their bugs. */
  ensureProductTests(
    productId: number,
    opts?: FreshnessOptions & { bugs?: boolean },
  ): Promise<FreshnessResult>;
  /** Makes a product's features (and user stories) fresh. */
  ensureFeatures(productId: number, opts?: FreshnessOptions): Promise<FreshnessResult>;
}

/** The sync side as a server sees it: the scheduler implements it, tools call it. */
export interface SyncRunner {
  /** Runs a sync now (waits for the lock like any other sync). */
  run(opts: SyncOptions): Promise<SyncSummary>;
  /** Whether a sync of this process is running. */
  readonly running: boolean;
  /** Whether start-up syncs are being skipped after repeated failures. */
  readonly circuitOpen: boolean;
}
