import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { migrateUp, MIGRATIONS } from "../src/db/migrations.ts";
import { RANK_WINDOW, SearchRepo, TOP_ROWIDS } from "../src/db/repos/search.ts";

Deno.test("a search with more matches than the rank window ranks the newest and says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-search-window-" });
  try {
    using db = openDatabase(`${dir}/cache.db`);
    migrateUp(db);
    db.exec(`INSERT INTO products (id, name, raw, synced_at) VALUES
      (1, 'Checkout shop', '{}', '2026-01-01T00:00:00Z'), (2, 'Other', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO tests (id, product_id, title, status, synced_at) VALUES
        (10, 2, 'A test', 'archived', '2026-01-01T00:00:00Z')`);
    const bugs = RANK_WINDOW + 100;
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${bugs})
      INSERT INTO bugs (id, test_id, product_id, title, status)
      SELECT 1000 + i, 10, 2, CASE i WHEN 1 THEN 'checkout checkout checkout' ELSE 'Checkout fails ' || i END,
        'forwarded' FROM n;
      INSERT INTO search_index (rowid, title, content) SELECT id * 4 + 3, title, '' FROM bugs;`);
    using search = new SearchRepo(db);
    const r = search.search({ query: "checkout", mode: "simple", limit: 20 });
    assert.equal(r.total, bugs + 1, "every match is counted");
    assert.equal(r.results.length, 20);
    assert.match(r.warnings.join(" "), new RegExp(`ranked the newest ${RANK_WINDOW}`));
    assert.ok(r.results.some((h) => h.entity_type === "product" && h.id === 1), "product matches are ranked");
    assert.ok(!r.results.some((h) => h.id === 1001), "the oldest bug is outside the window");
    const bugIds = r.results.filter((h) => h.entity_type === "bug").map((h) => h.id);
    assert.ok(bugIds.every((id) => id > 1000 + bugs - RANK_WINDOW), "ranked bugs are the newest");

    // A product filter ranks all of its matches: the oldest bug, the best by BM25, comes first.
    const filtered = search.search({ query: "checkout", mode: "simple", limit: 20, productIds: [2] });
    assert.equal(filtered.results[0].id, 1001);
    assert.deepEqual(filtered.warnings, []);
    // Few matches: no window, no warning.
    const few = search.search({ query: "shop", mode: "simple", limit: 20 });
    assert.deepEqual(few.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("migration 0009 lifts products and features above every test and bug, and its down script puts them back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-search-rowids-" });
  try {
    using db = openDatabase(`${dir}/cache.db`);
    migrateUp(db, MIGRATIONS.filter((m) => m.version < 9));
    db.exec(
      `INSERT INTO products (id, name, raw, synced_at) VALUES (7, 'Garden shop', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO features (id, product_id, title, raw, synced_at) VALUES (70, 7, 'Garden checkout', '{}', '2026-01-01T00:00:00Z');
      INSERT INTO tests (id, product_id, title, status, synced_at) VALUES (700, 7, 'Garden test', 'archived', '2026-01-01T00:00:00Z')`,
    );
    const rowids = () =>
      (db.prepare("SELECT rowid AS r FROM search_index WHERE search_index MATCH 'garden' ORDER BY rowid")
        .all() as {
          r: number;
        }[]).map((x) => x.r);
    assert.deepEqual(rowids(), [7 * 4, 70 * 4 + 1, 700 * 4 + 2]);
    migrateUp(db);
    assert.deepEqual(rowids(), [700 * 4 + 2, TOP_ROWIDS + 7 * 4, TOP_ROWIDS + 70 * 4 + 1]);
    using search = new SearchRepo(db);
    const found = search.search({ query: "garden", mode: "simple", limit: 20 }).results
      .map((h) => `${h.entity_type} ${h.id}`).sort();
    assert.deepEqual(found, ["feature 70", "product 7", "test 700"]);
    // The triggers write the new rowids: a product renamed and a feature added land at the top.
    db.exec(`UPDATE products SET name = 'Garden shop two' WHERE id = 7;
      INSERT INTO features (id, product_id, title, raw, synced_at) VALUES (71, 7, 'Garden gate', '{}', '2026-01-01T00:00:00Z')`);
    assert.deepEqual(rowids(), [
      700 * 4 + 2,
      TOP_ROWIDS + 7 * 4,
      TOP_ROWIDS + 70 * 4 + 1,
      TOP_ROWIDS + 71 * 4 + 1,
    ]);
    db.exec(MIGRATIONS.find((m) => m.version === 9)!.down);
    assert.deepEqual(rowids(), [7 * 4, 70 * 4 + 1, 71 * 4 + 1, 700 * 4 + 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the words kept per stem follow writes by this connection and by another one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-search-stems-" });
  try {
    using db = openDatabase(`${dir}/cache.db`);
    migrateUp(db);
    db.exec(
      `INSERT INTO products (id, name, raw, synced_at) VALUES (1, 'App crashes', '{}', '2026-01-01T00:00:00Z')`,
    );
    using search = new SearchRepo(db);
    const used = () => search.search({ query: "crash", mode: "simple", limit: 5 }).query_used;
    assert.equal(used(), '("crash" OR "crashes")');
    db.exec(
      `INSERT INTO products (id, name, raw, synced_at) VALUES (2, 'Crashing app', '{}', '2026-01-01T00:00:00Z')`,
    );
    assert.equal(used(), '("crash" OR "crashes" OR "crashing")', "a write by this connection");
    {
      using other = openDatabase(`${dir}/cache.db`);
      other.exec(
        `INSERT INTO products (id, name, raw, synced_at) VALUES (3, 'It crashed', '{}', '2026-01-01T00:00:00Z')`,
      );
    }
    assert.equal(
      used(),
      '("crash" OR "crashed" OR "crashes" OR "crashing")',
      "a commit by another connection",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
