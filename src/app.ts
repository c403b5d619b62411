/**
 * Opens what a command works on. {@link commandLogger} is the logger of every command;
 * {@link openCache} opens the database (migrated unless `TESTIO_SKIP_MIGRATIONS`) with its
 * repositories, for commands that only need the cache; {@link openApp} adds the API client, the sync
 * engine and the freshness service. Each returns one disposable that releases everything it opened,
 * in reverse order.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * import { commandLogger, openApp } from "./app.ts";
 *
 * const config = loadConfig({ env: Deno.env.toObject() });
 * await using app = openApp(config, commandLogger(config));
 * await app.engine.run({ mode: "incremental", trigger: "cli" });
 * ```
 */
import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { prepareSchema } from "./db/migrations.ts";
import { Repositories } from "./db/repos/index.ts";
import { missingTokenError } from "./errors.ts";
import { createLogger, type Logger, type LoggerOptions } from "./log.ts";
import { TestIOClient, type TestIOClientOptions } from "./testio/client.ts";
import { SyncEngine } from "./sync/engine.ts";
import { FreshnessService } from "./sync/freshness.ts";
import { commandHint } from "./launch.ts";

export { VERSION } from "./version.ts";

/** The database of the cache with its repositories. */
export interface Cache extends Disposable {
  readonly db: Database;
  readonly repos: Repositories;
}

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
  /** Retry pacing of the API client (tests shorten the waits; the defaults follow docs/testio-api.md). */
  client?: ClientTuning;
  /** SQLite page cache in MiB (see {@link SERVER_CACHE_MIB}); the database default otherwise. */
  cacheMiB?: number;
}

/**
 * Page cache of a long-running server. Its answers touch few pages (indexes plus one page of rows),
 * so a small cache keeps every list p95 inside its gate while the server stays within its memory
 * target (the measurements behind the size: bench/RESULTS.md, Tuning).
 */
export const SERVER_CACHE_MIB = 12;

/**
 * Page cache of `testio-mcp sync`: the smallest that keeps a full sync at its speed while lowering
 * its peak memory (bench/RESULTS.md, Tuning).
 */
export const SYNC_CACHE_MIB = 16;

/** The logger of a command: stderr, the configured level and format, the tokens redacted. */
export function commandLogger(config: Config, options: Pick<LoggerOptions, "level" | "sink"> = {}): Logger {
  return createLogger({
    level: config.logLevel,
    format: config.logFormat,
    secrets: [config.token, config.httpToken],
    ...options,
  });
}

/** Opens the database (running migrations unless skipped) with its repositories; no token needed. */
export function openCache(config: Config, log: Logger, options: { cacheMiB?: number } = {}): Cache {
  const stack = new DisposableStack();
  try {
    const db = stack.use(openDatabase(config.dbPath, { cacheMiB: options.cacheMiB }));
    prepareSchema(db, config.skipMigrations, log);
    const repos = stack.use(new Repositories(db));
    const moved = stack.move();
    return { db, repos, [Symbol.dispose]: () => moved.dispose() };
  } catch (err) {
    stack.dispose();
    throw err;
  }
}

/** The configured token; throws the settings error of a missing token. */
function requireToken(config: Config): string {
  if (!config.token) throw missingTokenError(commandHint("demo"));
  return config.token;
}

/** Opens the database (running migrations unless skipped) and builds the sync side. */
export function openApp(config: Config, log: Logger, options: OpenAppOptions = {}): App {
  const token = options.requireToken === false ? config.token : requireToken(config);
  const stack = new AsyncDisposableStack();
  try {
    const { db, repos } = stack.use(openCache(config, log, options));
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
