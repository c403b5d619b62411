import assert from "node:assert/strict";
import { dirname } from "node:path";
import { CancelledError, SyncBusyError } from "../src/errors.ts";
import { FileAccessError } from "../src/sandbox.ts";
import { mountable, tmpfs } from "./helpers/tmpfs.ts";
import { acquireSyncLock, hostName, lockPathOf, readSyncLock } from "../src/sync/lock.ts";

async function tempDb(): Promise<{ dbPath: string; lockPath: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "testio-lock-" });
  const dbPath = `${dir}/cache.db`;
  return {
    dbPath,
    lockPath: lockPathOf(dbPath)!,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A live process that is not this one, to stand for another sync. */
function otherProcess(): Deno.ChildProcess & AsyncDisposable {
  const child = new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" }).spawn();
  return Object.assign(child, {
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    },
  });
}

function writeLock(path: string, holder: { pid: number; host: string; started_at?: string }): void {
  Deno.writeTextFileSync(path, JSON.stringify({ started_at: "2025-01-01T00:00:00.000Z", ...holder }));
}

Deno.test("the sync lock", async (t) => {
  await using tmp = await tempDb();

  await t.step("holds a file naming this process while held and removes it on release", async () => {
    {
      await using lock = await acquireSyncLock({ dbPath: tmp.dbPath });
      const holder = JSON.parse(Deno.readTextFileSync(tmp.lockPath));
      assert.equal(holder.pid, Deno.pid);
      assert.equal(holder.host, hostName());
      assert.deepEqual(readSyncLock(tmp.dbPath), lock.holder);
    }
    assert.throws(() => Deno.statSync(tmp.lockPath), Deno.errors.NotFound);
    assert.equal(readSyncLock(tmp.dbPath), null);
  });

  await t.step("in one process a second taker waits, then fails naming the holder", async () => {
    await using _first = await acquireSyncLock({ dbPath: tmp.dbPath });
    await assert.rejects(
      acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 100 }),
      (err: SyncBusyError) => err instanceof SyncBusyError && err.holder.pid === Deno.pid,
    );
  });

  await t.step("a waiting taker gets the lock as soon as the holder releases it", async () => {
    const first = await acquireSyncLock({ dbPath: tmp.dbPath });
    const started = Date.now();
    const second = acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 5_000 });
    setTimeout(() => first[Symbol.asyncDispose](), 50);
    await using _lock = await second;
    assert.ok(Date.now() - started < 1_000);
  });

  await t.step("a live holder in another process keeps it; the error names pid, host and start", async () => {
    await using other = otherProcess();
    writeLock(tmp.lockPath, { pid: other.pid, host: hostName(), started_at: "2025-05-05T05:05:05.000Z" });
    await assert.rejects(acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 300, pollMs: 50 }), (err: Error) => {
      assert.ok(err instanceof SyncBusyError);
      assert.match(
        err.message,
        new RegExp(`pid ${other.pid} on ${hostName()}, started at 2025-05-05T05:05:05`),
      );
      return true;
    });
    assert.equal(readSyncLock(tmp.dbPath)?.pid, other.pid);
    Deno.removeSync(tmp.lockPath);
  });

  await t.step("a lock whose process is gone is taken over", async () => {
    const other = otherProcess();
    const pid = other.pid;
    await other[Symbol.asyncDispose]();
    writeLock(tmp.lockPath, { pid, host: hostName() });
    assert.equal(readSyncLock(tmp.dbPath), null, "seen as stale");
    await using lock = await acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 0 });
    assert.equal(JSON.parse(Deno.readTextFileSync(tmp.lockPath)).pid, Deno.pid);
    assert.equal(lock.holder.pid, Deno.pid);
  });

  await t.step("a lock untouched for over an hour is taken over even when its process lives", async () => {
    await using other = otherProcess();
    writeLock(tmp.lockPath, { pid: other.pid, host: hostName() });
    const old = new Date(Date.now() - 2 * 3600_000);
    Deno.utimeSync(tmp.lockPath, old, old);
    await using _lock = await acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 0 });
    assert.equal(JSON.parse(Deno.readTextFileSync(tmp.lockPath)).pid, Deno.pid);
  });

  await t.step("another host's recent lock is respected (its pid cannot be checked)", async () => {
    writeLock(tmp.lockPath, { pid: 1, host: "elsewhere.example" });
    await assert.rejects(acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 100, pollMs: 20 }), SyncBusyError);
    Deno.removeSync(tmp.lockPath);
  });

  await t.step(
    "an empty or unreadable lock file is stale at once (no hour-long wait for 'pid 0')",
    async () => {
      for (const junk of ["", "{", "\u0000\u0000\u0000", "not json at all", '{"pid":"7"}']) {
        Deno.writeTextFileSync(tmp.lockPath, junk);
        assert.equal(readSyncLock(tmp.dbPath), null, `${JSON.stringify(junk)} holds nothing`);
        const started = Date.now();
        await using lock = await acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 0 });
        assert.ok(Date.now() - started < 1_000, "taken at once");
        assert.equal(JSON.parse(Deno.readTextFileSync(tmp.lockPath)).pid, lock.holder.pid);
      }
    },
  );

  await t.step("taking the lock leaves only the lock file beside the database", async () => {
    {
      await using _lock = await acquireSyncLock({ dbPath: tmp.dbPath });
      const names = [...Deno.readDirSync(dirname(tmp.lockPath))].map((e) => e.name);
      assert.deepEqual(names, ["cache.db.sync.lock"]);
    }
    assert.deepEqual([...Deno.readDirSync(dirname(tmp.lockPath))], []);
  });

  await t.step("waiting ends with a CancelledError when the signal aborts", async () => {
    await using _held = await acquireSyncLock({ dbPath: tmp.dbPath });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(
      acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 10_000, signal: controller.signal }),
      CancelledError,
    );
  });

  await t.step("an in-memory database takes the in-process lock only", async () => {
    await using lock = await acquireSyncLock({ dbPath: ":memory:" });
    assert.equal(lock.path, null);
    await assert.rejects(acquireSyncLock({ dbPath: ":memory:", waitMs: 20 }), SyncBusyError);
  });
});

Deno.test("a process that exits while holding the lock removes its lock file", async () => {
  await using tmp = await tempDb();
  const script = `${dirname(tmp.dbPath)}/exit.ts`;
  await Deno.writeTextFile(
    script,
    `import { acquireSyncLock } from "${new URL("../src/sync/lock.ts", import.meta.url).href}";
await acquireSyncLock({ dbPath: ${JSON.stringify(tmp.dbPath)} });
console.log(Deno.readTextFileSync(${JSON.stringify(tmp.lockPath)}));
Deno.exit(130);
`,
  );
  const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", script] }).output();
  assert.equal(r.code, 130, new TextDecoder().decode(r.stderr));
  assert.match(new TextDecoder().decode(r.stdout), /"pid":\d+/, "it held the lock");
  assert.throws(() => Deno.statSync(tmp.lockPath), Deno.errors.NotFound);
});

const canMount = await mountable();

Deno.test({
  name: "the sync lock on a full disk fails with a disk-full message and leaves no file behind",
  ignore: !canMount,
  async fn() {
    await using disk = (await tmpfs("64k"))!;
    // Fill every block: a lock created and then written would stay behind empty.
    await Deno.writeFile(`${disk.dir}/filler`, new Uint8Array(64 * 1024)).catch(() => {});
    const dbPath = `${disk.dir}/cache.db`;
    await assert.rejects(acquireSyncLock({ dbPath, waitMs: 0 }), (err: Error) => {
      assert.ok(err instanceof FileAccessError, `${err.name}: ${err.message}`);
      assert.equal(err.kind, "disk-full");
      assert.match(err.message, /^Cannot take the sync lock: no space left on the disk of /);
      assert.match(err.action ?? "", /Free disk space, or point TESTIO_DB_PATH at a disk with room/);
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(disk.dir)].map((e) => e.name), ["filler"], "no lock, no temp file");
    // With room again the lock is taken at once.
    await Deno.remove(`${disk.dir}/filler`);
    await using _lock = await acquireSyncLock({ dbPath, waitMs: 0 });
  },
});
