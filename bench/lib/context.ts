/**
 * The in-process setting of a benchmark: a cached dataset opened through `openApp`, a live fake API
 * (in a child process) serving the same data, the real {@link FreshnessService} with its clock pinned
 * to the moment the cache was synced (so nothing is stale and the measured path never fetches), and
 * the tools of the catalog called exactly as the `tools/call` handler calls them.
 *
 * @example
 * ```ts
 * await using bench = await openBenchContext("M");
 * const op = bench.toolOp("list_products", {});
 * await op();
 * ```
 */
import { type Config, loadConfig } from "../../src/config.ts";
import { type App, openApp } from "../../src/app.ts";
import { createLogger } from "../../src/log.ts";
import { buildContext } from "../../src/cli/serve.ts";
import type { AppContext } from "../../src/mcp/context.ts";
import type { ToolCall, ToolDefinition } from "../../src/mcp/tool.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import { FreshnessService } from "../../src/sync/freshness.ts";
import { SyncScheduler } from "../../src/sync/scheduler.ts";
import type { Scale } from "../../src/testio/fake/mod.ts";
import { DATA_DIR, type Dataset, DATASET_NOW, ensureDataset } from "../dataset.ts";
import { type ChildFakeApi, spawnFakeApi } from "./fake_api.ts";
import type { Op } from "./measure.ts";

/** Settings for a process (this one or a spawned server) reading a benchmark cache. */
export function benchEnv(dataset: Dataset, api: { baseUrl: string; token: string }): Record<string, string> {
  return {
    TESTIO_CUSTOMER_API_TOKEN: api.token,
    TESTIO_CUSTOMER_API_BASE_URL: api.baseUrl,
    TESTIO_DB_PATH: dataset.path,
    TESTIO_REPORTS_DIR: `${DATA_DIR}reports`,
    // The longest TTL the settings allow: a cache synced within a day is fresh for a spawned server.
    TESTIO_CACHE_TTL_SECONDS: "86400",
    TESTIO_LOG_LEVEL: "warn",
  };
}

/** One scale, ready to measure. */
export interface BenchContext extends AsyncDisposable {
  readonly scale: Scale;
  readonly dataset: Dataset;
  readonly config: Config;
  readonly app: App;
  readonly ctx: AppContext;
  readonly api: ChildFakeApi;
  /** A tool of the catalog by name, or undefined when this build does not have it. */
  tool(name: string): ToolDefinition | undefined;
  /**
   * An op calling a tool's handler with `args` parsed once up front by the tool's input schema (as
   * the server parses them), so each call is what `tools/call` runs between parsing and serialising.
   */
  toolOp(name: string, args: Record<string, unknown>): Op;
  /** Requests the fake API answered since it started. */
  apiRequests(): Promise<number>;
}

/** Opens the cache of `scale` (building it when needed) with a live fake API beside it. */
export async function openBenchContext(scale: Scale, seed = 1): Promise<BenchContext> {
  const dataset = await ensureDataset(scale, seed);
  const stack = new AsyncDisposableStack();
  try {
    const api = stack.use(await spawnFakeApi({ scale, seed, now: DATASET_NOW }));
    const config = loadConfig({ env: benchEnv(dataset, api), dotenvDir: null });
    const log = createLogger({ level: "warn", secrets: [api.token] });
    const app = stack.use(openApp(config, log));
    const scheduler = stack.use(
      new SyncScheduler({ engine: app.engine, repos: app.repos, config: app.config, log }),
    );
    // The cache was complete and fresh when its sync finished; the clock stays there.
    const syncedAt = new Date(Date.parse(dataset.meta.builtAt));
    const freshness = new FreshnessService({
      repos: app.repos,
      client: app.client,
      config,
      log,
      engine: app.engine,
      now: () => syncedAt,
    });
    const ctx: AppContext = { ...buildContext(app, scheduler, "stdio"), freshness };
    const byName = new Map(ALL_TOOLS.flatMap((t) => [[t.name, t] as const]));
    const signal = new AbortController().signal;
    const call: ToolCall = { ctx, signal, progress: () => Promise.resolve() };
    const moved = stack.move();
    return {
      scale,
      dataset,
      config,
      app,
      ctx,
      api,
      tool: (name) => byName.get(name),
      toolOp(name, args) {
        const tool = byName.get(name);
        if (!tool) throw new Error(`No tool named ${name}`);
        const parsed = tool.input.parse(args);
        return () => tool.handler(parsed, call);
      },
      apiRequests: async () => (await api.stats()).requests,
      [Symbol.asyncDispose]: () => moved.disposeAsync(),
    };
  } catch (err) {
    await stack.disposeAsync();
    throw err;
  }
}
