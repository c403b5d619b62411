import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp } from "../src/db/migrations.ts";
import { DEFERRED_KEY } from "../src/db/repos/bugs.ts";
import { silentLogger } from "../src/log.ts";
import type { Database } from "../src/db/database.ts";
import { fakeFixture } from "./helpers/fixture.ts";

/** The indexes of `bugs` as the migrations create them. */
function migratedBugIndexes(): string[] {
  using db = openDatabase(":memory:");
  migrateUp(db);
  return bugIndexes(db);
}

function bugIndexes(db: Database): string[] {
  return (db.raw.prepare(
    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bugs' AND sql IS NOT NULL ORDER BY name",
  ).all() as { sql: string }[]).map((r) => r.sql);
}

/** Bugs without their row in the search index. */
function unindexedBugs(db: Database): number {
  return (db.raw.prepare(
    "SELECT count(*) AS n FROM bugs b WHERE NOT EXISTS (SELECT 1 FROM search_index s WHERE s.rowid = b.id * 4 + 3)",
  ).get() as { n: number }).n;
}

Deno.test("a first load into an empty cache builds the bug indexes once, after the load; search rows as it goes", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const expected = migratedBugIndexes();
  assert.ok(expected.length > 1, "bugs has secondary indexes to defer");

  await t.step(
    "during the load only bugs_cube is kept; afterwards every index is there",
    async () => {
      await using app = openApp(fx.config(), silentLogger());
      let during: string[] | null = null;
      const summary = await app.engine.run({
        mode: "incremental",
        trigger: "test",
        onProgress: (p) => {
          if (p.phase === "bugs" && during === null) during = bugIndexes(app.db);
        },
      });
      assert.equal(summary.status, "completed", summary.warnings.join("\n"));
      assert.ok(summary.bugs_synced > 0);
      assert.deepEqual(during, expected.filter((sql) => sql.includes("bugs_cube")));
      assert.deepEqual(bugIndexes(app.db), expected);
      assert.equal(unindexedBugs(app.db), 0);
      assert.equal(app.repos.syncEvents.getMeta(DEFERRED_KEY), undefined);
    },
  );

  await t.step("a later sync into the filled cache keeps its indexes row by row", async () => {
    await using app = openApp(fx.config(), silentLogger());
    assert.equal(app.repos.bugs.deferIndexes(), false);
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    assert.equal(summary.status, "completed", summary.warnings.join("\n"));
    assert.deepEqual(bugIndexes(app.db), expected);
    assert.equal(unindexedBugs(app.db), 0);
  });
});

Deno.test("a load that ended early is completed by the next sync", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  const expected = migratedBugIndexes();
  {
    // A load that stores some bugs, then ends without building its indexes (as a crash would).
    await using app = openApp(fx.config(), silentLogger());
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.equal(summary.status, "completed");
    app.db.exec("DELETE FROM bugs");
    assert.equal(app.repos.bugs.deferIndexes(), true);
    const ids = (app.db.raw.prepare("SELECT id FROM tests ORDER BY id LIMIT 15").all() as { id: number }[])
      .map((r) => r.id);
    const [batch] = await app.engine.refresher!.bugs(ids);
    assert.ok(batch.outcome.ok && batch.bugs > 0);
    assert.notDeepEqual(bugIndexes(app.db), expected);
  }
  await using app = openApp(fx.config(), silentLogger());
  assert.ok(app.repos.syncEvents.getMeta(DEFERRED_KEY));
  const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
  assert.equal(summary.status, "completed", summary.warnings.join("\n"));
  assert.deepEqual(bugIndexes(app.db), expected);
  assert.equal(unindexedBugs(app.db), 0);
  assert.equal(app.repos.syncEvents.getMeta(DEFERRED_KEY), undefined);
});
