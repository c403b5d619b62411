import assert from "node:assert/strict";
import { CancelledError } from "../src/errors.ts";
import { Semaphore } from "../src/testio/limit.ts";

/** Lets pending promise callbacks run. */
const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("semaphore: permits, order and priority", async (t) => {
  await t.step("at most `max` holders; a disposed permit passes to the oldest waiter", async () => {
    const limit = new Semaphore(2);
    const a = await limit.acquire();
    const b = await limit.acquire();
    const order: string[] = [];
    const c = limit.acquire().then((p) => (order.push("c"), p));
    const d = limit.acquire().then((p) => (order.push("d"), p));
    await tick();
    assert.equal(limit.active, 2);
    assert.equal(limit.waiting, 2);
    assert.deepEqual(order, []);
    a[Symbol.dispose]();
    a[Symbol.dispose]();
    await tick();
    assert.deepEqual(order, ["c"], "a second disposal releases nothing more");
    assert.equal(limit.active, 2);
    b[Symbol.dispose]();
    (await c)[Symbol.dispose]();
    (await d)[Symbol.dispose]();
    assert.equal(limit.active, 0);
    assert.equal(limit.waiting, 0);
  });

  await t.step("high waiters go before normal ones, first come first served within each", async () => {
    const limit = new Semaphore(1);
    const held = await limit.acquire();
    const order: string[] = [];
    const wait = (name: string, priority?: "high" | "normal") =>
      limit.acquire(undefined, priority).then((permit) => {
        order.push(name);
        permit[Symbol.dispose]();
      });
    const all = Promise.all([wait("n1"), wait("h1", "high"), wait("n2", "normal"), wait("h2", "high")]);
    held[Symbol.dispose]();
    await all;
    assert.deepEqual(order, ["h1", "h2", "n1", "n2"]);
    assert.equal(limit.active, 0);
  });

  await t.step("a free permit is granted at once, whatever the priority", async () => {
    const limit = new Semaphore(1);
    using _permit = await limit.acquire(undefined, "normal");
    assert.equal(limit.active, 1);
  });

  await t.step(
    "an abort while waiting leaves the queue and rejects; an aborted signal gets nothing",
    async () => {
      const limit = new Semaphore(1);
      const held = await limit.acquire();
      const stop = new AbortController();
      const aborted = limit.acquire(stop.signal, "high");
      const next = limit.acquire();
      stop.abort();
      await assert.rejects(aborted, CancelledError);
      assert.equal(limit.waiting, 1);
      held[Symbol.dispose]();
      (await next)[Symbol.dispose]();
      assert.equal(limit.active, 0);
      await assert.rejects(limit.acquire(AbortSignal.abort()), CancelledError);
      assert.equal(limit.active, 0);
    },
  );

  await t.step("the size must be a positive integer", () => {
    for (const size of [0, -1, 1.5, NaN]) assert.throws(() => new Semaphore(size), RangeError);
  });
});
