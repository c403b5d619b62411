/**
 * A refresh never destroys cached data because of a permission or transport problem: when the
 * refresh of a test fails (HTTP 403, say, because its product became forbidden), the bug refresh
 * that would follow is skipped, and an empty bug answer for a final test that had bugs keeps the
 * cached bugs with a warning instead of wiping them.
 */
import assert from "node:assert/strict";
import { openApp } from "../../src/app.ts";
import type { Database } from "../../src/db/database.ts";
import { silentLogger } from "../../src/log.ts";
import { FreshnessService } from "../../src/sync/freshness.ts";
import { syncedFixture } from "../helpers/fixture.ts";

function bugCount(db: Database, testId: number): number {
  return db.prepare("SELECT count(*) AS n FROM bugs WHERE test_id = ?").get(testId)!.n as number;
}

/** Moves stamps of a test `hours` into the past. */
function age(db: Database, id: number, hours: number, columns: string[]): void {
  const back = (c: string) => `${c} = strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${c}) - ${hours / 24})`;
  db.exec(`UPDATE tests SET ${columns.map(back).join(", ")} WHERE id = ${id}`);
}

Deno.test("a failed or empty refresh keeps the cached bugs", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const fresh = new FreshnessService({ ...app, log: silentLogger() });
  const all = data.products.flatMap((p) => data.testsOf(p.id));
  const withBugs = (status: string[]) =>
    all.filter((x) => status.includes(x.status) && data.bugCountOf(x.id));

  await t.step("a stale running test whose refresh gets 403 keeps its bugs", async () => {
    const test = withBugs(["running", "locked"])[0];
    const productId = data.productIdOfTest(test.id)!;
    const cached = bugCount(app.db, test.id);
    assert.ok(cached > 0);
    age(app.db, test.id, 2, ["synced_at", "bugs_synced_at"]);
    fx.api.setFaults({ forbiddenProductIds: [productId] });
    fx.api.resetRequests();
    const r = await fresh.ensureTests([test.id], { bugs: true });
    fx.api.clearFaults();
    assert.equal(bugCount(app.db, test.id), cached, "the cached bugs are still there");
    assert.equal(fx.api.countRequests("bugs"), 0, "no bug refresh after the test's own refresh failed");
    assert.ok(r.warnings.some((w) => w.startsWith(`Test ${test.id}: served from cache`)), r.warnings.join());
  });

  await t.step("an empty bug answer for a final test that had bugs keeps them, with a warning", async () => {
    const test = withBugs(["archived", "cancelled"])[0];
    const productId = data.productIdOfTest(test.id)!;
    const cached = bugCount(app.db, test.id);
    assert.ok(cached > 0);
    // Bugs synced before the test became final are due once more: the final test is not re-read.
    app.db.exec(`UPDATE tests SET bugs_synced_at = NULL WHERE id = ${test.id}`);
    fx.api.setFaults({ forbiddenProductIds: [productId] });
    const r = await fresh.ensureTests([test.id], { bugs: true });
    fx.api.clearFaults();
    assert.equal(bugCount(app.db, test.id), cached, "the cached bugs are still there");
    assert.ok(
      r.warnings.some((w) => w.includes(`test ${test.id}`) && /no bugs/.test(w)),
      `a warning names the test: ${r.warnings.join(" | ")}`,
    );
  });

  await t.step("a full sync while a product is forbidden keeps that product's bugs", async () => {
    const product = data.products.find((p) => data.testsOf(p.id).some((x) => data.bugCountOf(x.id)))!;
    const before = app.db.prepare("SELECT count(*) AS n FROM bugs WHERE product_id = ?").get(product.id)!
      .n as number;
    assert.ok(before > 0);
    fx.api.setFaults({ forbiddenProductIds: [product.id] });
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    fx.api.clearFaults();
    assert.equal(summary.status, "completed_with_warnings", summary.error);
    const after = app.db.prepare("SELECT count(*) AS n FROM bugs WHERE product_id = ?").get(product.id)!
      .n as number;
    assert.equal(after, before, "no bug of the forbidden product was deleted");
    const total = app.db.prepare("SELECT count(*) AS n FROM bugs").get()!.n as number;
    assert.equal(total, data.counts.bugs, "every other bug is still in step with the source");
  });
});
