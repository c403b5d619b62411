/**
 * Inputs cost what they are worth, over the real stdio of a spawned `main.ts serve`: an 11 MiB
 * message gets a JSON-RPC error with its request's id and the server keeps serving; an id list far
 * beyond a tool's cap gets the three-part error, and a ping behind it is answered.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";
import { splitLines } from "./helpers/http_process.ts";
import { MAX_MESSAGE_BYTES } from "../src/mcp/limits.ts";
import { requestIdOf } from "../src/mcp/stdio.ts";

type Answer = { id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } };

Deno.test("stdio: oversized messages and id lists are refused, and the server keeps serving", async () => {
  await using fx = await syncedFixture();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "serve", "--no-sync"],
    cwd: ROOT,
    env: await childEnv({ ...fx.env, TESTIO_LOG_LEVEL: "warn" }),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  const logDone = (async () => {
    for (;;) {
      const { value, done } = await stderr.read();
      if (done) return;
      log += value;
    }
  })();
  const writer = child.stdin.getWriter();
  const lines = splitLines(child.stdout);
  const send = (message: unknown) => writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  const next = async (): Promise<Answer> => {
    const { value, done } = await lines.next();
    assert.ok(!done, `the server closed its stdout; log:\n${log}`);
    return JSON.parse(value as string);
  };
  try {
    await send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    assert.equal((await next()).id, 1);
    await send({ jsonrpc: "2.0", method: "notifications/initialized" });

    // 11 MiB of ids in one line, the request id at its end (as the SDK's client writes it).
    const ids = Array.from({ length: 1_600_000 }, (_, i) => 1_000_000 + i);
    const huge = { method: "tools/call", params: { name: "list_bugs", arguments: { test_ids: ids } } };
    const text = JSON.stringify({ ...huge, jsonrpc: "2.0", id: 2 });
    assert.ok(text.length > 11 * 1024 * 1024);
    await send(JSON.parse(text));
    const refused = await next();
    assert.equal(refused.id, 2);
    assert.equal(refused.error?.code, -32600);
    assert.match(refused.error!.message, new RegExp(`too large.*at most ${MAX_MESSAGE_BYTES}`));

    await send({ jsonrpc: "2.0", id: 3, method: "ping" });
    assert.deepEqual(await next(), { jsonrpc: "2.0", id: 3, result: {} });

    // Below the message limit but far over the tool's cap: the three-part error, at once.
    const many = Array.from({ length: 100_000 }, (_, i) => i + 1).join(",");
    await send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "list_bugs", arguments: { test_ids: many } },
    });
    await send({ jsonrpc: "2.0", id: 5, method: "ping" });
    const capped = await next();
    assert.equal(capped.id, 4);
    assert.equal(capped.result?.isError, true);
    const message = (capped.result?.content as { text: string }[])[0].text;
    assert.match(message, /❌ 'test_ids' lists more than 500 distinct ids; it accepts at most 500/);
    assert.match(message, /ℹ️ .+\n💡 Split the ids/);
    assert.deepEqual(await next(), { jsonrpc: "2.0", id: 5, result: {} });

    // A line that is not JSON gets a parse error (its answer may come before the call's).
    await send({ jsonrpc: "2.0", id: 6, method: "tools/call" });
    await writer.write(new TextEncoder().encode("{not json\n"));
    const last = [await next(), await next()];
    assert.ok(last.some((a) => a.id === 6), JSON.stringify(last));
    assert.ok(last.some((a) => a.id === null && a.error?.code === -32700), JSON.stringify(last));
  } finally {
    await writer.close().catch(() => {});
    const status = await child.status;
    await logDone;
    assert.equal(status.code, 0, log);
    assert.match(log, /stdio message refused/);
    assert.doesNotMatch(log, /^\s+at /m, "no stack trace in the log");
  }
});

Deno.test("the request id of a skipped line is read from its start or its end", () => {
  assert.equal(requestIdOf('{"jsonrpc":"2.0","id":7,"method":"x","params":{"a":[1,2', ""), 7);
  assert.equal(requestIdOf('{"id":"a-1","method"', ""), "a-1");
  assert.equal(requestIdOf('{"method":"tools/call","params":{"x":[', '3,4]}},"jsonrpc":"2.0","id":12}'), 12);
  assert.equal(requestIdOf('{"method":"x","params":{"y":[', '1]},"id":"q\\"z"}\n'), 'q"z');
  assert.equal(
    requestIdOf('{"method":"x","params":{"a":', '{"id":5}}}'),
    null,
    "a nested id is not the request's",
  );
  assert.equal(requestIdOf("[[[[", "]]]]"), null);
});
