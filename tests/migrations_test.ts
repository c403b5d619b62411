import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import {
  assertNotNewer,
  checksum,
  compactAfterMigrations,
  LATEST_VERSION,
  migrateDown,
  migrateUp,
  type Migration,
  MIGRATIONS,
  migrationStatus,
  prepareSchema,
} from "../src/db/migrations.ts";
import { DatabaseStateError } from "../src/errors.ts";
import { BugsRepo } from "../src/db/repos/bugs.ts";
import { RUNTIME_PERMISSIONS } from "../src/cli/permissions.ts";
import { silentLogger } from "../src/log.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, runCommand } from "./helpers/stdio_process.ts";

/** The schema as SQLite describes it, minus the bookkeeping table. */
function schemaOf(db: ReturnType<typeof openDatabase>): string[] {
  return (db.prepare(
    `SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS s FROM sqlite_master
     WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY type, name`,
  ).all() as { s: string }[]).map((r) => r.s);
}

async function tempDb(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "testio-mig-" });
  return { path: `${dir}/cache.db`, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("migrations", async (t) => {
  await t.step("every up script has a down script and versions increase", () => {
    let last = 0;
    for (const m of MIGRATIONS) {
      assert.ok(m.version > last, `version ${m.version} follows ${last}`);
      assert.ok(m.up.trim().length > 0 && m.down.trim().length > 0, `migration ${m.version} has up and down`);
      last = m.version;
    }
    assert.equal(LATEST_VERSION, last);
  });

  await t.step("up → down (every script) → up gives the identical schema", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db);
    const fresh = schemaOf(db);
    assert.ok(fresh.some((s) => s.startsWith("table bugs ")), "bugs table exists");
    assert.ok(fresh.some((s) => s.startsWith("table search_index ")), "FTS index exists");
    const rolledBack = migrateDown(db, MIGRATIONS.length);
    assert.deepEqual(rolledBack, [...MIGRATIONS].reverse().map((m) => m.version));
    assert.deepEqual(schemaOf(db), [], "every down script removes what its up script created");
    migrateUp(db);
    assert.deepEqual(schemaOf(db), fresh);
    assert.equal(migrationStatus(db).current, LATEST_VERSION);
  });

  await t.step("down then up of a later migration keeps the data of earlier ones", async () => {
    const extra: Migration = {
      version: LATEST_VERSION + 1,
      name: "test_notes",
      up: "CREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);",
      down: "DROP TABLE test_notes;",
    };
    const known = [...MIGRATIONS, extra];
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db, known);
    db.exec(
      `INSERT INTO products (id, name, raw, synced_at) VALUES (7, 'Shop', '{}', '2026-01-01T00:00:00Z')`,
    );
    const before = schemaOf(db);
    assert.deepEqual(migrateDown(db, 1, known), [extra.version]);
    assert.equal(migrationStatus(db, known).current, LATEST_VERSION);
    migrateUp(db, known);
    assert.deepEqual(schemaOf(db), before);
    assert.equal(
      (db.prepare("SELECT name FROM products WHERE id = 7").get() as { name: string }).name,
      "Shop",
    );
  });

  await t.step("0005 moves device lists to device_sets and its down script moves them back", async () => {
    const upTo4 = MIGRATIONS.filter((m) => m.version <= 4);
    const upTo5 = MIGRATIONS.filter((m) => m.version <= 5);
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db, upTo4);
    const phone = '[{"category":"Smartphones","os":"iOS 17","browsers":["Safari"],"name":"iPhone 15"}]';
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES (1, 'Shop', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO tests (id, product_id, title, status, raw, synced_at, bugs_synced_at)
        VALUES (10, 1, 'T', 'running', '{}', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
      INSERT INTO bugs (id, test_id, product_id, title, status, api_status, devices, raw, synced_at) VALUES
        (100, 10, 1, 'a', 'accepted', 'accepted', '${phone}', '{"id":100}', '2026-01-02T00:00:00Z'),
        (101, 10, 1, 'b', 'rejected', 'rejected', '${phone}', '{"id":101}', '2026-01-02T00:00:00Z'),
        (102, 10, 1, 'c', 'forwarded', 'forwarded', '[]', '{"id":102}', '2026-01-02T00:00:00Z')`);
    migrateUp(db, upTo5);
    const sets = db.prepare("SELECT id, devices FROM device_sets").all() as { id: number; devices: string }[];
    assert.deepEqual(sets.map((r) => r.devices), [phone], "one row per distinct list, none for no devices");
    assert.deepEqual(
      db.prepare("SELECT id, device_set_id AS d FROM bugs ORDER BY id").all().map((r) => [r.id, r.d]),
      [[100, sets[0].id], [101, sets[0].id], [102, null]],
    );
    assert.deepEqual(
      db.prepare("SELECT device_set_id AS d, os_family AS os FROM device_set_os").all().map((
        r,
      ) => [r.d, r.os]),
      [[sets[0].id, "iOS"]],
      "OS families of the stored lists",
    );
    db.exec(
      `INSERT INTO device_sets (devices) VALUES ('[{"os":"Android 14"},{"os":null},{"os":"Android 15"}]')`,
    );
    assert.deepEqual(
      db.prepare("SELECT os_family AS os FROM device_set_os WHERE device_set_id <> ? ORDER BY 1").all(
        sets[0].id,
      )
        .map((r) => r.os),
      ["", "Android"],
      "a new list is split by its insert trigger, '' for a device without OS",
    );
    assert.deepEqual(migrateDown(db, 1, upTo5), [5]);
    assert.deepEqual(
      db.prepare("SELECT id, devices, synced_at, raw FROM bugs ORDER BY id").all().map((r) => [
        r.id,
        r.devices,
        r.synced_at,
        r.raw,
      ]),
      [
        [100, phone, "2026-01-02T00:00:00Z", "{}"],
        [101, phone, "2026-01-02T00:00:00Z", "{}"],
        [102, "[]", "2026-01-02T00:00:00Z", "{}"],
      ],
    );
    assert.equal((db.prepare("SELECT raw FROM tests").get() as { raw: string }).raw, "{}");
  });

  await t.step("start-up compacts the file after a migration that rewrote it", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db, MIGRATIONS.filter((m) => m.version <= 4));
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES (1, 'Shop', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO tests (id, product_id, title, status, raw, synced_at) VALUES (10, 1, 'T', 'running', '{}', 'x');
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      INSERT INTO bugs (id, test_id, product_id, title, status, api_status, raw, synced_at)
        SELECT i, 10, 1, 'bug ' || i, 'accepted', 'accepted', '{"pad":"' || hex(randomblob(600)) || '"}', 'x'
        FROM n`);
    const pages = () => (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    const before = pages();
    prepareSchema(db, false, silentLogger());
    assert.equal(migrationStatus(db).current, LATEST_VERSION);
    assert.equal((db.prepare("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count, 0);
    assert.ok(pages() < before / 4, `${pages()} pages after, ${before} before`);
    assert.equal((db.prepare("SELECT count(*) AS n FROM bugs").get() as { n: number }).n, 2000);
    assert.equal(compactAfterMigrations(db, []), null, "nothing left to compact");
  });

  await t.step("a new database is not compacted", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    assert.equal(compactAfterMigrations(db, migrateUp(db)), null);
  });

  await t.step("a compaction that cannot run now stays pending for the next start", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path, { busyTimeoutMs: 20 });
    migrateUp(db, MIGRATIONS.filter((m) => m.version <= 4));
    const applied = migrateUp(db);
    using writer = openDatabase(tmp.path, { busyTimeoutMs: 20 });
    writer.exec("BEGIN IMMEDIATE");
    const busy = compactAfterMigrations(db, applied);
    assert.ok(busy && !busy.compacted, "another process holds the write lock");
    assert.match(busy.reason, /locked|busy/);
    assert.match(busy.action, /next start/);
    writer.exec("ROLLBACK");
    const pending = () => db.prepare("SELECT count(*) AS n FROM sync_metadata").get() as { n: number };
    assert.equal(pending().n, 1, "marked pending");
    assert.equal(compactAfterMigrations(db, [])?.compacted, true, "the next start compacts");
    assert.equal(pending().n, 0, "and clears the mark");
    assert.equal(compactAfterMigrations(db, []), null);
  });

  await t.step(
    "with the shipped permissions, Deno refuses VACUUM: said once, with the way to do it",
    async () => {
      await using tmp = await tempDb();
      {
        using db = openDatabase(tmp.path);
        migrateUp(db, MIGRATIONS.filter((m) => m.version <= 4));
        migrateUp(db);
      }
      const migrate = async () => {
        const out = await runCommand(Deno.execPath(), [
          "run",
          ...RUNTIME_PERMISSIONS,
          `${ROOT}main.ts`,
          "migrate",
          "up",
        ], {
          env: await childEnv({ HOME: `${tmp.path}.home`, TESTIO_DB_PATH: tmp.path }),
        });
        assert.equal(out.code, 0, out.stderr);
        return out.stdout;
      };
      const first = await migrate();
      assert.match(first, /file not compacted: Deno runs VACUUM only in a program that has every permission/);
      assert.ok(first.includes(`sqlite3 ${tmp.path} VACUUM`), first);
      assert.equal(await migrate(), "schema is up to date\n", "the mark is dropped: no repeat");
    },
  );

  await t.step("up twice is a no-op that keeps data", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db);
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES (1, 'A', '{}', '2026-01-01T00:00:00Z')`);
    assert.deepEqual(migrateUp(db), []);
    assert.equal((db.prepare("SELECT count(*) AS n FROM products").get() as { n: number }).n, 1);
  });

  await t.step("records version, name, checksum and time", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db);
    const [first] = migrationStatus(db).applied;
    assert.equal(first.version, 1);
    assert.equal(first.name, "init");
    assert.equal(first.checksum, checksum(MIGRATIONS[0].up));
    assert.match(first.applied_at, /^\d{4}-\d{2}-\d{2}T.*Z$/);
    assert.deepEqual(migrationStatus(db).modified, []);
  });

  await t.step("a schema newer than the program is refused with a clear message", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db);
    db.exec(
      `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', '2030-01-01')`,
    );
    assert.throws(() => assertNotNewer(db), (err: unknown) => {
      assert.ok(err instanceof DatabaseStateError);
      assert.match(err.message, /schema version 999, newer than this program knows/);
      assert.match(err.action ?? "", /Upgrade testio-mcp/);
      return true;
    });
    assert.throws(() => migrateUp(db), DatabaseStateError);
    assert.throws(() => prepareSchema(db, false, silentLogger()), DatabaseStateError);
  });

  await t.step("TESTIO_SKIP_MIGRATIONS refuses a schema that is not current", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    assert.throws(() => prepareSchema(db, true, silentLogger()), new RegExp(`needs ${LATEST_VERSION}`));
    assert.equal(migrationStatus(db).current, 0, "nothing was applied");
    prepareSchema(db, false, silentLogger());
    prepareSchema(db, true, silentLogger());
  });

  await t.step("a failing migration leaves the schema as it was", async () => {
    const broken: Migration = {
      version: LATEST_VERSION + 1,
      name: "broken",
      up: "CREATE TABLE ok (x); NOT SQL;",
      down: "",
    };
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db);
    const before = schemaOf(db);
    assert.throws(() => migrateUp(db, [...MIGRATIONS, broken]));
    assert.deepEqual(schemaOf(db), before);
    assert.equal(migrationStatus(db).current, LATEST_VERSION);
  });

  await t.step("0007 counts each test's bugs by status and severity as BugsRepo.recount does", async () => {
    await using tmp = await tempDb();
    using db = openDatabase(tmp.path);
    migrateUp(db, MIGRATIONS.filter((m) => m.version < 7));
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES (1, 'Shop', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO tests (id, product_id, title, status, synced_at) VALUES
        (10, 1, 'a', 'archived', '2026-01-01T00:00:00Z'), (11, 1, 'b', 'archived', '2026-01-01T00:00:00Z'),
        (12, 1, 'c', 'archived', '2026-01-01T00:00:00Z');
      INSERT INTO bugs (id, test_id, product_id, title, status, severity) VALUES
        (100, 10, 1, 'x', 'rejected', 'high'), (101, 10, 1, 'x', 'rejected', 'high'),
        (102, 10, 1, 'x', 'accepted', NULL), (103, 11, 1, 'x', 'forwarded', 'blocker'),
        (104, 11, 1, 'x', 'forwarded', 'low');`);
    migrateUp(db);
    const read = () =>
      db.prepare(
        `SELECT test_id, n_rejected_high, n_accepted_none, n_forwarded_low, n_other,
           n_accepted_critical FROM test_bug_counts ORDER BY test_id`,
      ).all().map((r) => ({ ...r }));
    const expected = [
      {
        test_id: 10,
        n_rejected_high: 2,
        n_accepted_none: 1,
        n_forwarded_low: 0,
        n_other: 0,
        n_accepted_critical: 0,
      },
      {
        test_id: 11,
        n_rejected_high: 0,
        n_accepted_none: 0,
        n_forwarded_low: 1,
        n_other: 1,
        n_accepted_critical: 0,
      },
    ];
    assert.deepEqual(read(), expected, "tests without bugs have no row");
    db.exec("DELETE FROM test_bug_counts");
    using bugs = new BugsRepo(db);
    bugs.recount([10, 11, 12]);
    assert.deepEqual(read(), expected, "the migration and the repository count alike");
  });
});
