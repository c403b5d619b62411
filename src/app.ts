/**
 * Builds the application for a command: settings → logger → database (migrated) → repositories →
 * API client → sync engine → freshness → scheduler. One disposable owns them all and releases them
 * in reverse order.
 *
 * @example
 * ```ts
 * await using app = await openApp(config, log, { trigger: "cli" });
 * await app.engine.run({ mode: "incremental", trigger: "cli" });
 * ```
 */
import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { prepareSchema } from "./db/migrations.ts";
import { Repositories } from "./db/repos/index.ts";
import { ConfigError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { TestIOClient, type TestIOClientOptions } from "./testio/client.ts";
import { SyncEngine } from "./sync/engine.ts";
import { FreshnessService } from "./sync/freshness.ts";
import { commandHint } from "./launch.ts";

export { VERSION } from "./version.ts";

/** The assembled application. */
export interface App extends AsyncDisposable {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Database;
  readonly repos: Repositories;
  /** Null when no token is configured (commands that only read the cache). */
  readonly client: TestIOClient | null;
  readonly engine: SyncEngine;
  readonly freshness: FreshnessService;
}

/** Client settings that have no environment variable: retry pacing, for tests against a fake API. */
export type ClientTuning = Pick<
  TestIOClientOptions,
  "retryBaseMs" | "retryAfterDefaultMs" | "retryAfterMaxMs"
>;

/** Options of {@link openApp}. */
export interface OpenAppOptions {
  /** Require an API token (sync, serve); `migrate` does not need one. */
  requireToken?: boolean;
  /** Retry pacing of the API client (tests shorten the waits; the defaults follow behaviour.md §6). */
  client?: ClientTuning;
  /** SQLite page cache in MiB (see {@link SERVER_CACHE_MIB}); the database default otherwise. */
  cacheMiB?: number;
}

/**
 * Page cache of a long-running server. Its answers touch few pages (indexes plus one page of rows),
 * so a small cache keeps every list p95 far inside its gate while the server stays within its memory
 * target (serve after 10,000 calls at scale L: 135 MB with 32 MiB, 120 MB with 16 MiB, 116 MB with
 * 12 MiB).
 */
export const SERVER_CACHE_MIB = 12;

/**
 * Page cache of `testio-mcp sync`. A full sync of scale L peaked at 203 MB RSS with 32 MiB and
 * 186–195 MB with 16 MiB, at the same speed (50–55 s); with 12 MiB it took longer.
 */
export const SYNC_CACHE_MIB = 16;

/** Throws the settings error of a missing token. */
export function requireToken(config: Config): string {
  if (!config.token) {
    throw new ConfigError(["TESTIO_CUSTOMER_API_TOKEN=(unset): required to reach the TestIO API"], {
      hint: "Create a token in TestIO under Integrations → API (https://testcloud.test.io/account/api)",
      action: `Set TESTIO_CUSTOMER_API_TOKEN in your environment or .env (or try '${commandHint("demo")}')`,
    });
  }
  return config.token;
}

/** Opens the database (running migrations unless skipped) and builds the sync side. */
export function openApp(config: Config, log: Logger, options: OpenAppOptions = {}): App {
  const token = options.requireToken === false ? config.token : requireToken(config);
  const stack = new AsyncDisposableStack();
  try {
    const db = stack.use(openDatabase(config.dbPath, { cacheMiB: options.cacheMiB }));
    prepareSchema(db, config.skipMigrations, log);
    const repos = stack.use(new Repositories(db));
    const client = token
      ? stack.use(
        new TestIOClient({
          baseUrl: config.baseUrl,
          token,
          log,
          timeoutMs: config.httpTimeoutSeconds * 1000,
          maxConcurrent: config.maxConcurrentRequests,
          ...options.client,
        }),
      )
      : null;
    const engine = stack.use(new SyncEngine({ repos, client, config, log }));
    const freshness = new FreshnessService({ repos, client, config, log, engine });
    const moved = stack.move();
    return {
      config,
      log,
      db,
      repos,
      client,
      engine,
      freshness,
      [Symbol.asyncDispose]: () => moved.disposeAsync(),
    };
  } catch (err) {
    stack.disposeAsync().catch(() => {});
    throw err;
  }
}
