import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp } from "../src/db/migrations.ts";
import { DatabaseStateError } from "../src/errors.ts";
import { syncedFixture } from "./helpers/fixture.ts";

async function tempDir(): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "testio-db-" });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

const count = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare("SELECT count(*) AS n FROM sync_metadata").get() as { n: number }).n;

Deno.test("database", async (t) => {
  await t.step("pragmas: WAL, foreign keys, busy timeout, synchronous NORMAL, sized cache", async () => {
    await using tmp = await tempDir();
    using db = openDatabase(`${tmp.dir}/a.db`);
    const get = (p: string) => Object.values(db.prepare(`PRAGMA ${p}`).get() as Record<string, unknown>)[0];
    assert.equal(get("journal_mode"), "wal");
    assert.equal(get("foreign_keys"), 1);
    assert.equal(get("busy_timeout"), 10_000);
    assert.equal(get("synchronous"), 1);
    assert.ok((get("cache_size") as number) <= -16_384, "cache larger than the 2 MB default");
  });

  await t.step("a transaction rolls back on dispose unless committed", async () => {
    await using tmp = await tempDir();
    using db = openDatabase(`${tmp.dir}/a.db`);
    migrateUp(db);
    {
      using _tx = db.transaction();
      db.exec("INSERT INTO sync_metadata (key, value) VALUES ('a', '1')");
      assert.equal(count(db), 1, "visible inside the transaction");
    }
    assert.equal(count(db), 0, "rolled back on dispose");
    {
      using tx = db.transaction();
      db.exec("INSERT INTO sync_metadata (key, value) VALUES ('b', '2')");
      tx.commit();
    }
    assert.equal(count(db), 1, "committed");
    assert.throws(() =>
      db.write(() => {
        db.exec("INSERT INTO sync_metadata (key, value) VALUES ('c', '3')");
        throw new Error("boom");
      }), /boom/);
    assert.equal(count(db), 1, "write() rolled back when its function threw");
    assert.equal(db.inTransaction, false);
  });

  await t.step("foreign keys are enforced", async () => {
    await using tmp = await tempDir();
    using db = openDatabase(`${tmp.dir}/a.db`);
    migrateUp(db);
    assert.throws(
      () =>
        db.exec(
          `INSERT INTO tests (id, product_id, title, status, synced_at) VALUES (1, 404, 't', 'running', 'x')`,
        ),
      /FOREIGN KEY/,
    );
  });

  await t.step("a file that is not SQLite is refused and left untouched", async () => {
    await using tmp = await tempDir();
    const path = `${tmp.dir}/notes.txt`;
    await Deno.writeTextFile(path, "my precious notes\n".repeat(100));
    assert.throws(() => openDatabase(path), (err: unknown) => {
      assert.ok(err instanceof DatabaseStateError);
      assert.match(err.message, /is not a SQLite database/);
      return true;
    });
    assert.equal(await Deno.readTextFile(path), "my precious notes\n".repeat(100));
  });

  await t.step("a damaged SQLite file is refused without being overwritten", async () => {
    await using tmp = await tempDir();
    const path = `${tmp.dir}/broken.db`;
    const bytes = new Uint8Array(8192);
    bytes.set(new TextEncoder().encode("SQLite format 3\u0000"));
    bytes.fill(0xff, 16);
    await Deno.writeFile(path, bytes);
    assert.throws(() => openDatabase(path), DatabaseStateError);
    assert.deepEqual(await Deno.readFile(path), bytes);
  });

  await t.step("the parent folder is created with mode 0700", async () => {
    await using tmp = await tempDir();
    using _db = openDatabase(`${tmp.dir}/deep/er/cache.db`);
    const info = await Deno.stat(`${tmp.dir}/deep/er`);
    assert.equal((info.mode ?? 0) & 0o777, 0o700);
  });

  await t.step("dispose checkpoints the WAL and closes", async () => {
    await using tmp = await tempDir();
    const path = `${tmp.dir}/a.db`;
    {
      using db = openDatabase(path);
      migrateUp(db);
      db.exec("INSERT INTO sync_metadata (key, value) VALUES ('k', 'v')");
    }
    const wal = await Deno.stat(`${path}-wal`).then((s) => s.size).catch(() => 0);
    assert.equal(wal, 0, "WAL truncated on close");
    using again = openDatabase(path);
    assert.equal(count(again), 1);
  });
});

Deno.test("database: the start-up check, full and by tables, on real damaged pages", async () => {
  await using fx = await syncedFixture({ scale: "S" });
  const pages: Record<string, number> = {};
  let pageSize = 0;
  {
    using db = openDatabase(fx.dbPath, { readOnly: true });
    for (const name of ["tests", "bugs"]) {
      pages[name] = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(name) as {
        rootpage: number;
      }).rootpage;
    }
    pageSize = (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
  }
  const healthy = await Deno.readFile(fx.dbPath);
  const damage = async (name: string) => {
    const copy = healthy.slice();
    const from = (pages[name] - 1) * pageSize;
    copy.fill(0xa5, from, from + pageSize);
    const path = `${fx.dir}/${name}-damaged.db`;
    await Deno.writeFile(path, copy);
    return { path, bytes: copy };
  };
  const damaged = (err: unknown) => err instanceof DatabaseStateError && /it is damaged/.test(err.message);

  const tests = await damage("tests");
  assert.throws(
    () => openDatabase(tests.path),
    damaged,
    "the default check reads every page of a small cache",
  );
  assert.throws(() => openDatabase(tests.path, { check: "tables" }), (err: Error) => {
    assert.ok(damaged(err));
    assert.match(err.message, /table tests/);
    return true;
  });
  assert.deepEqual(await Deno.readFile(tests.path), tests.bytes, "left as it was");

  // The bounded check of a large cache leaves out the bugs and the search index: the full check does not.
  const bugs = await damage("bugs");
  {
    using _db = openDatabase(bugs.path, { check: "tables", readOnly: true });
  }
  assert.throws(() => openDatabase(bugs.path, { check: "full", readOnly: true }), damaged);
  assert.throws(
    () => openDatabase(bugs.path, { check: false }).prepare("SELECT * FROM bugs").all(),
    /malformed/,
  );
});
