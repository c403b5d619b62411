/**
 * Tool calls against a cache another process is writing: `list_tests` and `get_test_summary`
 * through their handlers on a connection of this process, without an API token (no refresh writes,
 * so what is timed is the read beside the writer). Used by `bench/sync.ts` while a full L sync runs.
 *
 * @example
 * ```ts
 * let running = true;
 * const samples = await readWhileWriting("/tmp/cache.db", () => running, 50);
 * samples.list_tests.length; // calls made while the writer ran
 * ```
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { loadConfig } from "../../src/config.ts";
import { openApp } from "../../src/app.ts";
import { buildContext } from "../../src/cli/serve.ts";
import { createLogger } from "../../src/log.ts";
import type { ToolCall } from "../../src/mcp/tool.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import { SyncScheduler } from "../../src/sync/scheduler.ts";

/** Latencies of the reads taken while the writer ran, ms, per tool. */
export type ReadSamples = Record<"list_tests" | "get_test_summary", number[]>;

/** Whether the writer has migrated the cache and stored tests with bugs (then reads can start). */
export function cacheReady(dbPath: string): boolean {
  try {
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const r = db.prepare("SELECT count(*) AS n FROM tests WHERE bug_count > 0").get() as { n: number };
      return Number(r.n) > 0;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** Calls the two tools in turn every `gapMs` until `running()` is false; returns the latencies. */
export async function readWhileWriting(
  dbPath: string,
  running: () => boolean,
  gapMs = 50,
): Promise<ReadSamples> {
  const config = loadConfig({
    env: { TESTIO_DB_PATH: dbPath, TESTIO_LOG_LEVEL: "error", TESTIO_REFRESH_INTERVAL_SECONDS: "0" },
    dotenvDir: null,
  });
  await using app = openApp(config, createLogger({ level: "error" }), { requireToken: false });
  await using scheduler = new SyncScheduler({ engine: app.engine, repos: app.repos, config, log: app.log });
  const call: ToolCall = {
    ctx: buildContext(app, scheduler, "stdio"),
    signal: new AbortController().signal,
    progress: () => Promise.resolve(),
  };
  const tool = (name: string) => ALL_TOOLS.find((t) => t.name === name)!;
  const samples: ReadSamples = { list_tests: [], get_test_summary: [] };
  const time = async (name: keyof ReadSamples, args: Record<string, unknown>) => {
    const t = tool(name);
    const parsed = t.input.parse(args);
    const started = performance.now();
    await t.handler(parsed, call);
    samples[name].push(performance.now() - started);
  };
  let pick = { product: 0, test: 0, at: 0 };
  while (running()) {
    if (performance.now() - pick.at > 2000) {
      // The product with the most tests and the test with the most bugs so far.
      const p = app.db.prepare(
        "SELECT product_id AS id FROM tests GROUP BY product_id ORDER BY count(*) DESC",
      )
        .get() as { id: number };
      const t = app.db.prepare("SELECT id FROM tests ORDER BY bug_count DESC LIMIT 1").get() as {
        id: number;
      };
      pick = { product: Number(p.id), test: Number(t.id), at: performance.now() };
    }
    await time("list_tests", { product_id: pick.product });
    await time("get_test_summary", { test_id: pick.test });
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return samples;
}
