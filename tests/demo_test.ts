/**
 * `deno task demo`, as a newcomer runs it (the task's own permission flags, a fresh HOME): MCP on
 * synthetic data driven by an SDK client; a second start reuses the synced demo cache and is
 * ready sooner; `--transport http` serves Streamable HTTP.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "../src/mcp/sdk_client.ts";
import type { CallToolResult } from "../src/mcp/sdk.ts";
import { ROOT, structured } from "./helpers/mcp.ts";
import { taskCommand } from "./helpers/tasks.ts";
import { childEnv, connectStdio, runCommand } from "./helpers/stdio_process.ts";
import { DEMO_FAILING_OFFSET } from "../src/cli/demo.ts";

/**
 * `deno` arguments of a task (its permission flags, with `$HOME` expanded as the task shell does),
 * with main.ts made absolute.
 */
function taskArgs(task: string, env: Record<string, string>, extra: string[] = []): string[] {
  const words = taskCommand(task).split(/\s+/);
  assert.equal(words[0], "deno");
  return [
    ...words.slice(1).map((w) => (w === "main.ts" ? `${ROOT}main.ts` : w.replaceAll("$HOME", env.HOME))),
    ...extra,
  ];
}

/** The review state every test of a status has in the demo (cancelled ones may have failed it). */
const REVIEW_OF: Record<string, string | null> = {
  initialized: null,
  waiting: "review_in_progress",
  running: "review_successful",
  locked: "review_successful",
  customer_finalized: "review_successful",
  archived: "review_successful",
};

interface DemoTest {
  id: number;
  status: string;
  review_status: string | null;
  start_at: string;
}

interface Product {
  id: number;
  name: string;
  test_count: number;
  bug_count: number;
}

/** Starts the demo over stdio and times how long until it answers its first tool call. */
async function startDemo(env: Record<string, string>) {
  const started = performance.now();
  const server = await connectStdio(Deno.execPath(), taskArgs("demo", env), env, ROOT);
  const products = structured<{ products: Product[] }>(await server.call("list_products")).products;
  return { server, products, readyMs: performance.now() - started };
}

Deno.test("demo: serves MCP on synthetic data, restarts from its cache, and over HTTP", async (t) => {
  const home = await Deno.makeTempDir({ prefix: "testio-mcp-demo-" });
  const env = await childEnv({ HOME: home });
  let firstMs = 0;
  let firstProducts: Product[] = [];
  try {
    await t.step("first start: syncs the demo data and answers tools", async () => {
      const { server, products, readyMs } = await startDemo(env);
      await using _server = server;
      firstMs = readyMs;
      firstProducts = products;
      const { tools } = await server.client.listTools();
      assert.ok(tools.length >= 3, "the catalog is registered");
      assert.ok(products.length >= 3, "the demo has several products");
      assert.ok(products.every((p) => p.name && p.test_count > 0), "with tests");
      assert.ok(products.some((p) => p.bug_count > 0), "and bugs");
      const banner = server.stderr();
      assert.match(banner, new RegExp(`testio-mcp demo: ${products.length} products, \\d+ tests, \\d+ bugs`));
      assert.match(banner, /Try asking/);
      assert.match(banner, /syncing the demo data/);
      const tests = await server.call("list_tests", { product_id: products[0].id, per_page: 5 });
      assert.ok(structured<{ tests: unknown[] }>(tests).tests.length > 0);
    });

    await t.step("the demo data hangs together and has a problematic range to show", async () => {
      await using server = await connectStdio(Deno.execPath(), taskArgs("demo", env), env, ROOT);
      const now = new Date().toISOString();
      for (const p of firstProducts) {
        const { tests } = structured<{ tests: DemoTest[] }>(
          await server.call("list_tests", { product_id: p.id, per_page: 200 }),
        );
        for (const x of tests) {
          assert.equal(x.review_status, REVIEW_OF[x.status] ?? x.review_status, `test ${x.id} ${x.status}`);
          if (x.start_at > now) assert.ok(["initialized", "waiting"].includes(x.status), `test ${x.id}`);
        }
      }
      const { users } = structured<{ users: { last_activity: string | null }[] }>(
        await server.call("list_users", { per_page: 200 }),
      );
      assert.ok(users.every((u) => u.last_activity === null || u.last_activity <= now), "no activity ahead");

      const problematic = structured<{ count: number; ranges: { offsets: number[] }[] }>(
        await server.call("get_problematic_tests"),
      );
      assert.equal(problematic.count, 1);
      assert.deepEqual(problematic.ranges[0].offsets, [DEMO_FAILING_OFFSET, DEMO_FAILING_OFFSET]);
      assert.match(server.stderr(), /one test-list page of the demo API fails on purpose/);
    });

    await t.step("`deno task problematic list` shows the range of the demo cache", async () => {
      const demoEnv = { ...env, TESTIO_DB_PATH: `${home}/.testio-mcp/demo-S.db` };
      const out = await runCommand(Deno.execPath(), taskArgs("problematic", demoEnv, ["list"]), {
        env: demoEnv,
        cwd: ROOT,
      });
      assert.equal(out.code, 0, out.stderr);
      assert.match(
        out.stdout,
        new RegExp(`^#1 product \\d+ offsets ${DEMO_FAILING_OFFSET}: before test \\d+`),
      );
    });

    await t.step("second start: reuses the synced demo cache and is ready sooner", async () => {
      Deno.statSync(`${home}/.testio-mcp/demo-S.db`);
      const { server, products, readyMs } = await startDemo(env);
      await using _server = server;
      assert.match(server.stderr(), /reusing the synced demo cache/);
      assert.doesNotMatch(server.stderr(), /syncing the demo data/);
      assert.deepEqual(products, firstProducts, "the same data");
      assert.ok(
        readyMs < firstMs,
        `restart ready in ${readyMs.toFixed(0)} ms, first start ${firstMs.toFixed(0)} ms`,
      );
    });

    await t.step("--transport http serves Streamable HTTP on loopback", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: taskArgs("demo", env, ["--transport", "http", "--port", "0"]),
        env,
        clearEnv: true,
        cwd: ROOT,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      let stderr = "";
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      try {
        const deadline = Date.now() + 60_000;
        let url: string | undefined;
        while (!url && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          stderr += value;
          url = /Streamable HTTP at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)?.[1];
        }
        assert.ok(url, `the banner names the URL:\n${stderr}`);
        const client = new Client({ name: "demo-test", version: "1.0.0" });
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        try {
          assert.ok((await client.listTools()).tools.some((tool) => tool.name === "list_products"));
          const result = (await client.callTool({ name: "list_products", arguments: {} })) as CallToolResult;
          assert.equal(structured<{ products: Product[] }>(result).products.length, firstProducts.length);
        } finally {
          await client.close();
        }
      } finally {
        child.kill("SIGTERM");
        // Keep draining stderr so the child never blocks on a full pipe while it shuts down.
        (async () => {
          for (;;) if ((await reader.read()).done) break;
        })().catch(() => {});
        const status = await child.status;
        assert.equal(status.code, 0, `clean shutdown on SIGTERM:\n${stderr}`);
      }
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
