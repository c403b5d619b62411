import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import type { BugListRow as Bug } from "../src/db/repos/bugs.ts";
import type { RawBug } from "../src/testio/fake/types.ts";
import {
  allRows,
  assertSorted,
  callError,
  callOk,
  type Pagination,
  readCache,
} from "./helpers/tool_support.ts";

interface BugList {
  bugs: Bug[];
  pagination: Pagination;
  data_as_of: string | null;
  warnings?: string[];
}

/** The stored (derived) status of a raw API bug (docs/domain.md, Bugs). */
function derived(b: RawBug): string {
  return b.status === "accepted" && b.auto_accepted === true ? "auto_accepted" : b.status;
}

Deno.test("list_bugs", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);
  const data = fx.api.dataset;
  const productId = sql.n("SELECT product_id AS n FROM bugs GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1");
  const rawBugs = data.testsOf(productId).flatMap((test) => data.bugsOf(test.id));

  await t.step("a product's bugs: exact total from the API data, newest first", async () => {
    const out = await callOk<BugList>(mcp, "list_bugs", { product_id: productId });
    assert.equal(out.pagination.total_count, rawBugs.length);
    assert.equal(out.bugs.length, 50);
    assert.equal(out.pagination.has_more, true);
    assertSorted(out.bugs.map((b) => b.reported_at), "desc", "reported_at");
    const newest = [...rawBugs].sort((a, b) =>
      Date.parse(b.reported_at) - Date.parse(a.reported_at) || b.id - a.id
    )[0];
    assert.equal(out.bugs[0].id, newest.id);
    assert.equal(out.bugs[0].title, newest.title);
    assert.equal(out.bugs[0].reported_by, newest.author.name);
    assert.ok(out.data_as_of?.endsWith("Z"));
    assert.equal(out.warnings, undefined);
  });

  await t.step("statuses: open means forwarded; each class matches the API data", async () => {
    for (const status of ["forwarded", "accepted", "auto_accepted", "rejected"]) {
      const out = await callOk<BugList>(mcp, "list_bugs", { product_id: productId, statuses: status });
      assert.equal(out.pagination.total_count, rawBugs.filter((b) => derived(b) === status).length, status);
      assert.ok(out.bugs.every((b) => b.status === status));
    }
    const open = await callOk<BugList>(mcp, "list_bugs", { product_id: productId, statuses: "open" });
    const both = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      statuses: ["OPEN", "forwarded"],
    });
    assert.equal(open.pagination.total_count, rawBugs.filter((b) => b.status === "forwarded").length);
    assert.deepEqual(both, open);
    const two = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      statuses: "open, rejected",
    });
    assert.equal(
      two.pagination.total_count,
      rawBugs.filter((b) => b.status === "forwarded" || b.status === "rejected").length,
    );
  });

  await t.step("test_ids as array, CSV and JSON text give one answer; duplicates ignored", async () => {
    const tests = sql.col<number>(
      "SELECT id FROM tests WHERE product_id = :p AND bug_count > 0 ORDER BY id LIMIT 3",
      { p: productId },
    );
    const expected = tests.reduce((n, id) => n + data.bugsOf(id).length, 0);
    const a = await callOk<BugList>(mcp, "list_bugs", { test_ids: tests, per_page: 200 });
    const b = await callOk<BugList>(mcp, "list_bugs", { test_ids: tests.join(","), per_page: 200 });
    const c = await callOk<BugList>(mcp, "list_bugs", {
      test_ids: JSON.stringify([...tests, tests[0]]),
      per_page: 200,
    });
    assert.equal(a.pagination.total_count, expected);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.ok(a.bugs.every((x) => tests.includes(x.test_id)));
  });

  await t.step("severities, known and reported_by (case-insensitive) filter like the data", async () => {
    const out = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      severities: "critical,high",
      known: "false",
    });
    assert.equal(
      out.pagination.total_count,
      rawBugs.filter((b) => ["critical", "high"].includes(b.severity) && !b.known).length,
    );
    const author = rawBugs[0].author.name;
    const byAuthor = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      reported_by: author.toUpperCase(),
    });
    assert.equal(byAuthor.pagination.total_count, rawBugs.filter((b) => b.author.name === author).length);
    assert.ok(byAuthor.bugs.every((b) => b.reported_by === author));
  });

  await t.step("rejection_reasons: canned keys and unknown", async () => {
    const counts = sql.all<{ reason: string | null; n: number }>(
      `SELECT rejection_reason AS reason, count(*) AS n FROM bugs
       WHERE product_id = :p AND status = 'rejected' GROUP BY 1`,
      { p: productId },
    );
    const known = counts.find((c) => c.reason !== null)!;
    const out = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      rejection_reasons: known.reason,
    });
    assert.equal(out.pagination.total_count, known.n);
    const unknown = counts.find((c) => c.reason === null)?.n ?? 0;
    const both = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      rejection_reasons: ["unknown", known.reason],
    });
    assert.equal(both.pagination.total_count, known.n + unknown);
    await callError(
      mcp,
      "list_bugs",
      { product_id: productId, rejection_reasons: "bad_luck" },
      "rejection_reasons",
    );
  });

  await t.step("start_date/end_date bound reported_at (inclusive days, UTC)", async () => {
    const times = rawBugs.map((b) => new Date(b.reported_at).toISOString()).sort();
    const day = times[Math.floor(times.length / 2)].slice(0, 10);
    const out = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      start_date: day,
      end_date: day,
      per_page: 200,
    });
    assert.equal(out.pagination.total_count, times.filter((x) => x.startsWith(day)).length);
    assert.ok(out.pagination.total_count > 0);
    assert.ok(out.bugs.every((b) => b.reported_at!.startsWith(day)));
    await callError(mcp, "list_bugs", {
      product_id: productId,
      start_date: "2026-02-01",
      end_date: "2026-01-01",
    }, "start_date");
    await callError(mcp, "list_bugs", { product_id: productId, start_date: "soonish" }, "start_date");
  });

  await t.step("sort orders: severity, title, status", async () => {
    const rank: Record<string, number> = { critical: 6, high: 5, low: 4, visual: 3, content: 2, custom: 1 };
    const bySeverity = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      sort_by: "severity",
      per_page: 200,
    });
    assertSorted(bySeverity.bugs.map((b) => rank[b.severity ?? ""] ?? 0), "desc", "severity rank");
    assert.equal(bySeverity.bugs[0].severity, "critical");
    const byTitle = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      sort_by: "title",
      sort_order: "asc",
      per_page: 100,
    });
    assertSorted(byTitle.bugs.map((b) => b.title.toLowerCase()), "asc", "title");
    const byStatus = await callOk<BugList>(mcp, "list_bugs", {
      product_id: productId,
      sort_by: "status",
      sort_order: "asc",
      per_page: 200,
    });
    assertSorted(byStatus.bugs.map((b) => b.status), "asc", "status");
  });

  await t.step("pagination: pages tile the list, last page, past the end, per_page bounds", async () => {
    const total = rawBugs.length;
    const every = await allRows<Bug>(mcp, "list_bugs", "bugs", { product_id: productId });
    assert.equal(every.length, total);
    assert.equal(new Set(every.map((b) => b.id)).size, total);
    const last = Math.ceil(total / 50);
    const lastPage = await callOk<BugList>(mcp, "list_bugs", { product_id: productId, page: last });
    assert.equal(lastPage.bugs.length, total - (last - 1) * 50);
    assert.equal(lastPage.pagination.has_more, false);
    const past = await callOk<BugList>(mcp, "list_bugs", { product_id: productId, page: last + 1 });
    assert.deepEqual(past.bugs, []);
    assert.deepEqual(past.pagination, { page: last + 1, per_page: 50, total_count: total, has_more: false });
    const max = await callOk<BugList>(mcp, "list_bugs", { product_id: productId, per_page: "200" });
    assert.equal(max.bugs.length, Math.min(200, total));
    await callError(mcp, "list_bugs", { product_id: productId, per_page: 201 }, "per_page", "1–200");
    await callError(mcp, "list_bugs", { product_id: productId, per_page: 0 }, "per_page");
    await callError(mcp, "list_bugs", { product_id: productId, page: 0 }, "page");
  });

  await t.step("errors: missing scope, unknown product, unknown tests, bad values", async () => {
    await callError(mcp, "list_bugs", {}, "test_ids", "product_id");
    await callError(mcp, "list_bugs", { product_id: 999_999 }, "Product 999999 not found", "list_products");
    await callError(mcp, "list_bugs", { test_ids: [1, 2] }, "None of the tests 1, 2", "list_tests");
    await callError(mcp, "list_bugs", { test_ids: "a,b" }, "test_ids");
    await callError(mcp, "list_bugs", { product_id: productId, statuses: "closed" }, "statuses", "open");
    await callError(mcp, "list_bugs", { product_id: productId, severities: "" }, "severities");
    await callError(mcp, "list_bugs", { product_id: productId, colour: "red" }, "unknown argument");
  });

  await t.step("partly unknown test ids answer with a warning", async () => {
    const test = sql.n("SELECT id AS n FROM tests WHERE bug_count > 0 ORDER BY id LIMIT 1");
    const out = await callOk<BugList>(mcp, "list_bugs", { test_ids: [test, 1] });
    assert.equal(out.pagination.total_count, data.bugsOf(test).length);
    assert.ok(out.warnings?.some((w) => w.includes("1")), JSON.stringify(out.warnings));
  });

  await t.step("a running test whose bugs are stale is refreshed before answering", async () => {
    const row = sql.all<{ id: number }>(
      `SELECT id FROM tests WHERE status = 'running' AND bug_count > 0 ORDER BY id LIMIT 1`,
    )[0];
    assert.ok(row, "the fixture has a running test with bugs");
    const bug = data.bugsOf(row.id).find((b) => b.status !== "rejected")!;
    data.setBugStatus(bug.id, "rejected");
    {
      using db = openDatabase(fx.dbPath);
      db.prepare(
        "UPDATE tests SET synced_at = '2020-01-01T00:00:00Z', bugs_synced_at = '2020-01-01T00:00:00Z' WHERE id = :id",
      ).run({ id: row.id });
    }
    const out = await callOk<BugList>(mcp, "list_bugs", { test_ids: [row.id], per_page: 200 });
    assert.equal(out.bugs.find((b) => b.id === bug.id)?.status, "rejected");
    assert.ok(out.data_as_of! > "2020-01-01T00:00:00Z", "data_as_of moved with the refresh");
  });
});
