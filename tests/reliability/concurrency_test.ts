/**
 * Readers never see the writer: 8 MCP clients, each on its own server and database connection, call
 * tools back to back while full syncs in a separate process rewrite the whole cache (and stale tests
 * are refreshed from the clients' side, so their connections write too). Zero errors, zero
 * "database is locked", every answer valid against its output schema.
 *
 * Two syncs at once: the process-level behaviour (one syncs, the other exits 3 naming the holder) is
 * tested in tests/cli_sync_test.ts; here the same rule holds for two engines of one process on two
 * connections.
 */
import assert from "node:assert/strict";
import { openApp } from "../../src/app.ts";
import { SyncBusyError } from "../../src/errors.ts";
import { openDatabase } from "../../src/db/database.ts";
import { silentLogger } from "../../src/log.ts";
import { syncedFixture } from "../helpers/fixture.ts";
import { inProcessServer, ROOT } from "../helpers/mcp.ts";
import { childEnv } from "../helpers/stdio_process.ts";
import { checkResult } from "../helpers/tool_support.ts";
import { assertIntact, LONG, sized } from "./helpers.ts";

const CLIENTS = 8;
const CALLS = sized(40, 500);
const LOCKED = /database is locked|SQLITE_BUSY|database table is locked/i;

Deno.test(`concurrency: ${CLIENTS} clients × ${CALLS} calls while full syncs write`, async () => {
  await using fx = await syncedFixture({ scale: "S" });
  const data = fx.api.dataset;
  const products = data.products.map((p) => p.id);
  const tests = products.flatMap((p) => data.testsOf(p).map((x) => x.id));
  const running = products.flatMap((p) => data.testsOf(p)).filter((x) => x.status === "running").map((x) =>
    x.id
  );
  const bugs = tests.slice(0, 40).flatMap((id) => data.bugsOf(id).slice(0, 2).map((b) => b.id));
  fx.api.setFaults({ latencyMs: 10 });

  const env = await childEnv(fx.env);
  const syncs: { code: number; stderr: string; started: number; ended: number }[] = [];
  let stop = false;
  const writer = (async () => {
    while (!stop) {
      const started = performance.now();
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`, "sync", "--force"],
        env,
        cwd: ROOT,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      syncs.push({
        code: out.code,
        stderr: new TextDecoder().decode(out.stderr),
        started,
        ended: performance.now(),
      });
    }
  })();

  const servers = await Promise.all(Array.from({ length: CLIENTS }, () => inProcessServer(fx)));
  // Running tests older than the TTL are refreshed by the tools: the readers' connections write too.
  using cache = openDatabase(fx.dbPath);
  const age = () =>
    cache.exec(
      `UPDATE tests SET synced_at = '2000-01-01T00:00:00Z', bugs_synced_at = '2000-01-01T00:00:00Z'
       WHERE id IN (${running.slice(0, 6).join(",")})`,
    );
  age();
  // The first sync process has to be under way before the clients start.
  while (!stop && syncs.length === 0 && fx.api.countRequests("tests") === 0) {
    await new Promise((r) => setTimeout(r, 10));
  }

  const pick = <T>(xs: T[], i: number) => xs[i % xs.length];
  const calls: [string, (i: number) => Record<string, unknown>][] = [
    ["list_products", () => ({})],
    ["list_tests", (i) => ({ product_id: pick(products, i), per_page: 20 })],
    ["list_bugs", (i) => ({ product_id: pick(products, i), per_page: 20, sort_by: "severity" })],
    ["get_test_summary", (i) => ({ test_id: pick(i % 3 ? tests : running, i) })],
    ["get_product_summary", (i) => ({ product_id: pick(products, i) })],
    ["list_features", (i) => ({ product_id: pick(products, i) })],
    ["search", (i) => ({ query: pick(["login", "checkout", "crash*", "payment"], i) })],
    ["query_metrics", () => ({ metrics: ["bug_count", "rejection_rate"], dimensions: ["severity"] })],
    ["get_bug_summary", (i) => ({ bug_id: pick(bugs, i) })],
    ["list_users", (i) => ({ user_type: i % 2 ? "tester" : "customer", sort_by: "bug_count" })],
    ["generate_quality_report", (i) => ({ product_ids: [pick(products, i)] })],
  ];

  const errors: string[] = [];
  let done = 0;
  const callsStarted = performance.now();
  const pagesBefore = fx.api.countRequests("tests");
  try {
    await Promise.all(servers.map(async (server, c) => {
      for (let i = 0; i < CALLS; i++) {
        const [name, args] = calls[(i + c) % calls.length];
        if (c === 0 && i % 25 === 0) age();
        try {
          const result = await server.call(name, args(i * CLIENTS + c));
          checkResult(name, result);
          const text = JSON.stringify(result);
          if (LOCKED.test(text)) errors.push(`${name}: ${text.slice(0, 300)}`);
        } catch (err) {
          errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500));
        }
        done++;
      }
    }));
  } finally {
    stop = true;
    await writer;
    for (const s of servers) await s[Symbol.asyncDispose]();
  }
  const callsEnded = performance.now();
  // Test-list pages are read by syncs only, and each one is written in its own transaction.
  const pagesDuring = fx.api.countRequests("tests") - pagesBefore;

  const overlapping = syncs.filter((s) => s.started < callsEnded && s.ended > callsStarted);
  console.error(
    `concurrency: ${done} calls by ${CLIENTS} clients in ${Math.round(callsEnded - callsStarted)} ms, ` +
      `${overlapping.length} full syncs (${pagesDuring} test pages) writing meanwhile${
        LONG ? " (long form)" : ""
      }`,
  );
  assert.deepEqual(errors, []);
  assert.equal(done, CLIENTS * CALLS);
  assert.ok(overlapping.length >= 1 && pagesDuring > 0, "a sync wrote while the clients read");
  for (const s of syncs) {
    assert.equal(s.code, 0, s.stderr);
    assert.doesNotMatch(s.stderr, LOCKED);
  }
  await using app = openApp(fx.config(), silentLogger());
  assertIntact(app.db);
});

Deno.test("two syncs at once in one process, on two connections: one waits or fails naming the holder", async () => {
  await using fx = await syncedFixture({ scale: "S" });
  await using a = openApp(fx.config(), silentLogger());
  await using b = openApp(fx.config(), silentLogger());
  fx.api.setFaults({ latencyMs: 20 });
  const first = a.engine.run({ mode: "full", trigger: "test" });
  while (!a.engine.running || fx.api.countRequests("products") === 0) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await assert.rejects(
    b.engine.run({ mode: "full", trigger: "test", lockWaitMs: 0 }),
    (err: unknown) => err instanceof SyncBusyError && err.holder.pid === Deno.pid,
  );
  const waiting = b.engine.run({ mode: "incremental", trigger: "test", lockWaitMs: 30_000 });
  const [one, two] = await Promise.all([first, waiting]);
  assert.equal(one.status, "completed");
  assert.equal(two.status, "completed", "the waiting sync ran once the lock was free");
  const events = a.repos.syncEvents.recent(10);
  assert.equal(events.filter((e) => e.status === "running").length, 0);
});
