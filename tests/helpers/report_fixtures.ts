/**
 * Hand-built cache contents for the report, metrics and search tests: a migrated database (in memory
 * or in a temp file) and terse builders that write through the repositories' upsert methods, so the
 * triggers and aggregates run exactly as they do after a sync.
 *
 * @example
 * ```ts
 * using fx = handBuiltCache();
 * fx.product(1, "Shop");
 * fx.test({ id: 10, product_id: 1, status: "archived", end_at: "2025-03-02T10:00:00Z" });
 * fx.bugs(10, [{ id: 100, status: "rejected" }]);
 * ```
 */
import { type Config, loadConfig } from "../../src/config.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrateUp } from "../../src/db/migrations.ts";
import { Repositories } from "../../src/db/repos/index.ts";
import type { BugInput } from "../../src/db/repos/bugs.ts";
import type { FeatureInput } from "../../src/db/repos/features.ts";
import type { PlatformInput, TestFeatureInput, TestInput } from "../../src/db/repos/tests.ts";
import type { AppContext } from "../../src/mcp/context.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";
import { Client, InMemoryTransport } from "../../src/mcp/sdk_client.ts";
import { silentLogger } from "../../src/log.ts";
import type { FreshnessResult } from "../../src/sync/types.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import assert from "node:assert/strict";

/** The sync time every hand-built row carries. */
export const SYNCED_AT = "2025-06-01T00:00:00Z";

/** Partial test: id and product are required, the rest has defaults. */
export type TestSeed = Partial<Omit<TestInput, "features" | "platforms">> & {
  id: number;
  product_id: number;
  features?: (Partial<TestFeatureInput> & { feature_id: number })[];
  platforms?: Partial<PlatformInput>[];
};

/** Partial bug: id is required; status is the derived status. */
export type BugSeed = Partial<BugInput> & { id: number };

/** A migrated database with builders. */
export interface HandBuiltCache extends Disposable {
  db: Database;
  repos: Repositories;
  product(id: number, name: string, description?: string | null): void;
  feature(f: Partial<FeatureInput> & { id: number; product_id: number; title: string }): void;
  test(t: TestSeed): void;
  /** Replaces the bugs of one test. */
  bugs(testId: number, bugs: BugSeed[]): void;
}

/** Opens a migrated database (`:memory:` unless a path is given) with builders. */
export function handBuiltCache(path = ":memory:"): HandBuiltCache {
  const db = openDatabase(path);
  migrateUp(db);
  const repos = new Repositories(db);
  const products = new Map<number, string>();
  const features = new Map<number, FeatureInput[]>();
  const testProducts = new Map<number, number>();
  let nextTestFeature = 900_000;
  return {
    db,
    repos,
    product(id, name, description = null) {
      products.set(id, name);
      repos.products.upsertMany([{
        id,
        name,
        type: "website",
        description,
        has_sections: false,
        default_section_id: null,
        sections: [],
        raw: { id, name },
      }], SYNCED_AT);
    },
    feature(f) {
      const list = (features.get(f.product_id) ?? []).filter((x) => x.id !== f.id);
      const full: FeatureInput = {
        description: null,
        howtofind: null,
        section_ids: [],
        user_stories: [],
        ...f,
        raw: { id: f.id, title: f.title, user_stories: f.user_stories ?? [] },
      };
      list.push(full);
      features.set(f.product_id, list);
      db.write(() => repos.features.replaceForProduct(f.product_id, list, SYNCED_AT));
    },
    test(t) {
      testProducts.set(t.id, t.product_id);
      const input: TestInput = {
        section_id: null,
        section_name: null,
        title: `Test ${t.id}`,
        status: "archived",
        review_status: null,
        testing_type: "coverage",
        goal: null,
        instructions: null,
        out_of_scope: null,
        start_at: null,
        end_at: null,
        test_environment: null,
        created_by: null,
        submitted_by: null,
        ...t,
        features: (t.features ?? []).map((f) => ({
          id: f.id ?? nextTestFeature++,
          title: f.title ?? `Feature ${f.feature_id}`,
          user_stories: [],
          ...f,
        })),
        platforms: (t.platforms ?? []).map((p) => ({
          category: null,
          os: null,
          min_version: null,
          max_version: null,
          browsers: [],
          ...p,
        })),
      };
      db.write(() => repos.tests.upsertMany([input], SYNCED_AT));
    },
    bugs(testId, bugs) {
      const productId = testProducts.get(testId);
      if (productId === undefined) throw new Error(`Seed test ${testId} before its bugs`);
      const full = bugs.map((b): BugInput => {
        const status = b.status ?? "forwarded";
        return {
          test_id: testId,
          product_id: productId,
          test_feature_id: null,
          feature_id: null,
          title: `Bug ${b.id}`,
          severity: "low",
          status,
          auto_accepted: status === "auto_accepted",
          known: false,
          rejection_reason: null,
          actual_result: null,
          expected_result: null,
          steps: [],
          location: null,
          author: null,
          reported_at: null,
          comments_count: 0,
          devices: [],
          ...b,
        };
      });
      db.write(() => repos.bugs.replaceForTests([testId], full, SYNCED_AT));
    },
    [Symbol.dispose]() {
      repos[Symbol.dispose]();
      db[Symbol.dispose]();
    },
  };
}

/** `n` bug seeds with ids from `firstId`, all of one status. */
export function bugsOf(firstId: number, n: number, status: string, extra: Partial<BugSeed> = {}): BugSeed[] {
  return Array.from({ length: n }, (_, i) => ({ id: firstId + i, status, ...extra }));
}

/** A connected MCP client over a hand-built cache, with freshness calls recorded. */
export interface HandBuiltServer extends AsyncDisposable {
  ctx: AppContext;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Freshness calls the tools made, e.g. "ensureProductTests 1 bugs". */
  refreshed: string[];
}

/**
 * Serves the real MCP server over a hand-built cache. Freshness reports nothing refreshed (the cache
 * is the whole truth here) and records what tools asked for; settings come from `env`.
 */
export async function handBuiltServer(
  fx: HandBuiltCache,
  env: Record<string, string> = {},
): Promise<HandBuiltServer> {
  const config: Config = loadConfig({
    env: { HOME: "/nonexistent", TESTIO_REPORTS_DIR: "/nonexistent/reports", ...env },
    dotenvDir: null,
  });
  const refreshed: string[] = [];
  const none = (what: string): Promise<FreshnessResult> => {
    refreshed.push(what);
    return Promise.resolve({ refreshed: 0, warnings: [] });
  };
  const ctx: AppContext = {
    config,
    log: silentLogger(),
    repos: fx.repos,
    freshness: {
      ensureTests: (ids, o) => none(`ensureTests ${ids.join(",")}${o?.bugs ? " bugs" : ""}`),
      ensureProductTests: (id, o) => none(`ensureProductTests ${id}${o?.bugs ? " bugs" : ""}`),
      ensureFeatures: (id) => none(`ensureFeatures ${id}`),
    },
    sync: {
      run: () => Promise.reject(new Error("no sync in hand-built tests")),
      running: false,
      circuitOpen: false,
    },
    api: { check: () => Promise.resolve({ reachable: false, latency_ms: null, status: null }) },
    version: "test",
    startedAt: new Date("2025-06-01T00:00:00Z"),
    transport: "stdio",
    now: () => new Date("2025-06-15T12:00:00Z"),
  };
  const { server } = createMcpServer(ctx);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    ctx,
    refreshed,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

/**
 * The structured content of a successful result, checked against the tool's output schema and
 * against its text copy.
 */
export function ok<T = Record<string, unknown>>(name: string, result: CallToolResult): T {
  const first = result.content[0];
  const text = first && first.type === "text" ? first.text : "";
  assert.ok(!result.isError, `${name} failed: ${text}`);
  const tool = ALL_TOOLS.find((t) => t.name === name);
  assert.ok(tool, `no tool ${name}`);
  tool.output.parse(result.structuredContent);
  assert.deepEqual(JSON.parse(text), result.structuredContent);
  return result.structuredContent as T;
}

/** The three lines of an error result (fails on success). */
export function failure(result: CallToolResult): { what: string; why: string; next: string } {
  const first = result.content[0];
  const text = first && first.type === "text" ? first.text : "";
  assert.ok(result.isError, `expected an error, got ${text.slice(0, 300)}`);
  const [what, why, next] = text.split("\n");
  assert.match(what, /^❌ /);
  assert.match(why, /^ℹ️ /);
  assert.match(next, /^💡 /);
  return { what, why, next };
}
