import assert from "node:assert/strict";
import { fakeFixture, syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { VERSION } from "../src/app.ts";
import { LATEST_VERSION } from "../src/db/migrations.ts";
import { callError, callOk, readCache } from "./helpers/tool_support.ts";

interface Diagnostics {
  server: { version: string; schema_version: number; uptime_s: number; transport: string };
  api: { base_url: string; reachable: boolean; latency_ms: number | null; checked_at: string };
  database: {
    path: string;
    size_bytes: number;
    products: number;
    tests: number;
    bugs: number;
    features: number;
    users: number;
  };
  sync: {
    last_completed_at: string | null;
    last_status: string | null;
    running: boolean;
    failures_24h: number;
    successes_24h: number;
    circuit_open: boolean;
  };
  events?: {
    id: number;
    status: string;
    trigger: string;
    started_at: string;
    counters: Record<string, number>;
  }[];
  warnings?: string[];
}

Deno.test("get_server_diagnostics", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);

  await t.step("server, API, database and sync sections describe this process and cache", async () => {
    const out = await callOk<Diagnostics>(mcp, "get_server_diagnostics");
    assert.equal(out.server.version, VERSION);
    assert.equal(out.server.schema_version, LATEST_VERSION);
    assert.equal(out.server.transport, "stdio");
    assert.ok(out.server.uptime_s >= 0);
    assert.equal(out.api.base_url, fx.api.baseUrl);
    assert.equal(out.api.reachable, true);
    assert.equal(typeof out.api.latency_ms, "number");
    assert.ok(out.api.checked_at.endsWith("Z"));
    assert.equal(out.database.path, fx.dbPath);
    assert.ok(out.database.size_bytes > 0);
    for (const table of ["products", "tests", "bugs", "features", "users"] as const) {
      assert.equal(out.database[table], sql.n(`SELECT count(*) AS n FROM ${table}`), table);
    }
    assert.ok(out.sync.last_completed_at?.endsWith("Z"));
    assert.match(out.sync.last_status ?? "", /^completed/);
    assert.equal(out.sync.running, false);
    assert.ok(out.sync.successes_24h >= 1);
    assert.equal(out.sync.failures_24h, 0);
    assert.equal(out.sync.circuit_open, false);
    assert.equal(out.events, undefined, "events only on request");
  });

  await t.step("include_sync_events lists the newest runs, bounded by sync_event_limit", async () => {
    const out = await callOk<Diagnostics>(mcp, "get_server_diagnostics", {
      include_sync_events: "true",
      sync_event_limit: "1",
    });
    assert.equal(out.events?.length, 1);
    const newest = sql.all<{ id: number; status: string }>(
      "SELECT id, status FROM sync_events ORDER BY id DESC LIMIT 1",
    )[0];
    assert.equal(out.events![0].id, newest.id);
    assert.equal(out.events![0].status, newest.status);
  });

  await t.step("an unreachable API is reported, not thrown", async () => {
    await using down = await inProcessServer(fx, {}, (ctx) => ({
      ...ctx,
      api: { check: () => Promise.reject(new Error("connection refused")) },
    }));
    const out = await callOk<Diagnostics>(down, "get_server_diagnostics");
    assert.equal(out.api.reachable, false);
    assert.equal(out.api.latency_ms, null);
    assert.ok(out.warnings?.some((w) => w.includes("connection refused")));
    assert.equal(out.database.products, sql.n("SELECT count(*) AS n FROM products"));
  });

  await t.step("errors", async () => {
    await callError(mcp, "get_server_diagnostics", { sync_event_limit: 0 }, "sync_event_limit", "1–50");
    await callError(mcp, "get_server_diagnostics", { sync_event_limit: 51 }, "sync_event_limit");
    await callError(mcp, "get_server_diagnostics", { include_sync_events: "maybe" }, "include_sync_events");
    await callError(mcp, "get_server_diagnostics", { verbose: true }, "unknown argument");
  });
});

Deno.test("get_server_diagnostics on an empty cache", async () => {
  await using fx = await fakeFixture();
  await using mcp = await inProcessServer(fx);
  const out = await callOk<Diagnostics>(mcp, "get_server_diagnostics", { include_sync_events: true });
  assert.equal(out.database.products, 0);
  assert.equal(out.sync.last_completed_at, null);
  assert.equal(out.sync.last_status, null);
  assert.deepEqual(out.events, []);
  assert.ok(out.warnings?.some((w) => w.includes("sync_data")));
});
