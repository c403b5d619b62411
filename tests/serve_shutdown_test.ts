/**
 * The server releases everything when its client goes away: stdin closing or SIGTERM/SIGINT ends the
 * process promptly, with the database closed and its WAL checkpointed.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { Repositories } from "../src/db/repos/index.ts";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
}) + "\n";

async function startServer(env: Record<string, string>, args = ["serve", "--no-sync"]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
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
      assert.ok(elapsed < 2000, `exited ${Math.round(elapsed)} ms after ${how}: more than 2 s`);
      const wal = await Deno.stat(`${fx.dbPath}-wal`).then((s) => s.size).catch(() => 0);
      assert.equal(wal, 0, "WAL checkpointed and truncated on close");
      assert.match(stderr, /shutting down/);
    });
  }

  await t.step("on SIGTERM while the start-up sync is running: the sync is cancelled", async () => {
    // A one-second interval makes the server sync at start (or a second later); a slow API keeps that
    // sync busy.
    fx.api.setFaults({ latencyMs: 400 });
    fx.api.resetRequests();
    const { child, writer } = await startServer(
      { ...fx.env, TESTIO_LOG_LEVEL: "info", TESTIO_REFRESH_INTERVAL_SECONDS: "1" },
      ["serve"],
    );
    const deadline = Date.now() + 15_000;
    while (fx.api.countRequests("products") === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    child.kill("SIGTERM");
    await writer.close().catch(() => {});
    const status = await child.status;
    const elapsed = performance.now() - started;
    fx.api.clearFaults();
    await child.stdout.cancel().catch(() => {});
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, stderr);
    assert.ok(elapsed < 2000, `exited ${Math.round(elapsed)} ms after SIGTERM during a sync: more than 2 s`);
    using db = openDatabase(fx.dbPath);
    using repos = new Repositories(db);
    assert.equal(repos.syncEvents.recent(1)[0].status, "cancelled", stderr);
    const wal = await Deno.stat(`${fx.dbPath}-wal`).then((s) => s.size).catch(() => 0);
    assert.equal(wal, 0, "WAL checkpointed and truncated on close");
  });
});
