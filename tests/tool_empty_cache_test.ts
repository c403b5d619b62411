import assert from "node:assert/strict";
import { fakeFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { callError, callOk, type Pagination } from "./helpers/tool_support.ts";

/**
 * Before the first sync every tool must still answer: lists come back empty with a warning that
 * suggests sync_data, lookups fail with a three-part error that does.
 */
Deno.test("tools on an empty cache say so and suggest sync_data", async (t) => {
  await using fx = await fakeFixture();
  await using mcp = await inProcessServer(fx);
  const productId = fx.api.dataset.products[0].id;

  await t.step("lists answer empty, with a warning", async () => {
    for (const name of ["list_products", "list_users"]) {
      const out = await callOk<{ pagination: Pagination; warnings?: string[] }>(mcp, name);
      assert.equal(out.pagination.total_count, 0, name);
      assert.ok(
        out.warnings?.some((w) => w.includes("sync_data")),
        `${name}: ${JSON.stringify(out.warnings)}`,
      );
    }
  });

  await t.step("product-scoped tools fail with the empty-cache cause", async () => {
    for (
      const [name, args] of [
        ["list_tests", { product_id: productId }],
        ["list_features", { product_id: productId }],
        ["list_user_stories", { product_id: productId }],
        ["list_bugs", { product_id: productId }],
        ["get_product_summary", { product_id: productId }],
        ["list_users", { product_id: productId }],
      ] as const
    ) {
      await callError(mcp, name, args, `Product ${productId} not found`, "cache is empty", "sync_data");
    }
  });

  await t.step("entity summaries fail with a next step", async () => {
    await callError(
      mcp,
      "get_feature_summary",
      { feature_id: 1 },
      "not found",
      "cache is empty",
      "sync_data",
    );
    await callError(mcp, "get_bug_summary", { bug_id: 1 }, "not found", "cache is empty", "sync_data");
    await callError(
      mcp,
      "get_user_summary",
      { username: "anyone" },
      "not found",
      "cache is empty",
      "sync_data",
    );
    await callError(mcp, "get_test_summary", { test_id: 1 }, "Test 1 not found", "sync_data");
    await callError(mcp, "list_bugs", { test_ids: [1] }, "Test 1 not found", "sync_data");
  });
});
