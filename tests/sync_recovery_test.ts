import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { problematicCommand } from "../src/cli/problematic.ts";
import { toUtcIso } from "../src/dates.ts";
import { UpstreamError } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { groupFailures, type PageReader, readOffsets } from "../src/sync/pages.ts";
import type { ApiTest } from "../src/testio/schemas.ts";
import { assertBugsMatch, assertTestsMatch } from "./helpers/cache_compare.ts";
import { fakeFixture } from "./helpers/fixture.ts";
import { captureIO } from "./helpers/cli_io.ts";

/** A list of `length` tests served by page, failing with 500 on pages covering `bad` offsets. */
function fakeList(length: number, bad: number[], other?: { offset: number; status: number }) {
  const calls: string[] = [];
  const read: PageReader = (page, size) => {
    calls.push(`${page}/${size}`);
    const from = (page - 1) * size;
    const to = Math.min(from + size, length);
    if (other && other.offset >= from && other.offset < to) {
      return Promise.reject(new UpstreamError(`HTTP ${other.status}`, other.status, "x"));
    }
    if (bad.some((o) => o >= from && o < to)) return Promise.reject(new UpstreamError("HTTP 500", 500, "x"));
    const tests = Array.from(
      { length: Math.max(0, to - from) },
      (_, i) => ({ id: 1000 + from + i }) as ApiTest,
    );
    return Promise.resolve({ tests, received: tests.length, warnings: [] });
  };
  return { read, calls };
}

Deno.test("page-500 recovery narrows 25 → 10 → 5 → 2 → 1 to the failing offset", async (t) => {
  await t.step("one bad offset costs 11 requests and loses only that offset", async () => {
    const { read, calls } = fakeList(60, [17]);
    const r = await readOffsets(read, 0, 25);
    assert.deepEqual(calls, [
      "1/25",
      "1/10",
      "2/10",
      "3/5",
      "4/5",
      "8/2",
      "9/2",
      "17/1",
      "18/1",
      "10/2",
      "3/10",
    ]);
    assert.deepEqual(r.tests.map((x) => x.offset), [...Array(25).keys()].filter((o) => o !== 17));
    assert.deepEqual(r.tests.map((x) => x.test.id), r.tests.map((x) => 1000 + x.offset));
    assert.deepEqual(r.failed, [{ offset: 17, attempts: 5 }]);
    assert.equal(r.endReached, false);
  });

  await t.step(
    "adjacent bad offsets form one range; the end of the list is noticed inside recovery",
    async () => {
      const { read } = fakeList(23, [20, 21]);
      const r = await readOffsets(read, 0, 25);
      assert.equal(r.tests.length, 21);
      assert.deepEqual(groupFailures(r.failed), [{ from: 20, to: 21, attempts: 5 }]);
      assert.equal(r.endReached, true);
      assert.equal(r.listEnd, 23);
    },
  );

  await t.step("any other error stops the recovery and is passed on", async () => {
    const { read } = fakeList(60, [3], { offset: 8, status: 503 });
    await assert.rejects(readOffsets(read, 0, 25), (err: UpstreamError) => err.status === 503);
  });
});

Deno.test("HTTP 500 on two offsets of a product: sync completes, ranges recorded, retry recovers", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = fx.api.dataset;
  const [product] = [...data.products].sort((a, b) => data.testsOf(b.id).length - data.testsOf(a.id).length);
  const tests = data.testsOf(product.id);
  const bad = [7, 31];
  fx.api.setFaults({ failOffsets: { [product.id]: bad } });
  await using app = openApp(fx.config(), silentLogger());
  const summary = await app.engine.run({ mode: "full", trigger: "test" });

  await t.step("the sync completes with warnings naming the ranges", () => {
    assert.equal(summary.status, "completed_with_warnings");
    const text = summary.warnings.join("\n");
    for (const o of bad) assert.match(text, new RegExp(`offset ${o} failed with HTTP 500`));
  });

  await t.step("every other test (and its bugs) is stored", () => {
    const missing = new Set(bad.map((o) => tests[o].id));
    const cached = app.db.prepare("SELECT id FROM tests WHERE product_id = ? ORDER BY id").all(product.id)
      .map((r) => r.id as number);
    assert.deepEqual(cached, tests.map((x) => x.id).filter((id) => !missing.has(id)).sort((a, b) => a - b));
    assertBugsMatch(app.db, data, cached);
    for (const other of data.products.filter((p) => p.id !== product.id)) {
      assertTestsMatch(app.db, data, [other.id]);
    }
  });

  await t.step("both ranges are recorded with the tests just before and after them", () => {
    const ranges = app.repos.problematic.list(product.id);
    assert.deepEqual(
      ranges.map((r) => ({ offsets: r.offsets, before: r.before, after: r.after, attempts: r.attempts })),
      bad.map((o) => ({
        offsets: [o, o],
        before: { test_id: tests[o - 1].id, end_at: toUtcIso(tests[o - 1].end_at!) },
        after: { test_id: tests[o + 1].id, end_at: toUtcIso(tests[o + 1].end_at!) },
        attempts: 5,
      })),
    );
    assert.ok(ranges.every((r) => r.sync_event_id === summary.event_id));
  });

  await t.step(
    "a second sync with the fault still on keeps one row per range and counts attempts",
    async () => {
      const again = await app.engine.run({ mode: "full", trigger: "test" });
      assert.equal(again.status, "completed_with_warnings");
      const ranges = app.repos.problematic.list(product.id);
      assert.equal(ranges.length, 2);
      assert.ok(ranges.every((r) => r.attempts === 10));
    },
  );

  await t.step("with the fault on, `problematic retry` reports failure and keeps the ranges", async () => {
    const io = captureIO(fx.env);
    assert.equal(await problematicCommand.run(["retry", String(product.id)], io), 1);
    assert.match(io.out(), /still fail with HTTP 500/);
    assert.equal(app.repos.problematic.list(product.id).length, 2);
  });

  await t.step("once the fault is lifted, `problematic retry` recovers both ranges", async () => {
    fx.api.clearFaults();
    const io = captureIO(fx.env);
    assert.equal(await problematicCommand.run(["retry", String(product.id)], io), 0, io.err());
    assert.equal(io.out().match(/recovered/g)?.length, 2);
    assert.equal(app.repos.problematic.count(), 0);
    assertTestsMatch(app.db, data, [product.id]);
    assertBugsMatch(app.db, data, tests.map((x) => x.id));
  });
});

Deno.test("mapped test ids are fetched one by one; a walk that reads a range again removes it", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = fx.api.dataset;
  const product = data.products[0];
  const tests = data.testsOf(product.id);
  fx.api.setFaults({ failOffsets: { [product.id]: [4] } });
  await using app = openApp(fx.config(), silentLogger());
  await app.engine.run({ mode: "full", trigger: "test", productIds: [product.id] });
  const [range] = app.repos.problematic.list(product.id);

  await t.step("map records the ids; retry fetches them by id while the list still fails", async () => {
    const io = captureIO(fx.env);
    assert.equal(await problematicCommand.run(["map", String(range.id), String(tests[4].id)], io), 0);
    assert.deepEqual(app.repos.problematic.get(range.id)!.mapped_test_ids, [tests[4].id]);
    fx.api.resetRequests();
    assert.equal(await problematicCommand.run(["retry", String(product.id), "--json"], io), 0);
    assert.equal(fx.api.countRequests("test"), 1);
    assert.equal(fx.api.countRequests("tests"), 0);
    assert.ok(app.repos.tests.get(tests[4].id));
    assert.equal(app.repos.problematic.count(), 0);
  });

  await t.step("a later walk that reads the whole range removes a recorded range", async () => {
    await app.engine.run({ mode: "full", trigger: "test", productIds: [product.id] });
    assert.equal(app.repos.problematic.count(), 1);
    fx.api.clearFaults();
    const summary = await app.engine.run({ mode: "full", trigger: "test", productIds: [product.id] });
    assert.equal(summary.status, "completed");
    assert.equal(app.repos.problematic.count(), 0);
  });
});

Deno.test("retry finds a range that newer tests pushed down the list", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = fx.api.dataset;
  const product = data.products[0];
  const offset = 31;
  assert.ok(data.testsOf(product.id).length > offset + 1);
  const missing = data.testsOf(product.id)[offset].id;
  fx.api.setFaults({ failOffsets: { [product.id]: [offset] } });
  await using app = openApp(fx.config(), silentLogger());
  await app.engine.run({ mode: "full", trigger: "test", productIds: [product.id] });
  // Three newer tests arrive; the next incremental sync stops on page 1, before the range.
  data.addTests(product.id, 3);
  fx.api.setFaults({ failOffsets: { [product.id]: [offset + 3] } });
  const inc = await app.engine.run({ mode: "incremental", trigger: "test", productIds: [product.id] });
  assert.equal(inc.tests_discovered, 3);
  assert.deepEqual(app.repos.problematic.list(product.id)[0].offsets, [offset, offset], "not revisited");

  fx.api.clearFaults();
  const io = captureIO(fx.env);
  assert.equal(await problematicCommand.run(["retry", String(product.id)], io), 0, io.out());
  assert.ok(app.repos.tests.get(missing), "the test now at offset 34 was stored");
  assert.equal(app.repos.problematic.count(), 0);
  assertTestsMatch(app.db, data, [product.id]);
});
