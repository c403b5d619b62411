/**
 * The cache file is never made worse: a database written by a newer program is refused by serve,
 * sync and migrate with a clear message and a failing exit code; a file at TESTIO_DB_PATH that is not
 * a usable SQLite database is refused and left byte for byte as it was; a disk that fills up during a
 * sync fails that sync cleanly (status failed, a message saying so), leaves a consistent cache, and
 * the next sync, once there is room, completes.
 */
import assert from "node:assert/strict";
import { openApp } from "../../src/app.ts";
import { openDatabase } from "../../src/db/database.ts";
import { LATEST_VERSION, prepareSchema } from "../../src/db/migrations.ts";
import { DEFERRED_KEY } from "../../src/db/repos/bugs.ts";
import { Repositories } from "../../src/db/repos/index.ts";
import { silentLogger } from "../../src/log.ts";
import { assertCacheMatches, assertWholePages } from "../helpers/cache_compare.ts";
import { fakeFixture, syncedFixture } from "../helpers/fixture.ts";
import { ROOT } from "../helpers/mcp.ts";
import { childEnv, runCommand } from "../helpers/stdio_process.ts";
import { assertDerivedCounts, assertIntact, sized } from "./helpers.ts";
import { mountable, tmpfs } from "../helpers/tmpfs.ts";

async function cli(env: Record<string, string>, args: string[]) {
  return await runCommand(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, ...args], {
    env: await childEnv(env),
    cwd: ROOT,
    stdin: "",
  });
}

const COMMANDS = sized(
  [["sync"], ["serve", "--no-sync"], ["migrate", "up"]],
  [["sync"], ["serve", "--no-sync"], ["migrate", "up"], ["sync", "--status"]],
);

Deno.test("database safety: a newer schema is refused by every command", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  {
    using db = openDatabase(fx.dbPath);
    prepareSchema(db, false, silentLogger());
    db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
      .run(LATEST_VERSION + 1, "from_the_future", "x", new Date().toISOString());
  }
  const before = await Deno.readFile(fx.dbPath);
  for (const args of COMMANDS) {
    const r = await cli(fx.env, args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `schema version ${LATEST_VERSION + 1}, newer than this program knows \\(${LATEST_VERSION}\\)`,
      ),
    );
    assert.match(r.stderr, /next: +Upgrade testio-mcp/);
    assert.equal(r.stdout, "", "nothing on stdout");
  }
  assert.deepEqual(await Deno.readFile(fx.dbPath), before, "the database file is unchanged");
});

Deno.test("database safety: a file that is not a usable database is refused and left untouched", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  const real = await Deno.readFile(fx.dbPath);
  const random = crypto.getRandomValues(new Uint8Array(8192));
  const all: [string, Uint8Array][] = [
    ["a text file", new TextEncoder().encode("TESTIO_CUSTOMER_API_TOKEN=not-a-database\n")],
    [
      "a SQLite header followed by garbage",
      new Uint8Array([...new TextEncoder().encode("SQLite format 3\0"), ...random]),
    ],
    ["a database with a damaged schema page", damaged(real)],
    ["random bytes", random],
    ["a truncated database", real.slice(0, 4096 + 100)],
  ];
  const cases = sized(all.slice(0, 3), all);
  for (const [what, bytes] of cases) {
    await t.step(what, async () => {
      const path = `${fx.dir}/case.db`;
      await Deno.writeFile(path, bytes);
      const commands = [["sync"], ["serve", "--no-sync"]];
      const results = await Promise.all(
        commands.map((args) => cli({ ...fx.env, TESTIO_DB_PATH: path }, args)),
      );
      for (const [i, args] of commands.entries()) {
        const r = results[i];
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /^error: .*(not a SQLite database|cannot be used as a database)/m, r.stderr);
        assert.match(r.stderr, /left untouched/);
        assert.equal(r.stdout, "");
        assert.deepEqual(await Deno.readFile(path), bytes, `${args.join(" ")} left the file byte-identical`);
        for (const suffix of ["-wal", "-shm", ".sync.lock"]) {
          await Deno.stat(path + suffix).then(
            (s) => assert.equal(s.size, 0, `${suffix} beside it is empty`),
            () => {},
          );
        }
      }
    });
  }
});

/** A copy of a database whose first page (the schema) is overwritten after the 100-byte header. */
function damaged(db: Uint8Array): Uint8Array {
  const copy = db.slice();
  copy.fill(0xa5, 100, 4096);
  return copy;
}

Deno.test("database safety: a disk that fills up during a sync fails it cleanly", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const config = fx.config();

  await t.step("the sync ends failed, says the disk is full, and leaves a consistent cache", async () => {
    await using app = openApp(config, silentLogger());
    const pages = Number(app.db.prepare("PRAGMA page_count").get()!.page_count);
    // Room for the products, features and a few test pages, not for everything.
    app.db.exec(`PRAGMA max_page_count = ${pages + 120}`);
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    assert.equal(summary.status, "failed");
    assert.match(summary.error ?? "", /^No space left to write the cache .*cache\.db .*free disk space/);
    assertIntact(app.db);
    assertDerivedCounts(app.db);
    assertWholePages(app.db, fx.api.dataset);
  });

  await t.step("with room again, the next sync records the failed one and completes", async () => {
    await using app = openApp(config, silentLogger());
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.equal(summary.status, "completed", summary.error);
    assertCacheMatches(app.db, fx.api.dataset);
    assertDerivedCounts(app.db);
    using repos = new Repositories(app.db);
    assert.equal(
      repos.syncEvents.getMeta(DEFERRED_KEY),
      undefined,
      "the indexes of the first load are built",
    );
    const [last, previous] = repos.syncEvents.recent(2);
    assert.equal(last.status, "completed");
    assert.equal(previous.status, "failed");
    assert.match(previous.error ?? "", /full/);
  });
});

const disk = await mountable();

Deno.test({
  name: "database safety: a real full disk (1 MiB tmpfs) fails `sync` cleanly",
  ignore: !disk,
  async fn() {
    await using fx = await fakeFixture({ scale: "S" });
    await using full = (await tmpfs("1m"))!;
    const env = { ...fx.env, TESTIO_DB_PATH: `${full.dir}/cache.db` };
    const r = await cli(env, ["sync", "--json"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: No space left to write the cache /m);
    {
      using db = openDatabase(env.TESTIO_DB_PATH, { readOnly: true });
      assertIntact(db);
      assertDerivedCounts(db);
      assertWholePages(db, fx.api.dataset);
    }
    // The cache moved to a disk with room: the same file continues where the failed sync stopped.
    const roomy = `${fx.dir}/moved.db`;
    await Deno.copyFile(env.TESTIO_DB_PATH, roomy);
    for (const suffix of ["-wal", "-shm"]) {
      await Deno.copyFile(env.TESTIO_DB_PATH + suffix, roomy + suffix).catch(() => {});
    }
    const next = await cli({ ...fx.env, TESTIO_DB_PATH: roomy }, ["sync", "--json"]);
    assert.equal(next.code, 0, next.stderr);
    using db = openDatabase(roomy);
    assertCacheMatches(db, fx.api.dataset);
  },
});
