import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { parseDateBound } from "../src/dates.ts";
import {
  allRows,
  assertSorted,
  callError,
  callOk,
  type Pagination,
  readCache,
} from "./helpers/tool_support.ts";

interface User {
  id: number;
  username: string;
  user_type: "tester" | "customer";
  bugs_reported: number;
  tests_created: number;
  tests_submitted: number;
  first_seen: string | null;
  last_activity: string | null;
}
interface UserList {
  users: User[];
  pagination: Pagination;
  data_as_of: string | null;
}
interface UserSummary {
  user: User & {
    bugs_by_status: { open: number; active_accepted: number; auto_accepted: number; rejected: number };
    bugs_by_severity: Record<string, number>;
    rates: Record<string, number | null>;
    products: {
      id: number;
      name: string;
      bugs_reported: number;
      tests_created: number;
      tests_submitted: number;
    }[];
  };
  data_as_of: string | null;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test("users", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);
  const data = fx.api.dataset;
  const tests = data.products.flatMap((p) => data.testsOf(p.id));
  const bugs = tests.flatMap((x) => data.bugsOf(x.id));
  const authors = new Set(bugs.map((b) => b.author.name));
  const customers = new Set(
    tests.flatMap((x) => [x.created_by, x.submitted_by]).filter((u): u is string => !!u),
  );
  const bugsBy = (name: string, productId?: number) =>
    bugs.filter((b) => b.author.name === name && (productId === undefined || b.product.id === productId))
      .length;

  await t.step("list_users: every bug author and test creator/submitter, by username", async () => {
    const rows = await allRows<User>(mcp, "list_users", "users", {});
    assert.equal(rows.length, new Set([...authors, ...customers]).size);
    assertSorted(rows.map((u) => u.username.toLowerCase()), "asc", "username");
    for (const u of rows.slice(0, 10)) {
      assert.equal(u.bugs_reported, bugsBy(u.username));
      assert.equal(u.tests_created, tests.filter((x) => x.created_by === u.username).length);
      assert.equal(u.tests_submitted, tests.filter((x) => x.submitted_by === u.username).length);
    }
  });

  await t.step("list_users: user_type, product scope and activity", async () => {
    const testers = await callOk<UserList>(mcp, "list_users", { user_type: "tester" });
    assert.equal(
      testers.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM users WHERE user_type = 'tester'"),
    );
    assert.ok(testers.users.every((u) => u.user_type === "tester"));
    const customerList = await callOk<UserList>(mcp, "list_users", { user_type: "customer", per_page: 200 });
    assert.ok(customerList.users.every((u) => u.user_type === "customer" && customers.has(u.username)));

    const product = data.products[0];
    const inProduct = await allRows<User>(mcp, "list_users", "users", { product_id: product.id });
    const productTests = data.testsOf(product.id);
    const expected = new Set([
      ...bugs.filter((b) => b.product.id === product.id).map((b) => b.author.name),
      ...productTests.flatMap((x) => [x.created_by, x.submitted_by]).filter((u): u is string => !!u),
    ]);
    assert.deepEqual(new Set(inProduct.map((u) => u.username)), expected);
    for (const u of inProduct) {
      assert.equal(u.bugs_reported, bugsBy(u.username, product.id), u.username);
      assert.equal(u.tests_created, productTests.filter((x) => x.created_by === u.username).length);
    }

    const cutoff = sql.col<string>(
      "SELECT last_seen FROM users WHERE last_seen IS NOT NULL ORDER BY last_seen",
    )[10]
      .slice(0, 10);
    const active = await callOk<UserList>(mcp, "list_users", { active_since: cutoff, per_page: 200 });
    assert.equal(
      active.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM users WHERE last_seen >= :c", { c: parseDateBound(cutoff, "start") }),
    );
    assert.ok(active.users.every((u) => u.last_activity! >= cutoff));
  });

  await t.step("list_users: sort orders", async () => {
    const byBugs = await callOk<UserList>(mcp, "list_users", { sort_by: "bug_count", sort_order: "desc" });
    assertSorted(byBugs.users.map((u) => u.bugs_reported), "desc", "bugs_reported");
    assert.equal(byBugs.users[0].bugs_reported, Math.max(...[...authors].map((a) => bugsBy(a))));
    const byTests = await callOk<UserList>(mcp, "list_users", { sort_by: "test_count", sort_order: "desc" });
    assertSorted(byTests.users.map((u) => u.tests_created + u.tests_submitted), "desc", "tests");
    const byActivity = await callOk<UserList>(mcp, "list_users", {
      sort_by: "last_activity",
      sort_order: "desc",
    });
    assertSorted(byActivity.users.map((u) => u.last_activity), "desc", "last_activity");
  });

  await t.step("list_users: pagination edges", async () => {
    const total = new Set([...authors, ...customers]).size;
    const last = Math.ceil(total / 7);
    const page = await callOk<UserList>(mcp, "list_users", { per_page: 7, page: last });
    assert.equal(page.users.length, total - (last - 1) * 7);
    assert.equal(page.pagination.has_more, false);
    const past = await callOk<UserList>(mcp, "list_users", { per_page: 7, page: last + 1 });
    assert.deepEqual(past.users, []);
    assert.equal(past.pagination.total_count, total);
  });

  await t.step("list_users: errors", async () => {
    await callError(mcp, "list_users", { user_type: "admin" }, "user_type", "tester");
    await callError(mcp, "list_users", { product_id: 77 }, "Product 77 not found");
    await callError(mcp, "list_users", { active_since: "whenever" }, "active_since");
    await callError(mcp, "list_users", { sort_by: "age" }, "sort_by");
  });

  await t.step("get_user_summary: a tester by username (any case) or id", async () => {
    const name = [...authors].sort((a, b) => bugsBy(b) - bugsBy(a))[0];
    const byName = await callOk<UserSummary>(mcp, "get_user_summary", { username: name.toUpperCase() });
    const byId = await callOk<UserSummary>(mcp, "get_user_summary", { user_id: String(byName.user.id) });
    assert.deepEqual(byId, byName);
    const u = byName.user;
    assert.equal(u.username, name);
    assert.equal(u.user_type, "tester");
    assert.equal(u.bugs_reported, bugsBy(name));
    assert.equal(sum(Object.values(u.bugs_by_status)), u.bugs_reported);
    assert.equal(sum(Object.values(u.bugs_by_severity)), u.bugs_reported);
    assert.equal(
      u.bugs_by_status.rejected,
      bugs.filter((b) => b.author.name === name && b.status === "rejected").length,
    );
    assert.equal(u.rates.rejection_rate, u.bugs_by_status.rejected / u.bugs_reported);
    assert.equal(sum(u.products.map((p) => p.bugs_reported)), u.bugs_reported);
    for (const p of u.products) assert.equal(p.bugs_reported, bugsBy(name, p.id));
  });

  await t.step("get_user_summary: a customer's tests", async () => {
    const name = [...customers][0];
    const out = await callOk<UserSummary>(mcp, "get_user_summary", { username: name });
    assert.equal(out.user.user_type, "customer");
    assert.equal(out.user.tests_created, tests.filter((x) => x.created_by === name).length);
    assert.equal(out.user.tests_submitted, tests.filter((x) => x.submitted_by === name).length);
    assert.equal(out.user.bugs_reported, 0);
    assert.equal(out.user.rates.rejection_rate, null, "no bugs: rates are null, not 0");
  });

  await t.step("get_user_summary: errors", async () => {
    await callError(mcp, "get_user_summary", {}, "user_id", "username");
    await callError(mcp, "get_user_summary", { username: "nobody_at_all" }, "not found", "list_users");
    await callError(mcp, "get_user_summary", { user_id: 999_999 }, "User 999999 not found");
    const [a, b] = sql.all<{ id: number; username: string }>(
      "SELECT id, username FROM users ORDER BY id LIMIT 2",
    );
    await callError(mcp, "get_user_summary", { user_id: a.id, username: b.username }, "not found");
  });
});
