import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer, ROOT } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";
import { Client, StreamableHTTPClientTransport } from "../src/mcp/sdk_client.ts";
import { serveHttp } from "../src/mcp/http.ts";
import { silentLogger } from "../src/log.ts";
import { VERSION } from "../src/app.ts";
import { ConfigError } from "../src/errors.ts";
import { openDatabase } from "../src/db/database.ts";
import { checkResult, readCache } from "./helpers/tool_support.ts";

const TOKEN = "test-http-token-0123456789";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

/** Headers of a Streamable HTTP POST. */
function mcpHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
}

/** A connected SDK client over Streamable HTTP. */
async function httpClient(
  url: string,
  token?: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  const client = new Client({ name: "http-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/** Sends one raw HTTP/1.1 request (fetch cannot set Host) and returns the status code. */
async function rawStatus(port: number, host: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const body = JSON.stringify(INITIALIZE);
    const request = `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    await conn.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1]);
  } finally {
    conn.close();
  }
}

Deno.test("Streamable HTTP transport", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  await using http = serveHttp({
    ctx: mcp.ctx,
    log: silentLogger(),
    port: 0,
    allowedOrigins: ["https://console.example.com"],
    maxBodyBytes: 4096,
  });
  const health = http.url.replace(/\/mcp$/, "/health");

  await t.step("binds loopback and answers /health", async () => {
    assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const res = await fetch(health);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.version, VERSION);
    assert.equal(typeof body.uptime_s, "number");
    assert.equal(await fetch(health, { method: "POST" }).then((r) => (r.body?.cancel(), r.status)), 405);
    const other = await fetch(http.url.replace(/\/mcp$/, "/other"));
    await other.body?.cancel();
    assert.equal(other.status, 404);
  });

  await t.step("a foreign Origin is refused; loopback and allowed origins pass", async () => {
    for (const origin of ["http://evil.example", "null", "http://127.0.0.1.evil.example:8080"]) {
      const res = await fetch(http.url, {
        method: "POST",
        headers: mcpHeaders({ origin }),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(res.status, 403, origin);
      assert.match((await res.json()).error.message, /origin/i);
    }
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:9999", "https://console.example.com"]) {
      const res = await fetch(http.url, {
        method: "POST",
        headers: mcpHeaders({ origin }),
        body: JSON.stringify(INITIALIZE),
      });
      await res.body?.cancel();
      assert.equal(res.status, 200, origin);
      assert.equal(res.headers.get("access-control-allow-origin"), origin);
      const id = res.headers.get("mcp-session-id");
      assert.ok(id);
      const del = await fetch(http.url, { method: "DELETE", headers: { "mcp-session-id": id, origin } });
      await del.body?.cancel();
    }
  });

  await t.step("a non-loopback Host is refused (DNS rebinding)", async () => {
    assert.equal(await rawStatus(http.port, "attacker.example:80"), 403);
    assert.equal(await rawStatus(http.port, `localhost:${http.port}`), 200);
  });

  await t.step("bodies above the limit get 413, invalid JSON 400", async () => {
    const big = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: "x".repeat(8192) } });
    const res = await fetch(http.url, { method: "POST", headers: mcpHeaders(), body: big });
    assert.equal(res.status, 413);
    assert.match((await res.json()).error.message, /too large/);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
        c.close();
      },
    });
    const streamed = await fetch(http.url, { method: "POST", headers: mcpHeaders(), body: chunks });
    await streamed.body?.cancel();
    assert.equal(streamed.status, 413, "an undeclared (chunked) body is bounded too");
    const bad = await fetch(http.url, { method: "POST", headers: mcpHeaders(), body: "{not json" });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, -32700);
  });

  await t.step("session rules: initialize first, unknown sessions 404, other methods 405", async () => {
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    const noSession = await fetch(http.url, {
      method: "POST",
      headers: mcpHeaders(),
      body: JSON.stringify(list),
    });
    assert.equal(noSession.status, 400);
    await noSession.body?.cancel();
    const unknown = await fetch(http.url, {
      method: "POST",
      headers: mcpHeaders({ "mcp-session-id": "no-such-session" }),
      body: JSON.stringify(list),
    });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const put = await fetch(http.url, { method: "PUT", body: "{}" });
    assert.equal(put.status, 405);
    await put.body?.cancel();
  });

  await t.step("two sessions share one database", async () => {
    const before = http.sessionCount;
    const a = await httpClient(http.url);
    const b = await httpClient(http.url);
    assert.equal(http.sessionCount, before + 2);
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    using sql = readCache(fx.dbPath);
    const id = sql.n("SELECT id AS n FROM products ORDER BY id LIMIT 1");
    using writer = openDatabase(fx.dbPath);
    writer.prepare("UPDATE products SET name = 'Renamed for the test' WHERE id = :id").run({ id });
    for (const { client } of [a, b]) {
      await client.listTools();
      const out = checkResult<{ product: { name: string } }>(
        "get_product_summary",
        await client.callTool({ name: "get_product_summary", arguments: { product_id: id } }) as never,
      );
      assert.equal(out.product.name, "Renamed for the test");
    }
    await a.transport.terminateSession();
    assert.equal(http.sessionCount, before + 1);
    const gone = await fetch(http.url, {
      method: "POST",
      headers: mcpHeaders({ "mcp-session-id": a.transport.sessionId ?? "" }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
    await a.client.close();
    await b.client.close();
  });

  await t.step("close() ends every session and stops listening", async () => {
    const c = await httpClient(http.url);
    assert.ok(http.sessionCount >= 1);
    await http.close();
    assert.equal(http.sessionCount, 0);
    await assert.rejects(() => fetch(health));
    await c.client.close();
  });
});

Deno.test("Streamable HTTP with TESTIO_HTTP_TOKEN", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  await using http = serveHttp({ ctx: mcp.ctx, log: silentLogger(), port: 0, httpToken: TOKEN });

  await t.step("requests without the bearer token get 401 with WWW-Authenticate", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Token ${TOKEN}`, "Bearer"]) {
      const res = await fetch(http.url, {
        method: "POST",
        headers: mcpHeaders(authorization ? { authorization } : {}),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(res.status, 401, String(authorization));
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer /);
      assert.doesNotMatch(await res.text(), new RegExp(TOKEN));
    }
  });

  await t.step("CORS preflights need no token, but a loopback or allowed origin", async () => {
    const preflight = await fetch(http.url, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:5173");
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
    const foreign = await fetch(http.url, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    await foreign.body?.cancel();
    assert.equal(foreign.status, 403);
  });

  await t.step("near misses of the token are refused", async () => {
    for (
      const authorization of [
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Bearer ${TOKEN.toUpperCase()}`,
        `Bearer ${TOKEN} ${TOKEN}`,
        `Bearer  ${TOKEN.slice(1)}`,
        `Basic ${btoa(`user:${TOKEN}`)}`,
      ]
    ) {
      const res = await fetch(http.url, {
        method: "POST",
        headers: mcpHeaders({ authorization }),
        body: JSON.stringify(INITIALIZE),
      });
      await res.body?.cancel();
      assert.equal(res.status, 401, authorization);
    }
  });

  await t.step("/health stays open; the right token works", async () => {
    const res = await fetch(http.url.replace(/\/mcp$/, "/health"));
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const { client } = await httpClient(http.url, TOKEN);
    await client.listTools();
    const out = checkResult<{ products: unknown[] }>(
      "list_products",
      await client.callTool({ name: "list_products", arguments: {} }) as never,
    );
    assert.equal(out.products.length, fx.api.dataset.products.length);
    await client.close();
  });
});

Deno.test("Streamable HTTP beyond loopback needs TESTIO_HTTP_TOKEN", async () => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  for (const host of ["0.0.0.0", "::"]) {
    assert.throws(
      () => serveHttp({ ctx: mcp.ctx, log: silentLogger(), host, port: 0 }),
      (err: unknown) => err instanceof ConfigError && /needs TESTIO_HTTP_TOKEN/.test(err.message),
      host,
    );
  }
  await using open = serveHttp({
    ctx: mcp.ctx,
    log: silentLogger(),
    host: "0.0.0.0",
    port: 0,
    httpToken: TOKEN,
  });
  const res = await fetch(open.url, {
    method: "POST",
    headers: mcpHeaders(),
    body: JSON.stringify(INITIALIZE),
  });
  await res.body?.cancel();
  assert.equal(res.status, 401, "the token is required on every request");
});

/** Reads JSON log lines from a child's stderr until one matches; returns it. */
async function waitForLog(
  lines: AsyncIterator<string>,
  match: (entry: Record<string, unknown>) => boolean,
  seen: string[],
): Promise<Record<string, unknown>> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the server exited before logging what was expected:\n${seen.join("\n")}`);
    seen.push(value);
    try {
      const entry = JSON.parse(value);
      if (match(entry)) return entry;
    } catch {
      // Not a JSON log line (e.g. a Deno warning): keep reading.
    }
  }
}

async function* splitLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

Deno.test("spawned `main.ts serve --transport http` on a loopback port", async (t) => {
  await using fx = await syncedFixture();
  using sql = readCache(fx.dbPath);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}main.ts`,
      "serve",
      "--transport",
      "http",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-sync",
    ],
    cwd: ROOT,
    env: await childEnv({
      ...fx.env,
      TESTIO_LOG_FORMAT: "json",
      TESTIO_LOG_LEVEL: "info",
      TESTIO_HTTP_TOKEN: TOKEN,
    }),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = splitLines(child.stderr);
  const seen: string[] = [];
  let exited = false;
  try {
    const ready = await waitForLog(
      lines,
      (e) => typeof e.url === "string" && String(e.msg).includes("HTTP"),
      seen,
    );
    const url = String(ready.url);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

    await t.step("guards: foreign origin 403, missing token 401, /health open", async () => {
      const foreign = await fetch(url, {
        method: "POST",
        headers: mcpHeaders({ origin: "https://evil.example", authorization: `Bearer ${TOKEN}` }),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(foreign.status, 403);
      await foreign.body?.cancel();
      const anonymous = await fetch(url, {
        method: "POST",
        headers: mcpHeaders(),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const health = await fetch(url.replace(/\/mcp$/, "/health"));
      assert.equal((await health.json()).status, "ok");
    });

    await t.step("an SDK client lists and calls the tools", async () => {
      const { client } = await httpClient(url, TOKEN);
      const { tools } = await client.listTools();
      assert.ok(tools.length >= 18);
      const productId = sql.n("SELECT id AS n FROM products ORDER BY id LIMIT 1");
      const summary = checkResult<{ product: { test_count: number; bug_count: number } }>(
        "get_product_summary",
        await client.callTool({ name: "get_product_summary", arguments: { product_id: productId } }) as never,
      );
      assert.equal(
        summary.product.test_count,
        sql.n("SELECT count(*) AS n FROM tests WHERE product_id = :p", { p: productId }),
      );
      assert.equal(
        summary.product.bug_count,
        sql.n("SELECT count(*) AS n FROM bugs WHERE product_id = :p", { p: productId }),
      );
      const bugs = checkResult<{ pagination: { total_count: number } }>(
        "list_bugs",
        await client.callTool({
          name: "list_bugs",
          arguments: { product_id: productId, statuses: "open" },
        }) as never,
      );
      assert.equal(
        bugs.pagination.total_count,
        sql.n("SELECT count(*) AS n FROM bugs WHERE product_id = :p AND status = 'forwarded'", {
          p: productId,
        }),
      );
      const error = await client.callTool({ name: "get_bug_summary", arguments: { bug_id: 1 } });
      assert.equal(error.isError, true);
      await client.close();
    });

    await t.step("SIGTERM shuts it down cleanly, without leaking the token", async () => {
      child.kill("SIGTERM");
      const status = await child.status;
      exited = true;
      for await (const line of { [Symbol.asyncIterator]: () => lines }) seen.push(line);
      assert.equal(status.code, 0, seen.join("\n"));
      assert.ok(!seen.join("\n").includes(TOKEN), "the token never reaches the log");
    });
  } finally {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone: the assertion that failed says why.
      }
      await child.status;
    }
    await child.stderr.cancel().catch(() => {});
  }
});
