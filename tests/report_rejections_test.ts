/**
 * The quality report's rejection groups read in index order (a scope of most of the cache) or sorted
 * from the scope's tests (a small scope) equal the rejected bugs grouped directly, for every scope kind.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { openDatabase } from "../src/db/database.ts";
import { Repositories } from "../src/db/repos/index.ts";
import type { RejectionGroupRow, ReportScope } from "../src/db/repos/report.ts";

Deno.test("rejection groups by feature and by tester equal the rejected bugs grouped directly", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  using db = openDatabase(fx.dbPath);
  using repos = new Repositories(db);
  const products = (db.prepare("SELECT id FROM products ORDER BY id").all() as { id: number }[]).map((r) =>
    r.id
  );
  const someTests = (db.prepare("SELECT id FROM tests ORDER BY id LIMIT 20").all() as { id: number }[]).map((
    r,
  ) => r.id);

  /** The reference: every rejected bug of the scope's tests, grouped in SQL with no index hint. */
  const direct = (scope: ReportScope, by: "feature" | "tester") => {
    const key = by === "feature" ? "b.feature_id" : "b.author";
    const rows = db.prepare(
      `SELECT ${
        by === "feature"
          ? "b.feature_id, f.title AS feature_title, NULL AS author"
          : "NULL AS feature_id, NULL AS feature_title, b.author"
      },
         b.rejection_reason AS reason, count(*) AS rejected
       FROM bugs b JOIN tests t ON t.id = b.test_id LEFT JOIN features f ON f.id = b.feature_id
       WHERE b.status = 'rejected' AND t.product_id IN (SELECT value FROM json_each(:products))
         AND (:tests IS NULL OR t.id IN (SELECT value FROM json_each(:tests)))
         AND (:statuses IS NULL OR t.status IN (SELECT value FROM json_each(:statuses)))
         AND (:from IS NULL OR t.end_at >= :from)
       GROUP BY ${key}, b.rejection_reason`,
    ).all({
      products: JSON.stringify(scope.productIds),
      tests: scope.testIds ? JSON.stringify(scope.testIds) : null,
      statuses: scope.statuses ? JSON.stringify(scope.statuses) : null,
      from: scope.from ?? null,
    });
    return sorted(rows as unknown as RejectionGroupRow[]);
  };
  const sorted = (rows: readonly RejectionGroupRow[]) =>
    rows.map((r) => ({ ...r })).sort((a, b) =>
      JSON.stringify([a.feature_id, a.author, a.reason]).localeCompare(
        JSON.stringify([b.feature_id, b.author, b.reason]),
      )
    );

  const scopes: [string, ReportScope][] = [
    ["every product (index order)", { productIds: products }],
    ["every product, executed tests since a date (index order)", {
      productIds: products,
      statuses: ["running", "locked", "archived", "customer_finalized"],
      from: "2026-05-01T00:00:00.000Z",
    }],
    ["twenty tests (sorted from the tests)", { productIds: products, testIds: someTests }],
    ["one product", { productIds: [products[0]] }],
  ];
  for (const [name, scope] of scopes) {
    await t.step(name, () => {
      for (const by of ["feature", "tester"] as const) {
        const expected = direct(scope, by);
        assert.ok(expected.length > 0, `${by}: the scope has rejected bugs`);
        assert.deepEqual(sorted(repos.report.rejectionGroups(scope, by)), expected, by);
      }
    });
  }

  await t.step("without the partial indexes (a first load builds them at its end), from the tests", () => {
    db.exec("DROP INDEX bugs_rejected_by_author; DROP INDEX bugs_rejected_by_feature;");
    for (const by of ["feature", "tester"] as const) {
      assert.deepEqual(sorted(repos.report.rejectionGroups(scopes[0][1], by)), direct(scopes[0][1], by), by);
    }
  });
});
