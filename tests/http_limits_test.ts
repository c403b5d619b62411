/**
 * The HTTP transport's bounds, each on a real loopback server with short limits: header and body
 * read timeouts (also against a client trickling its headers), the connection cap, a client that
 * stops reading, the JSON-RPC batch cap, `/health` that tells strangers nothing, and an id list far
 * beyond a tool's cap that costs a quick three-part error.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { readCache } from "./helpers/tool_support.ts";
import { JSON_HEADERS, openRawSession, PROTOCOL } from "./helpers/http_process.ts";
import { serveHttp } from "../src/mcp/http.ts";
import { createLogger } from "../src/log.ts";
import { VERSION } from "../src/app.ts";

const TOKEN = "test-http-token-0123456789";
const encoder = new TextEncoder();

/** Resolves once the server closed `conn` (reads until EOF or reset); false after `ms`. */
async function closedByServer(conn: Deno.Conn, ms: number): Promise<boolean> {
  const buf = new Uint8Array(64 * 1024);
  const timeout = new Promise<false>((r) => setTimeout(() => r(false), ms));
  const eof = (async () => {
    try {
      while ((await conn.read(buf)) !== null) { /* drain */ }
    } catch {
      // Reset by the server: closed too.
    }
    return true;
  })();
  const result = await Promise.race([eof, timeout]);
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  return result;
}

Deno.test("HTTP limits", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  const logged: string[] = [];
  await using http = await serveHttp({
    ctx: mcp.ctx,
    log: createLogger({ level: "debug", format: "json", sink: (l) => logged.push(l) }),
    port: 0,
    headersTimeoutMs: 300,
    bodyTimeoutMs: 300,
    writeStallMs: 500,
    maxConnections: 20,
    maxBatch: 100,
    sessionBytesInFlight: 64 * 1024,
    totalBytesInFlight: 256 * 1024,
  });
  const { port } = http;
  const productId = (() => {
    using sql = readCache(fx.dbPath);
    return sql.n("SELECT product_id AS n FROM bugs GROUP BY product_id ORDER BY count(*) DESC LIMIT 1");
  })();

  await t.step("unfinished headers and bodies are closed by the server", async () => {
    const partial = [
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n[{",
    ];
    for (const text of partial) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode(text));
      assert.ok(await closedByServer(conn, 10_000), text);
    }
  });

  await t.step("a client trickling its headers is closed at the header deadline", async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const closed = closedByServer(conn, 10_000);
    const trickle = (async () => {
      for (const ch of "GET /health HTTP/1.1\r\nX-Slow: " + "a".repeat(200)) {
        try {
          await conn.write(encoder.encode(ch));
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    assert.ok(await closed, "still open after 10 s of trickling");
    await trickle;
  });

  await t.step("past the connection cap, the connection waiting longest makes room", async () => {
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 40; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    // The first 20 were closed to make room for the last 20, before any deadline.
    const first = await Promise.all(conns.slice(0, 20).map((c) => closedByServer(c, 250)));
    assert.ok(first.every(Boolean), "the oldest waiting connections were closed");
    const res = await fetch(http.url.replace(/\/mcp$/, "/health"));
    assert.equal((await res.json()).status, "ok");
    await Promise.all(conns.slice(20).map((c) => closedByServer(c, 5_000)));
  });

  await t.step("a batch above the cap is refused", async () => {
    const session = await openRawSession(http.url);
    const batch = Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i + 1, method: "ping" }));
    const res = await fetch(http.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL },
      body: JSON.stringify(batch),
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /Batch too large: 101 messages, at most 100/);
    const ok = await fetch(http.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL },
      body: JSON.stringify(batch.slice(0, 100)),
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.text()).match(/"result":\{\}/g)?.length, 100, "every ping of the batch answered");
  });

  await t.step("a client that stops reading is disconnected with one log line", async () => {
    const session = await openRawSession(http.url);
    const batch = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i + 1,
      method: "tools/call",
      params: { name: "list_bugs", arguments: { product_id: productId, per_page: 200 } },
    })));
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nMcp-Session-Id: ${session}\r\n` +
        `Mcp-Protocol-Version: ${PROTOCOL}\r\nContent-Length: ${
          encoder.encode(batch).byteLength
        }\r\n\r\n${batch}`,
    ));
    // Not reading: the server's writes stall once the socket buffers are full.
    for (let i = 0; i < 100 && !logged.some((l) => l.includes("stopped reading")); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(logged.filter((l) => l.includes("stopped reading")).length, 1, logged.join("\n"));
    assert.ok(await closedByServer(conn, 10_000));
    // The session still serves a client that reads.
    const res = await fetch(http.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL },
      body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" }),
    });
    assert.match(await res.text(), /"id":99/);
  });

  await t.step("an id list far past a tool's cap gets the three-part error", async () => {
    const session = await openRawSession(http.url);
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 1).join(",");
    const res = await fetch(http.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "list_bugs", arguments: { test_ids: ids } },
      }),
    });
    const text = await res.text();
    assert.match(text, /"isError":true/);
    assert.match(text, /'test_ids' lists more than 500 distinct ids; it accepts at most 500/);
    assert.match(text, /Split the ids into calls of at most 500/);
  });

  await t.step("no log line carries a stack trace", () => {
    assert.deepEqual(logged.filter((l) => /"stack"/.test(l)), []);
  });
});

Deno.test("/health tells only trusted callers the version, uptime and session count", async () => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  await using http = await serveHttp({
    ctx: mcp.ctx,
    log: createLogger({ level: "error" }),
    port: 0,
    httpToken: TOKEN,
  });
  const health = http.url.replace(/\/mcp$/, "/health");
  const get = async (headers: Record<string, string>) => await (await fetch(health, { headers })).json();
  assert.deepEqual(await get({}), { status: "ok" }, "no token");
  assert.deepEqual(
    await get({ authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" }),
    { status: "ok" },
    "foreign origin",
  );
  const full = await get({ authorization: `Bearer ${TOKEN}` });
  assert.equal(full.status, "ok");
  assert.equal(full.version, VERSION);
  assert.equal(typeof full.uptime_s, "number");
  assert.equal(full.sessions, 0);
  // A foreign Host (DNS rebinding) learns nothing either.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: http.port });
  await conn.write(encoder.encode(
    `GET /health HTTP/1.1\r\nHost: attacker.example\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
  ));
  let text = "";
  const buf = new Uint8Array(4096);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.match(text, /\r\n\{"status":"ok"\}\r\n/);
  assert.doesNotMatch(text, /version|uptime|sessions/);
});
