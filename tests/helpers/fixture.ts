/**
 * Test fixtures: a fake TestIO API on loopback and a temporary cache synced from it with the real
 * sync engine. Nothing is mocked: HTTP goes over 127.0.0.1 and SQLite is a real file.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../../src/db/database.ts";
 *
 * await using fx = await syncedFixture({ scale: "S" });
 * using db = openDatabase(fx.dbPath);
 * ```
 */
import { type Config, loadConfig } from "../../src/config.ts";
import { openApp } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import { type FakeApi, startFakeApi } from "../../src/testio/fake/server.ts";
import type { SyncSummary } from "../../src/sync/types.ts";

/** A pinned clock for fixtures, so generated data and date phrases agree across runs. */
export const FIXTURE_NOW = new Date("2026-11-01T00:00:00Z");

/** A fake API plus a temp folder holding the cache. */
export interface Fixture extends AsyncDisposable {
  api: FakeApi;
  dir: string;
  dbPath: string;
  /** Environment for child processes and `loadConfig` pointing at the fake API and the temp cache. */
  env: Record<string, string>;
  config(overrides?: Record<string, string>): Config;
  /** Runs a sync with the real engine in this process. */
  sync(mode?: "incremental" | "full"): Promise<SyncSummary>;
}

/** Options of {@link fakeFixture}. */
export interface FixtureOptions {
  scale?: "S" | "M" | "L";
  seed?: number;
  now?: Date;
  /** Extra settings. */
  env?: Record<string, string>;
  /** The API token the fake accepts (default "fake-token"). */
  token?: string;
}

/** Starts a fake API and prepares an empty temp cache folder (nothing synced). */
export async function fakeFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const api = await startFakeApi({
    scale: options.scale ?? "S",
    seed: options.seed ?? 1,
    now: options.now ?? FIXTURE_NOW,
    token: options.token,
  });
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-test-" });
  const dbPath = `${dir}/cache.db`;
  const env: Record<string, string> = {
    // A private HOME: no user settings file leaks into tests.
    HOME: dir,
    TESTIO_CUSTOMER_API_TOKEN: api.token,
    TESTIO_CUSTOMER_API_BASE_URL: api.baseUrl,
    TESTIO_DB_PATH: dbPath,
    TESTIO_REPORTS_DIR: `${dir}/reports`,
    TESTIO_LOG_LEVEL: "warn",
    ...options.env,
  };
  const config = (overrides: Record<string, string> = {}) =>
    loadConfig({ env: { ...env, ...overrides }, dotenvDir: null });
  return {
    api,
    dir,
    dbPath,
    env,
    config,
    async sync(mode = "full") {
      await using app = openApp(config(), silentLogger());
      return await app.engine.run({ mode, trigger: "test" });
    },
    async [Symbol.asyncDispose]() {
      await api.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A fake API and a cache fully synced from it. */
export async function syncedFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const fx = await fakeFixture(options);
  try {
    const summary = await fx.sync("full");
    if (summary.status === "failed" || summary.status === "cancelled") {
      throw new Error(`fixture sync ${summary.status}: ${summary.error ?? summary.warnings.join("; ")}`);
    }
    return fx;
  } catch (err) {
    await fx[Symbol.asyncDispose]();
    throw err;
  }
}
