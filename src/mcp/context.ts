/**
 * What every tool, resource and prompt receives: settings, logger, the repositories of the shared
 * database connection, the freshness layer and the sync runner.
 *
 * @example
 * ```ts
 * const page = ctx.repos.products.list({ ... });
 * ```
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Repositories } from "../db/repos/index.ts";
import type { Freshness, SyncOptions, SyncSummary } from "../sync/types.ts";

/** The sync side as the MCP layer sees it. */
export interface SyncRunner {
  /** Runs a sync now (waits for the lock like any other sync). */
  run(opts: SyncOptions): Promise<SyncSummary>;
  /** Whether a sync of this process is running. */
  readonly running: boolean;
  /** Whether start-up syncs are being skipped after repeated failures. */
  readonly circuitOpen: boolean;
}

/** A reachability probe of the TestIO API, for diagnostics. */
export interface ApiProbe {
  check(
    signal?: AbortSignal,
  ): Promise<{ reachable: boolean; latency_ms: number | null; status: number | null }>;
}

/** The shared state of one server process. */
export interface AppContext {
  readonly config: Config;
  readonly log: Logger;
  readonly repos: Repositories;
  readonly freshness: Freshness;
  readonly sync: SyncRunner;
  readonly api: ApiProbe;
  readonly version: string;
  readonly startedAt: Date;
  readonly transport: "stdio" | "http";
  /** The clock (tests pin it). */
  now(): Date;
}
