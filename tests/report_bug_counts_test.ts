import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp } from "../src/db/migrations.ts";
import { Repositories } from "../src/db/repos/index.ts";

const STATUSES = ["forwarded", "accepted", "auto_accepted", "rejected"];
const SEVERITIES = ["critical", "high", "low", "visual", "content", "custom", null];

Deno.test("quality report bug groups and months summed from per-test counts equal the grouped bug rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-report-counts-" });
  try {
    using db = openDatabase(`${dir}/cache.db`);
    migrateUp(db);
    using repos = new Repositories(db);
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES
      (1, 'Shop', '{}', '2026-01-01T00:00:00Z'), (2, 'App', '{}', '2026-01-01T00:00:00Z')`);
    let bugId = 1000;
    const tests: number[] = [];
    for (let i = 0; i < 12; i++) {
      const testId = 10 + i;
      tests.push(testId);
      db.exec(`INSERT INTO tests (id, product_id, title, status, end_at, synced_at) VALUES
        (${testId}, ${1 + (i % 2)}, 't', '${i % 3 ? "archived" : "locked"}', '2026-0${
        1 + (i % 6)
      }-10T00:00:00Z',
         '2026-01-01T00:00:00Z')`);
      for (let j = 0; j < (i * 7) % 11; j++) {
        const severity = SEVERITIES[(i + j) % SEVERITIES.length];
        db.exec(`INSERT INTO bugs (id, test_id, product_id, title, status, severity) VALUES
          (${bugId++}, ${testId}, ${1 + (i % 2)}, 'b', '${STATUSES[(i * j) % 4]}',
           ${severity === null ? "NULL" : `'${severity}'`})`);
      }
    }
    // A test without an end: its bugs count in the groups, not in the months.
    db.exec(`INSERT INTO tests (id, product_id, title, status, end_at, synced_at) VALUES
      (30, 2, 't', 'archived', NULL, '2026-01-01T00:00:00Z');
      INSERT INTO bugs (id, test_id, product_id, title, status, severity) VALUES
      (${bugId++}, 30, 2, 'b', 'rejected', 'low'), (${bugId++}, 30, 2, 'b', 'forwarded', NULL)`);
    tests.push(30);
    repos.bugs.recount(tests);
    const grouped = (statuses: string[] | null) =>
      db.prepare(
        `SELECT t.product_id, b.status, b.severity, count(*) AS n FROM tests t JOIN bugs b ON b.test_id = t.id
         WHERE (:s IS NULL OR t.status IN (SELECT value FROM json_each(:s)))
         GROUP BY t.product_id, b.status, b.severity`,
      ).all({ s: statuses ? JSON.stringify(statuses) : null }).map((r) => ({ ...r }));
    // Months of bug classes, counted from the bug rows.
    const months = (statuses: string[] | null) =>
      db.prepare(
        `SELECT t.product_id, substr(t.end_at, 1, 7) AS month, count(DISTINCT t.id) AS tests,
           coalesce(sum(b.status = 'forwarded'), 0) AS open, coalesce(sum(b.status = 'accepted'), 0) AS acc,
           coalesce(sum(b.status = 'auto_accepted'), 0) AS auto, coalesce(sum(b.status = 'rejected'), 0) AS rej
         FROM tests t LEFT JOIN bugs b ON b.test_id = t.id
         WHERE (:s IS NULL OR t.status IN (SELECT value FROM json_each(:s))) AND t.end_at IS NOT NULL
         GROUP BY t.product_id, month ORDER BY month, t.product_id`,
      ).all({ s: statuses ? JSON.stringify(statuses) : null }).map((r) => ({
        product_id: r.product_id,
        month: r.month,
        tests: r.tests,
        classes: { open: r.open, active_accepted: r.acc, auto_accepted: r.auto, rejected: r.rej },
      }));
    for (const statuses of [null, ["archived"], ["locked"]]) {
      const scope = { productIds: [1, 2], statuses };
      const counts = repos.report.bugCounts(scope);
      assert.deepEqual(counts.groups, grouped(statuses), `statuses ${statuses}`);
      const byMonth = counts.months.map((m) => ({ ...m, classes: { ...m.classes } }));
      assert.deepEqual(byMonth, months(statuses), `months, statuses ${statuses}`);
    }
    // A severity outside the counted ones: the bug rows are grouped instead, so nothing is lost.
    db.exec(`INSERT INTO bugs (id, test_id, product_id, title, status, severity) VALUES
      (${bugId++}, 10, 1, 'b', 'accepted', 'blocker')`);
    repos.bugs.recount([10]);
    const fromRows = repos.report.bugCounts({ productIds: [1, 2] });
    const all = fromRows.groups.map((g) => ({ ...g }));
    assert.deepEqual(all, grouped(null));
    assert.ok(all.some((g) => g.severity === "blocker"));
    const byMonth = fromRows.months.map((m) => ({
      ...m,
      classes: { ...m.classes },
    }));
    assert.deepEqual(byMonth, months(null), "months from the bug rows when a count cannot place a bug");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
