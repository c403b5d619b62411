import assert from "node:assert/strict";
import { CancelledError, SyncBusyError } from "../src/errors.ts";
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

  await t.step("a half-written lock file counts as held until it ages", async () => {
    Deno.writeTextFileSync(tmp.lockPath, "{");
    await assert.rejects(acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 100, pollMs: 20 }), SyncBusyError);
    const old = new Date(Date.now() - 2 * 3600_000);
    Deno.utimeSync(tmp.lockPath, old, old);
    await using _lock = await acquireSyncLock({ dbPath: tmp.dbPath, waitMs: 0 });
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
