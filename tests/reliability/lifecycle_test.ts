/**
 * Resources over a long run: thousands of sequential tool calls against a spawned server leave
 * the number of open file descriptors where it was and RSS growth bounded, and the server still
 * exits within 2 s of stdin closing, with its WAL checkpointed. (SIGTERM and SIGINT shutdown timing
 * is asserted in tests/serve_shutdown_test.ts.)
 *
 * Every fourth call (every other one in the long form) has a filter shape not seen before: list
 * lengths and combinations change the SQL text, which is what would make per-shape caches grow. V8
 * grows its heap lazily by hundreds of MiB before it collects, so the server runs with a capped old
 * space here: RSS then shows what is retained, not what is merely not yet collected, and a leak on
 * the heap ends the process.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "../helpers/fixture.ts";
import { LONG, sized } from "./helpers.ts";
import { spawnRawServer } from "./rpc.ts";
import { MEMORY_FLAGS } from "../../src/cli/permissions.ts";

const CALLS = sized(1_000, 10_000);
const WARMUP = 300;
/** RSS may grow this much after warm-up (V8 sizes its heap lazily; a leak grows without bound). */
const RSS_BUDGET_KIB = 32 * 1024;
/** One call in this many has a new filter shape. */
const SHAPED_EVERY = sized(4, 2);

function openFds(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
}

Deno.test({
  name: `lifecycle: ${CALLS} sequential calls keep file descriptors and memory in check`,
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using fx = await syncedFixture({ scale: "S" });
    await using server = await spawnRawServer({ ...fx.env, TESTIO_LOG_LEVEL: "warn" }, {
      // The V8 flags the server ships with (deno task start, the compiled binary).
      permissions: ["-A", ...MEMORY_FLAGS],
    });
    const data = fx.api.dataset;
    const products = data.products.map((p) => p.id);
    const tests = products.flatMap((p) => data.testsOf(p).map((x) => x.id));
    const bugs = tests.slice(0, 50).flatMap((id) => data.bugsOf(id).slice(0, 1).map((b) => b.id));
    const pick = <T>(xs: T[], i: number) => xs[i % xs.length];
    const calls: [string, (i: number) => Record<string, unknown>][] = [
      ["list_products", () => ({})],
      ["list_tests", (i) => ({ product_id: pick(products, i), page: 1 + (i % 3) })],
      ["get_test_summary", (i) => ({ test_id: pick(tests, i) })],
      ["list_bugs", (i) => ({ product_id: pick(products, i), per_page: 25 })],
      ["get_bug_summary", (i) => ({ bug_id: pick(bugs, i) })],
      ["search", (i) => ({ query: pick(["login", "checkout", "crash*"], i) })],
      ["query_metrics", () => ({ metrics: ["bug_count"], dimensions: ["month"] })],
      ["get_product_summary", (i) => ({ product_id: pick(products, i) })],
      ["get_test_summary", () => ({ test_id: 999_999_999 })],
      ["list_tests", () => ({ product_id: "not a number" })],
      ["generate_quality_report", (i) => ({ product_ids: [pick(products, i)] })],
    ];
    const statuses = ["open", "accepted", "rejected", "auto_accepted"];
    const severities = ["low", "high", "critical", "visual", "content", "custom"];
    const sorts = ["reported_at", "severity", "status", "title"];
    // A new filter shape each time: test-id list lengths × status, severity and sort combinations.
    const shaped = (i: number): [string, Record<string, unknown>] => [
      "list_bugs",
      {
        test_ids: tests.slice(0, 1 + (i % 60)),
        statuses: statuses.slice(0, 1 + (Math.floor(i / 60) % 4)),
        severities: severities.slice(0, 1 + (Math.floor(i / 240) % 6)),
        sort_by: sorts[Math.floor(i / 1440) % 4],
      },
    ];
    const run = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const [name, args] = i % SHAPED_EVERY === 0
          ? shaped(Math.floor(i / SHAPED_EVERY))
          : ((c) => [c[0], c[1](i)] as const)(calls[i % calls.length]);
        const reply = await server.callTool(name, args);
        assert.ok(!("rpcError" in reply), `${name}: ${JSON.stringify(reply)}`);
      }
    };

    await run(0, WARMUP);
    const fdsBefore = openFds(server.pid);
    const rssBefore = rssKiB(server.pid);
    let fdsPeak = fdsBefore;
    const series: number[] = [];
    const step = Math.max(50, Math.floor(CALLS / 20));
    for (let done = 0; done < CALLS; done += step) {
      await run(WARMUP + done, WARMUP + Math.min(CALLS, done + step));
      fdsPeak = Math.max(fdsPeak, openFds(server.pid));
      series.push(rssKiB(server.pid));
    }
    const fdsAfter = openFds(server.pid);
    const mib = (kib: number) => Math.round(kib / 1024);
    // Medians of the second and the last quarter of the samples: one allocator spike decides nothing.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const q = Math.floor(series.length / 4);
    const second = median(series.slice(q, 2 * q));
    const last = median(series.slice(3 * q));
    console.error(
      `lifecycle: ${CALLS} calls; fds ${fdsBefore} → ${fdsAfter} (peak ${fdsPeak}); RSS ${mib(rssBefore)} → ${
        mib(last)
      } MiB (every ${step} calls: ${series.map(mib).join(" ")})${LONG ? " (long form)" : ""}`,
    );
    assert.ok(fdsAfter <= fdsBefore + 2, `open file descriptors grew from ${fdsBefore} to ${fdsAfter}`);
    assert.ok(fdsPeak <= fdsBefore + 8, `open file descriptors peaked at ${fdsPeak} (from ${fdsBefore})`);
    assert.ok(last - rssBefore < RSS_BUDGET_KIB, `RSS grew by ${mib(last - rssBefore)} MiB`);
    // Allocators settle early; what still grows in the second half grows with every call.
    assert.ok(
      last - second < RSS_BUDGET_KIB / 2,
      `RSS grew by ${mib(last - second)} MiB between the second and the last quarter of the calls`,
    );
    assert.deepEqual(server.strayLines, []);

    const { status, ms } = await server.closeStdin();
    assert.equal(status.code, 0, server.stderr());
    assert.ok(ms < 2_000, `exited ${Math.round(ms)} ms after stdin closed`);
    const wal = await Deno.stat(`${fx.dbPath}-wal`).then((s) => s.size).catch(() => 0);
    assert.equal(wal, 0, "WAL checkpointed and truncated on close");
  },
});
