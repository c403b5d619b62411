/**
 * What every tool, resource and prompt receives: settings, logger, the repositories of the shared
 * database connection, the freshness layer and the sync runner.
 *
 * @example
 * ```ts
 * declare const ctx: AppContext;
 * const page = ctx.repos.products.list({ sortBy: "title", sortOrder: "asc", limit: 50, offset: 0 });
 * ```
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Repositories } from "../db/repos/index.ts";
import type { Freshness, SyncRunner } from "../sync/types.ts";

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
