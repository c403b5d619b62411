import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, connectStdio } from "./helpers/stdio_process.ts";
import { callError, callOk, type Pagination, readCache } from "./helpers/tool_support.ts";

/**
 * The real `main.ts serve` over stdio, against a cache synced from the fake API: every tool of the
 * discover and summarise groups answers through the SDK client (which validates each answer
 * against the listed output schema), with values checked against the cache itself.
 */
Deno.test("spawned `main.ts serve` over stdio", async (t) => {
  await using fx = await syncedFixture();
  using sql = readCache(fx.dbPath);
  await using server = await connectStdio(
    Deno.execPath(),
    ["run", "-A", `${ROOT}main.ts`, "serve", "--no-sync"],
    await childEnv(fx.env),
    ROOT,
  );
  const productId = sql.n("SELECT id AS n FROM products ORDER BY bug_count DESC LIMIT 1");
  const testId = sql.n("SELECT id AS n FROM tests WHERE product_id = :p ORDER BY bug_count DESC LIMIT 1", {
    p: productId,
  });

  await t.step("tools/list: schemas and annotations for every tool", async () => {
    const { tools } = await server.client.listTools();
    assert.ok(tools.length >= 19);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", tool.name);
      assert.equal(tool.outputSchema?.type, "object", tool.name);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        assert.equal(typeof tool.annotations?.[hint], "boolean", `${tool.name} ${hint}`);
      }
    }
  });

  await t.step("discover: lists with exact totals", async () => {
    const products = await callOk<{ pagination: Pagination }>(server, "list_products");
    assert.equal(products.pagination.total_count, sql.n("SELECT count(*) AS n FROM products"));
    const tests = await callOk<{ pagination: Pagination }>(server, "list_tests", { product_id: productId });
    assert.equal(
      tests.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM tests WHERE product_id = :p", { p: productId }),
    );
    const features = await callOk<{ pagination: Pagination }>(server, "list_features", {
      product_id: productId,
    });
    assert.equal(
      features.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM features WHERE product_id = :p", { p: productId }),
    );
    const stories = await callOk<{ pagination: Pagination }>(server, "list_user_stories", {
      product_id: productId,
    });
    assert.equal(
      stories.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM user_stories WHERE product_id = :p", { p: productId }),
    );
    const rejected = await callOk<{ pagination: Pagination }>(server, "list_bugs", {
      test_ids: String(testId),
      statuses: "rejected",
    });
    assert.equal(
      rejected.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM bugs WHERE test_id = :t AND status = 'rejected'", { t: testId }),
    );
    const users = await callOk<{ pagination: Pagination }>(server, "list_users", { user_type: "tester" });
    assert.equal(
      users.pagination.total_count,
      sql.n("SELECT count(*) AS n FROM users WHERE user_type = 'tester'"),
    );
  });

  await t.step("summarise: one entity each", async () => {
    const product = await callOk<{ product: { bug_count: number } }>(server, "get_product_summary", {
      product_id: productId,
    });
    assert.equal(
      product.product.bug_count,
      sql.n("SELECT count(*) AS n FROM bugs WHERE product_id = :p", { p: productId }),
    );
    const test = await callOk<{ bugs: { total: number } }>(server, "get_test_summary", { test_id: testId });
    assert.equal(test.bugs.total, sql.n("SELECT count(*) AS n FROM bugs WHERE test_id = :t", { t: testId }));
    const bugId = sql.n("SELECT id AS n FROM bugs WHERE test_id = :t ORDER BY id LIMIT 1", { t: testId });
    const bug = await callOk<{ bug: { id: number; test: { id: number } } }>(server, "get_bug_summary", {
      bug_id: bugId,
    });
    assert.deepEqual([bug.bug.id, bug.bug.test.id], [bugId, testId]);
    const featureId = sql.n("SELECT id AS n FROM features WHERE product_id = :p ORDER BY id LIMIT 1", {
      p: productId,
    });
    const feature = await callOk<{ feature: { bug_count: number } }>(server, "get_feature_summary", {
      feature_id: featureId,
    });
    assert.equal(
      feature.feature.bug_count,
      sql.n("SELECT count(*) AS n FROM bugs WHERE feature_id = :f", { f: featureId }),
    );
    const author = sql.col<string>("SELECT author FROM bugs WHERE test_id = :t LIMIT 1", { t: testId })[0];
    const user = await callOk<{ user: { bugs_reported: number } }>(server, "get_user_summary", {
      username: author,
    });
    assert.equal(
      user.user.bugs_reported,
      sql.n("SELECT count(*) AS n FROM bugs WHERE author = :a", { a: author }),
    );
    const diag = await callOk<{ server: { transport: string }; database: { bugs: number } }>(
      server,
      "get_server_diagnostics",
    );
    assert.equal(diag.server.transport, "stdio");
    assert.equal(diag.database.bugs, sql.n("SELECT count(*) AS n FROM bugs"));
  });

  await t.step("errors come back as three-part results", async () => {
    await callError(server, "get_test_summary", { test_id: 9 }, "Test 9 not found");
    await callError(server, "list_bugs", { product_id: productId, per_page: 1000 }, "per_page");
    await callError(server, "get_user_summary", {}, "username");
  });

  await t.step("resources and prompts answer over stdio", async () => {
    const playbook = await server.client.readResource({ uri: "testio://playbook" });
    assert.ok(String((playbook.contents[0] as { text?: string }).text).includes("rejection_rate"));
    const prompt = await server.client.getPrompt({
      name: "analyze-product-quality",
      arguments: { product: String(productId) },
    });
    assert.equal(prompt.messages.length, 1);
  });

  await t.step("the API token never reaches stderr", () => {
    assert.ok(!server.stderr().includes(fx.api.token));
  });
});
