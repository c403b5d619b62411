import assert from "node:assert/strict";
import { problematicCommand } from "../src/cli/problematic.ts";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp } from "../src/db/migrations.ts";
import { ProblematicRepo } from "../src/db/repos/problematic.ts";
import { InputError, NotFoundError } from "../src/errors.ts";
import { fakeFixture } from "./helpers/fixture.ts";
import { errorText, inProcessServer, structured } from "./helpers/mcp.ts";
import { captureIO } from "./helpers/cli_io.ts";

const AT = "2026-11-01T10:00:00Z";

function range(productId: number, from: number, to: number, before: number | null, after: number | null) {
  return {
    product_id: productId,
    offset_from: from,
    offset_to: to,
    before: before === null ? null : { test_id: before, end_at: "2026-10-01T00:00:00Z" },
    after: after === null ? null : { test_id: after, end_at: "2026-09-01T00:00:00Z" },
    attempts: 5,
    sync_event_id: null,
  };
}

Deno.test("ProblematicRepo", async (t) => {
  using db = openDatabase(":memory:");
  migrateUp(db);
  using repo = new ProblematicRepo(db);

  await t.step("records a range with its boundaries", () => {
    const id = repo.record(range(1, 37, 37, 300_010, 300_008), AT);
    assert.deepEqual(repo.get(id), {
      id,
      product_id: 1,
      offsets: [37, 37],
      before: { test_id: 300_010, end_at: "2026-10-01T00:00:00Z" },
      after: { test_id: 300_008, end_at: "2026-09-01T00:00:00Z" },
      attempts: 5,
      recorded_at: AT,
      mapped_test_ids: [],
      sync_event_id: null,
    });
  });

  await t.step("the same gap seen again (even shifted) updates the row and adds attempts", () => {
    const [first] = repo.list(1);
    const id = repo.record(range(1, 44, 44, 300_010, 300_008), "2026-11-02T10:00:00Z");
    assert.equal(id, first.id);
    assert.deepEqual(repo.get(id)!.offsets, [44, 44]);
    assert.equal(repo.get(id)!.attempts, 10);
    assert.equal(repo.count(), 1);
  });

  await t.step("other gaps get their own rows; list orders by product and offset", () => {
    repo.record(range(1, 3, 4, 300_100, 300_097), AT);
    repo.record(range(2, 0, 0, null, 400_001), AT);
    assert.deepEqual(repo.list().map((r) => [r.product_id, r.offsets]), [[1, [3, 4]], [1, [44, 44]], [2, [
      0,
      0,
    ]]]);
    assert.deepEqual(repo.list(2).map((r) => r.before), [null]);
  });

  await t.step("mapped test ids merge without duplicates", () => {
    const [r] = repo.list(2);
    assert.deepEqual(repo.mapTests(r.id, [400_000, 400_002]), [400_000, 400_002]);
    assert.deepEqual(repo.mapTests(r.id, [400_002, 400_003]), [400_000, 400_002, 400_003]);
    assert.deepEqual(repo.mapTests(9999, [1]), []);
  });

  await t.step("remove and clear", () => {
    const [r] = repo.list(2);
    assert.equal(repo.remove(r.id), true);
    assert.equal(repo.remove(r.id), false);
    assert.equal(repo.clear(), 2);
    assert.equal(repo.count(), 0);
  });
});

Deno.test("get_problematic_tests and `problematic list|map|clear`", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = fx.api.dataset;
  const [a, b] = data.products;
  fx.api.setFaults({ failOffsets: { [a.id]: [0, 12], [b.id]: [5] } });
  await fx.sync("full");
  await using mcp = await inProcessServer(fx);

  await t.step("the tool lists every range with its boundaries", async () => {
    const out = structured<{ ranges: Record<string, unknown>[]; count: number }>(
      await mcp.call("get_problematic_tests"),
    );
    assert.equal(out.count, 3);
    const tests = data.testsOf(a.id);
    const first = out.ranges[0];
    assert.deepEqual(
      {
        product_id: first.product_id,
        offsets: first.offsets,
        before: first.before,
        attempts: first.attempts,
      },
      { product_id: a.id, offsets: [0, 0], before: null, attempts: 5 },
    );
    assert.equal((first.after as { test_id: number }).test_id, tests[1].id);
    assert.deepEqual(out.ranges[1].offsets, [12, 12]);
    assert.deepEqual(Object.keys(first).sort(), [
      "after",
      "attempts",
      "before",
      "id",
      "mapped_test_ids",
      "offsets",
      "product_id",
      "recorded_at",
    ]);
  });

  await t.step("the tool filters by product and rejects a bad id", async () => {
    const out = structured<{ count: number }>(
      await mcp.call("get_problematic_tests", { product_id: String(b.id) }),
    );
    assert.equal(out.count, 1);
    assert.match(errorText(await mcp.call("get_problematic_tests", { product_id: "x" })), /product_id/);
  });

  await t.step("list prints one line per range; --json the tool's shape", async () => {
    const io = captureIO(fx.env);
    assert.equal(await problematicCommand.run(["list"], io), 0);
    assert.equal(io.out().trim().split("\n").length, 3);
    assert.match(
      io.out(),
      new RegExp(`product ${a.id} offsets 0: before none, after test \\d+ .*5 failed attempts`),
    );
    const json = captureIO(fx.env);
    await problematicCommand.run(["list", "--product-id", String(b.id), "--json"], json);
    assert.equal(JSON.parse(json.out()).count, 1);
  });

  await t.step("map records test ids on a range; unknown ranges and bad ids are errors", async () => {
    const [r] = mcp.ctx.repos.problematic.list(b.id);
    const missing = data.testsOf(b.id)[5].id;
    assert.equal(await problematicCommand.run(["map", String(r.id), String(missing)], captureIO(fx.env)), 0);
    assert.deepEqual(mcp.ctx.repos.problematic.get(r.id)!.mapped_test_ids, [missing]);
    await assert.rejects(problematicCommand.run(["map", "9999", "1"], captureIO(fx.env)), NotFoundError);
    await assert.rejects(problematicCommand.run(["map", String(r.id)], captureIO(fx.env)), InputError);
    await assert.rejects(problematicCommand.run(["map", String(r.id), "abc"], captureIO(fx.env)), InputError);
  });

  await t.step("clear needs --yes; unknown actions are usage errors", async () => {
    await assert.rejects(problematicCommand.run(["clear"], captureIO(fx.env)), InputError);
    await assert.rejects(problematicCommand.run(["frobnicate"], captureIO(fx.env)), InputError);
    await assert.rejects(problematicCommand.run([], captureIO(fx.env)), InputError);
    const io = captureIO(fx.env);
    assert.equal(await problematicCommand.run(["clear", "--yes"], io), 0);
    assert.equal(io.out(), "Cleared 3 problematic ranges\n");
    assert.equal(structured<{ count: number }>(await mcp.call("get_problematic_tests")).count, 0);
  });
});
