/**
 * The server releases everything when its client goes away: stdin closing or SIGTERM/SIGINT ends the
 * process promptly, with the database closed and its WAL checkpointed.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
}) + "\n";

async function startServer(env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "serve", "--no-sync"],
    env: await childEnv(env),
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(INIT));
  // Wait for the initialize answer: the server is up and has opened the database.
  const reader = child.stdout.getReader();
  let seen = "";
  while (!seen.includes('"id":1')) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { child, writer, firstLine: seen };
}

Deno.test("serve shuts down cleanly", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });

  for (const how of ["stdin closes", "SIGTERM", "SIGINT"] as const) {
    await t.step(`when ${how}`, async () => {
      const { child, writer, firstLine } = await startServer({ ...fx.env, TESTIO_LOG_LEVEL: "info" });
      const answer = JSON.parse(firstLine.trim().split("\n")[0]);
      assert.equal(answer.result.serverInfo.name, "testio-mcp", "stdout carries only protocol messages");
      const started = performance.now();
      if (how === "stdin closes") await writer.close();
      else {
        child.kill(how);
        await writer.close().catch(() => {});
      }
      const status = await child.status;
      const elapsed = performance.now() - started;
      await child.stdout.cancel().catch(() => {});
      const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
      assert.equal(status.code, 0, stderr);
      assert.ok(elapsed < 5000, `exited after ${Math.round(elapsed)} ms`);
      const wal = await Deno.stat(`${fx.dbPath}-wal`).then((s) => s.size).catch(() => 0);
      assert.equal(wal, 0, "WAL checkpointed and truncated on close");
      assert.match(stderr, /shutting down/);
    });
  }
});
