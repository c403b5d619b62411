import assert from "node:assert/strict";
import { startCheckpointer } from "../src/db/checkpointer.ts";
import { openDatabase } from "../src/db/database.ts";

const autocheckpoint = (db: { raw: { prepare(sql: string): { get(): unknown } } }) =>
  (db.raw.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;

Deno.test("the checkpointer copies the WAL into the file from a worker while the writer does not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-checkpointer-" });
  try {
    const path = `${dir}/cache.db`;
    using db = openDatabase(path);
    db.exec("CREATE TABLE t (v TEXT NOT NULL)");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const before = Deno.statSync(path).size;
    {
      await using checkpoints = await startCheckpointer(db, 20);
      assert.equal(checkpoints.running, true);
      assert.equal(autocheckpoint(db), 0);
      // About 3,000 pages in small transactions: past the default 1,000-page automatic checkpoint.
      const insert = db.raw.prepare("INSERT INTO t (v) VALUES (?)");
      for (let i = 0; i < 300; i++) db.write(() => insert.run("x".repeat(40_000)));
      // Only a checkpoint grows the file itself; the writer no longer runs one.
      const deadline = Date.now() + 10_000;
      while (Deno.statSync(path).size < before + 10_000_000 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(Deno.statSync(path).size >= before + 10_000_000, "the worker checkpointed the WAL");
    }
    assert.equal(autocheckpoint(db), 1000, "the writer's automatic checkpoints are back");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an in-memory database gets no checkpointer", async () => {
  using db = openDatabase(":memory:");
  await using checkpoints = await startCheckpointer(db);
  assert.equal(checkpoints.running, false);
});
