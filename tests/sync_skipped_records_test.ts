import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";
import { skippedTestsKey } from "../src/sync/engine.ts";
import { fakeFixture } from "./helpers/fixture.ts";

Deno.test("a test whose list record fails validation is fetched on its own by later syncs", async (t) => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const [product] = [...data.products].sort((a, b) => data.testsOf(b.id).length - data.testsOf(a.id).length);
  // Deep in the list (page 5), where an incremental walk never reaches once the cache is filled.
  const broken = data.testsOf(product.id)[110];
  const cachedIds = () => new Set(app.repos.tests.existingIds([broken.id]));
  const pending = () => app.repos.syncEvents.getMeta(skippedTestsKey(product.id));

  await t.step("the full sync skips its record, fetches it by id, and stores it", async () => {
    fx.api.setFaults({ malformedIds: [broken.id] });
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    assert.equal(summary.status, "completed_with_warnings");
    assert.ok(
      summary.warnings.some((w) => w.includes(`Skipped test ${broken.id}`)),
      summary.warnings.join("\n"),
    );
    assert.equal(fx.api.requests.filter((r) => r.kind === "test").length, 1, "one GET of the test");
    assert.equal(cachedIds().size, 1);
    assert.equal(app.repos.bugs.countsByTest([broken.id]).get(broken.id) ?? 0, data.bugsOf(broken.id).length);
    assert.equal(pending(), undefined);
    app.db.exec(`DELETE FROM tests WHERE id = ${broken.id}`);
  });

  await t.step("while its own endpoint fails too, it stays pending with a warning", async () => {
    fx.api.setFaults({ failNext: [403], routes: ["test"] });
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    assert.ok(
      summary.warnings.some((w) =>
        w.includes(`Test ${broken.id} of product ${product.id} is still unreadable`)
      ),
      summary.warnings.join("\n"),
    );
    assert.ok(summary.warnings.some((w) => w.includes(`the next sync fetches test ${broken.id} again`)));
    assert.equal(cachedIds().size, 0);
    assert.equal(pending(), JSON.stringify([broken.id]));
  });

  await t.step("the next incremental sync fetches it by id and stores it with its bugs", async () => {
    // The list record stays broken; the test's own endpoint now answers.
    fx.api.setFaults({ failNext: [], routes: undefined });
    fx.api.resetRequests();
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.ok(!summary.warnings.some((w) => w.includes(String(broken.id))), summary.warnings.join("\n"));
    assert.equal(fx.api.requests.filter((r) => r.kind === "test").length, 1, "one GET of the test");
    assert.equal(cachedIds().size, 1);
    assert.equal(app.repos.bugs.countsByTest([broken.id]).get(broken.id) ?? 0, data.bugsOf(broken.id).length);
    assert.equal(pending(), undefined, "nothing left to retry");
  });
});
