/**
 * The cache at its edges, with the real program in child processes and real files: a cache with damaged
 * pages is refused by sync and serve (and named by doctor) and left byte for byte as it was, `sync
 * --rebuild` keeps it as a backup and builds a new one; a failed sync leaves no lock file; a healthy
 * cache on a read-only file system or a full disk gets its own message, never "damaged"; a cache path
 * whose links lead out of the data folder is refused, with `-A` and under the task's sandbox; and the
 * sandbox's refusal names the setting and how to widen it.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp, MIGRATIONS } from "../src/db/migrations.ts";
import { assertCacheMatches } from "./helpers/cache_compare.ts";
import { fakeFixture, syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, connectStdio, runCommand } from "./helpers/stdio_process.ts";
import { mountable, tmpfs } from "./helpers/tmpfs.ts";

async function cli(env: Record<string, string>, args: string[]) {
  return await runCommand(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, ...args], {
    env: await childEnv(env),
    cwd: ROOT,
    stdin: "",
  });
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

/** A copy of a database with eight pages in its middle overwritten (the first page, the schema, intact). */
function damagePages(db: Uint8Array): Uint8Array {
  const raw = (db[16] << 8) | db[17];
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = db.length / pageSize;
  const copy = db.slice();
  const from = Math.floor(pages / 2) * pageSize;
  copy.fill(0xa5, from, from + 8 * pageSize);
  return copy;
}

Deno.test("a cache with damaged pages is refused for writes and rebuilt on request", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  const damaged = damagePages(await Deno.readFile(fx.dbPath));
  await Deno.writeFile(fx.dbPath, damaged);

  await t.step("sync and serve refuse it, say what to do, and leave it byte-identical", async () => {
    for (const args of [["sync"], ["serve", "--no-sync"]]) {
      const r = await cli(fx.env, args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: .*cache\.db cannot be used as a database: it is damaged/m);
      assert.match(r.stderr, /nothing more is written to it/);
      assert.match(r.stderr, /next: +Rebuild the cache: `deno task sync --rebuild` keeps the damaged file/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
      assert.deepEqual(await Deno.readFile(fx.dbPath), damaged, `${args.join(" ")} left the file as it was`);
      assert.ok(!await exists(`${fx.dbPath}.sync.lock`), "no lock left behind");
    }
  });

  await t.step("doctor names the damage and the way out", async () => {
    const r = await cli(fx.env, ["doctor", "--offline"]);
    assert.match(r.stdout + r.stderr, /it is damaged/);
    assert.match(r.stdout + r.stderr, /sync --rebuild/);
    assert.deepEqual(await Deno.readFile(fx.dbPath), damaged);
  });

  await t.step("sync --rebuild keeps the damaged file as a backup and syncs a new cache", async () => {
    const r = await cli(fx.env, ["sync", "--rebuild", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const backup = names(fx.dir).find((n) => /^cache\.db\.damaged-[\dTZ-]+$/.test(n));
    assert.ok(backup, `a backup beside the cache: ${names(fx.dir).join(", ")}`);
    assert.match(r.stderr, new RegExp(`The old cache is kept as .*${backup}`));
    assert.deepEqual(await Deno.readFile(`${fx.dir}/${backup}`), damaged, "the backup is the damaged file");
    using db = openDatabase(fx.dbPath, { readOnly: true, check: "full" });
    assertCacheMatches(db, fx.api.dataset);
    assert.ok(!await exists(`${fx.dbPath}.sync.lock`));
  });
});

Deno.test("a failed sync leaves no lock file behind", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  const r = await cli({ ...fx.env, TESTIO_CUSTOMER_API_TOKEN: "wrong-token" }, ["sync"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /401/);
  assert.ok(!await exists(`${fx.dbPath}.sync.lock`), names(fx.dir).join(", "));
  assert.deepEqual(names(fx.dir).filter((n) => n.includes(".sync.lock")), []);
});

Deno.test("a cache path whose links lead out of the data folder is refused", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = `${fx.dir}/data`;
  const outside = `${fx.dir}/outside`;
  await Deno.mkdir(data);
  await Deno.mkdir(outside);
  const env = { ...fx.env, TESTIO_DB_PATH: `${data}/cache.db` };

  for (
    const [what, link, target] of [
      ["the cache file, a link to a file not created yet", "cache.db", `${outside}/x.db`],
      ["its WAL", "cache.db-wal", `${outside}/x.db-wal`],
      ["its lock file", "cache.db.sync.lock", `${outside}/lock`],
    ] as const
  ) {
    await t.step(what, async () => {
      await Deno.symlink(target, `${data}/${link}`);
      const r = await cli(env, ["sync"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: TESTIO_DB_PATH leads outside the data folder: .*${link} leads to ${target} through a link`,
          "m",
        ),
      );
      assert.match(r.stderr, /nothing was opened or written/);
      assert.match(r.stderr, /next: +Replace the link by the file itself/);
      assert.deepEqual(names(outside), [], "nothing created outside");
      await Deno.remove(`${data}/${link}`);
    });
  }

  await t.step("a link that stays inside the folder is followed", async () => {
    await Deno.symlink(`${data}/real.db`, `${data}/cache.db`);
    const r = await cli(env, ["sync", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.stat(`${data}/real.db`)).size > 0);
    assert.deepEqual(names(outside), []);
  });
});

Deno.test("under the task's sandbox: a linked cache is refused, a denial names the way to widen it", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const home = `${fx.dir}/home`;
  const outside = `${fx.dir}/outside`;
  await Deno.mkdir(`${home}/.testio-mcp`, { recursive: true });
  await Deno.mkdir(outside);
  const { TESTIO_DB_PATH: _db, TESTIO_REPORTS_DIR: _reports, ...rest } = fx.env;
  const env = await childEnv({ ...rest, HOME: home });
  const task = (args: string[], extra: Record<string, string> = {}) =>
    runCommand(Deno.execPath(), ["task", ...args], { env: { ...env, ...extra }, cwd: ROOT, stdin: "" });

  await t.step("cache.db linked outside ~/.testio-mcp: refused, nothing created there", async () => {
    await Deno.symlink(`${outside}/cache.db`, `${home}/.testio-mcp/cache.db`);
    const r = await task(["sync"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: TESTIO_DB_PATH leads outside the data folder: /m);
    assert.deepEqual(names(outside), [], "no database created outside --allow-write");
    await Deno.remove(`${home}/.testio-mcp/cache.db`);
  });

  await t.step("a sub-folder of ~/.testio-mcp linked outside: refused too", async () => {
    await Deno.symlink(outside, `${home}/.testio-mcp/sub`);
    const r = await task(["sync"], { TESTIO_DB_PATH: `${home}/.testio-mcp/sub/cache.db` });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`leads to ${outside}/cache\\.db through a link`));
    assert.deepEqual(names(outside), []);
    await Deno.remove(`${home}/.testio-mcp/sub`);
  });

  await t.step("TESTIO_DB_PATH outside the task's folders: the sandbox and the way to widen it", async () => {
    const r = await task(["sync"], { TESTIO_DB_PATH: `${outside}/cache.db` });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^error: Cannot .*: this process may not (read|write) ${outside}`, "m"),
    );
    assert.match(
      r.stderr,
      /cause: +Deno's sandbox refused it: the process was started with --allow-(read|write) /,
    );
    assert.match(r.stderr, /next: +Point TESTIO_DB_PATH inside ~\/\.testio-mcp/);
    assert.match(r.stderr, /to the permissions it starts with: the task's flags in deno\.json/);
    assert.doesNotMatch(r.stderr, /run again with|NotCapable|check the permissions of/i);
    assert.deepEqual(names(outside), []);
  });

  await t.step("TESTIO_REPORTS_DIR outside the task's folders: the report names the sandbox", async () => {
    const synced = await task(["sync"]);
    assert.equal(synced.code, 0, synced.stderr);
    const extra = { TESTIO_REPORTS_DIR: `${outside}/reports` };
    await using server = await connectStdio(Deno.execPath(), ["task", "start", "--no-sync"], {
      ...env,
      ...extra,
    }, ROOT);
    const r = await server.call("generate_quality_report", {
      product_ids: [fx.api.dataset.products[0].id],
      output_file: "q.md",
    });
    assert.ok(r.isError);
    const text = (r.content as { text: string }[])[0].text;
    assert.match(text, /Cannot write the report: this process may not write .*outside\/reports/);
    assert.match(text, /Point TESTIO_REPORTS_DIR inside ~\/\.testio-mcp/);
    assert.doesNotMatch(text, /Internal error|run again with/);
    assert.deepEqual(names(outside), [], "no folder created outside");
  });

  await t.step("an API host outside the task's --allow-net: named at once, not retried", async () => {
    const r = await task(["sync"], { TESTIO_CUSTOMER_API_BASE_URL: "http://api.example.com/customer/v2" });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /Cannot connect to api\.example\.com:80: this process may not reach that host .*TESTIO_CUSTOMER_API_BASE_URL/,
    );
    assert.match(r.stderr, /\b1 API request/, "a sandbox refusal is not retried");
    assert.doesNotMatch(r.stderr, /run again with/);
  });
});

const canMount = await mountable();

Deno.test({
  name: "a healthy cache on a read-only file system or a full disk is never called damaged",
  ignore: !canMount,
  async fn(t) {
    await using fx = await syncedFixture({ scale: "S" });
    const healthy = await Deno.readFile(fx.dbPath);

    await t.step("read-only file system", async () => {
      await using disk = (await tmpfs("64m"))!;
      const path = `${disk.dir}/cache.db`;
      await Deno.writeFile(path, healthy);
      await disk.readOnly();
      for (const args of [["sync"], ["serve", "--no-sync"], ["doctor", "--offline"]]) {
        const r = await cli({ ...fx.env, TESTIO_DB_PATH: path }, args);
        const out = r.stdout + r.stderr;
        assert.match(out, /is on a read-only file system/, `${args.join(" ")}: ${out}`);
        assert.doesNotMatch(out, /damaged/);
      }
      assert.deepEqual(await Deno.readFile(path), healthy);
    });

    await t.step("full disk", async () => {
      const size = Math.ceil(healthy.length / 4096) * 4096 + 8192;
      await using disk = (await tmpfs(String(size)))!;
      const path = `${disk.dir}/cache.db`;
      await Deno.writeFile(path, healthy);
      await Deno.writeFile(`${disk.dir}/filler`, new Uint8Array(64 * 1024)).catch(() => {});
      const r = await cli({ ...fx.env, TESTIO_DB_PATH: path }, ["sync"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /no space left on the disk of /i);
      assert.match(r.stderr, /Free disk space, or point TESTIO_DB_PATH at a disk with room/);
      assert.doesNotMatch(r.stderr, /damaged/);
      assert.ok(!await exists(`${path}.sync.lock`), "no lock left behind");
      assert.deepEqual(await Deno.readFile(path), healthy);
    });

    await t.step("full disk while migrating", async () => {
      await using disk = (await tmpfs("1m"))!;
      const path = `${disk.dir}/cache.db`;
      {
        using db = openDatabase(path);
        migrateUp(db, MIGRATIONS.slice(0, 1));
      }
      await Deno.writeFile(`${disk.dir}/filler`, new Uint8Array(1024 * 1024)).catch(() => {});
      const r = await cli({ ...fx.env, TESTIO_DB_PATH: path }, ["migrate", "up"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: Cannot (open|write) the cache: no space left on the disk of /m);
      assert.doesNotMatch(r.stderr, /damaged/);
    });
  },
});
