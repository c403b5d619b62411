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
import { childEnv, connectStdio } from "./helpers/stdio_process.ts";

/**
 * `deno` arguments of the demo task (its permission flags, with `$HOME` expanded as the task shell
 * does), with main.ts made absolute.
 */
function demoTaskArgs(env: Record<string, string>, extra: string[] = []): string[] {
  const words = taskCommand("demo").split(/\s+/);
  assert.equal(words[0], "deno");
  return [
    ...words.slice(1).map((w) => (w === "main.ts" ? `${ROOT}main.ts` : w.replaceAll("$HOME", env.HOME))),
    ...extra,
  ];
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
  const server = await connectStdio(Deno.execPath(), demoTaskArgs(env), env, ROOT);
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
        args: demoTaskArgs(env, ["--transport", "http", "--port", "0"]),
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
