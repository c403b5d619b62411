import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { WriteQueue } from "../src/sync/write_queue.ts";

function fixture(max?: number) {
  const db = openDatabase(":memory:");
  db.exec("CREATE TABLE t (v INTEGER NOT NULL)");
  let transactions = 0;
  const queue = new WriteQueue((fn) => {
    transactions++;
    return db.write(fn);
  }, max);
  const insert = (v: number) => () => {
    db.raw.prepare("INSERT INTO t (v) VALUES (?)").run(v);
    return v;
  };
  const values = () =>
    (db.raw.prepare("SELECT v FROM t ORDER BY v").all() as { v: number }[]).map((r) => r.v);
  return { db, queue, insert, values, transactions: () => transactions };
}

Deno.test("write queue", async (t) => {
  await t.step("writes queued in the same turn share one transaction, in order", async () => {
    const fx = fixture();
    using _db = fx.db;
    const results = await Promise.all([1, 2, 3].map((v) => fx.queue.run(fx.insert(v))));
    assert.deepEqual(results, [1, 2, 3]);
    assert.deepEqual(fx.values(), [1, 2, 3]);
    assert.equal(fx.transactions(), 1);
    // A write queued later gets a transaction of its own.
    assert.equal(await fx.queue.run(fx.insert(4)), 4);
    assert.equal(fx.transactions(), 2);
  });

  await t.step("a transaction takes at most `max` writes", async () => {
    const fx = fixture(2);
    using _db = fx.db;
    await Promise.all([1, 2, 3, 4, 5].map((v) => fx.queue.run(fx.insert(v))));
    assert.deepEqual(fx.values(), [1, 2, 3, 4, 5]);
    assert.equal(fx.transactions(), 3);
  });

  await t.step("a failing write fails alone: the others are committed, its own rows are not", async () => {
    const fx = fixture();
    using _db = fx.db;
    const failing = () => {
      fx.insert(20)();
      throw new Error("bad batch");
    };
    const outcomes = await Promise.allSettled([
      fx.queue.run(fx.insert(1)),
      fx.queue.run(failing),
      fx.queue.run(fx.insert(3)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /bad batch/);
    assert.deepEqual(fx.values(), [1, 3]);
    assert.equal(fx.db.inTransaction, false);
  });
});
