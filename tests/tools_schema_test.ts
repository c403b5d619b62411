import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import type { Tool } from "../src/mcp/sdk.ts";
import { ALL_TOOLS } from "../src/mcp/tools/index.ts";
import { toolJsonSchemas } from "../src/mcp/tool.ts";
import { callOk, readCache } from "./helpers/tool_support.ts";

/** Every tool name of the contract (docs/contract.md, docs/tools.md), aliases included. */
const CATALOG = [
  "list_products",
  "list_tests",
  "get_test_summary",
  "get_test_status",
  "list_bugs",
  "get_bug_summary",
  "list_features",
  "list_user_stories",
  "list_users",
  "get_product_summary",
  "get_feature_summary",
  "get_user_summary",
  "generate_quality_report",
  "query_metrics",
  "get_analytics_capabilities",
  "search",
  "sync_data",
  "get_server_diagnostics",
  "get_problematic_tests",
];

/** Tools besides sync_data that may write (generate_quality_report saves `output_file`). */
const WRITERS = ["generate_quality_report"];

const HINTS = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const;

Deno.test("tools/list and output schemas", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);
  const { tools } = await mcp.client.listTools();
  const byName = new Map<string, Tool>(tools.map((x) => [x.name, x]));

  await t.step("the catalog's tools are all listed, nothing else", () => {
    assert.deepEqual([...byName.keys()].sort(), [...CATALOG].sort());
  });

  await t.step("every tool has a title, a guiding description, both schemas and four annotations", () => {
    for (const tool of tools) {
      assert.ok(tool.title, `${tool.name}: title`);
      assert.ok((tool.description ?? "").length >= 100, `${tool.name}: description too short to guide`);
      assert.equal(tool.inputSchema.type, "object", `${tool.name}: input schema`);
      assert.equal(tool.outputSchema?.type, "object", `${tool.name}: output schema`);
      assert.ok(
        Object.keys(tool.outputSchema?.properties ?? {}).length > 0,
        `${tool.name}: output properties`,
      );
      for (const hint of HINTS) {
        assert.equal(typeof tool.annotations?.[hint], "boolean", `${tool.name}: ${hint}`);
      }
      if (tool.name === "sync_data") {
        assert.deepEqual(
          HINTS.map((h) => tool.annotations![h]),
          [false, false, true, true],
          "sync_data writes, never destroys, is idempotent and reaches the API",
        );
      } else if (WRITERS.includes(tool.name)) {
        assert.equal(tool.annotations!.readOnlyHint, false, `${tool.name} may write a file`);
        assert.equal(tool.annotations!.destructiveHint, false, `${tool.name} never destroys`);
      } else {
        assert.equal(tool.annotations!.readOnlyHint, true, `${tool.name} only reads`);
        assert.equal(tool.annotations!.destructiveHint, false);
        assert.equal(tool.annotations!.idempotentHint, true);
      }
    }
  });

  await t.step("list tools advertise pagination and lenient ids", () => {
    for (
      const name of [
        "list_products",
        "list_tests",
        "list_features",
        "list_user_stories",
        "list_bugs",
        "list_users",
      ]
    ) {
      const props = byName.get(name)!.inputSchema.properties as Record<string, Record<string, unknown>>;
      assert.ok(props.page && props.per_page, `${name}: page/per_page`);
      const out = byName.get(name)!.outputSchema!.properties as Record<string, unknown>;
      assert.ok(out.pagination && out.data_as_of, `${name}: pagination and data_as_of`);
    }
    const testIds = (byName.get("list_bugs")!.inputSchema.properties as Record<string, { anyOf?: unknown[] }>)
      .test_ids;
    assert.ok((testIds.anyOf?.length ?? 0) >= 2, "test_ids accepts an array or a string");
    const productId =
      (byName.get("list_tests")!.inputSchema.properties as Record<string, { anyOf?: unknown[] }>)
        .product_id;
    assert.ok((productId.anyOf?.length ?? 0) >= 2, "product_id accepts a number or a numeric string");
  });

  await t.step("the advertised schemas are the zod schemas", () => {
    for (const def of ALL_TOOLS) {
      const listed = byName.get(def.name)!;
      const { inputSchema, outputSchema } = toolJsonSchemas(def);
      assert.deepEqual(listed.inputSchema, inputSchema, def.name);
      assert.deepEqual(listed.outputSchema, outputSchema, def.name);
    }
  });

  await t.step("every tool's answer validates against its output schema", async () => {
    const productId = sql.n("SELECT id AS n FROM products ORDER BY bug_count DESC LIMIT 1");
    const testId = sql.n("SELECT id AS n FROM tests WHERE product_id = :p ORDER BY bug_count DESC LIMIT 1", {
      p: productId,
    });
    const bugId = sql.n("SELECT id AS n FROM bugs WHERE test_id = :t ORDER BY id LIMIT 1", { t: testId });
    const featureId = sql.n("SELECT id AS n FROM features WHERE product_id = :p ORDER BY id LIMIT 1", {
      p: productId,
    });
    const username = sql.col<string>("SELECT username FROM users ORDER BY id LIMIT 1")[0];
    const word = sql.col<string>("SELECT title FROM features ORDER BY id LIMIT 1")[0].split(" ")[0];
    const calls: [string, Record<string, unknown>][] = [
      ["list_products", {}],
      ["list_tests", { product_id: productId }],
      ["list_features", { product_id: productId }],
      ["list_user_stories", { product_id: productId }],
      ["list_bugs", { product_id: productId }],
      ["list_users", { product_id: productId }],
      ["get_product_summary", { product_id: productId }],
      ["get_test_summary", { test_id: testId }],
      ["get_test_status", { test_id: testId }],
      ["get_feature_summary", { feature_id: featureId }],
      ["get_bug_summary", { bug_id: bugId }],
      ["get_user_summary", { username }],
      ["generate_quality_report", { product_ids: [productId], include_tests: true }],
      ["query_metrics", { metrics: ["bug_count", "rejection_rate"], dimensions: ["feature"] }],
      ["get_analytics_capabilities", {}],
      ["search", { query: word }],
      ["get_server_diagnostics", { include_sync_events: true }],
      ["get_problematic_tests", {}],
      ["sync_data", { product_ids: [productId] }],
    ];
    assert.deepEqual(calls.map(([n]) => n).sort(), [...CATALOG].sort(), "every tool is exercised");
    for (const [name, args] of calls) {
      // The SDK client checks structuredContent against the listed JSON Schema; callOk also
      // parses it with the tool's zod schema and compares it with the text content.
      await callOk(mcp, name, args);
    }
  });
});

Deno.test("TESTIO_ENABLED_TOOLS and TESTIO_DISABLED_TOOLS restrict tools/list", async (t) => {
  await using fx = await syncedFixture();

  await t.step("enabled: only the named tools (an alias brings its tool)", async () => {
    await using mcp = await inProcessServer(fx, { TESTIO_ENABLED_TOOLS: "list_bugs,get_test_status" });
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), ["get_test_status", "get_test_summary", "list_bugs"]);
  });

  await t.step("disabled: everything else, and a disabled tool cannot be called", async () => {
    await using mcp = await inProcessServer(fx, { TESTIO_DISABLED_TOOLS: "sync_data" });
    const { tools } = await mcp.client.listTools();
    assert.equal(tools.length, CATALOG.length - 1);
    assert.ok(!tools.some((x) => x.name === "sync_data"));
    await assert.rejects(() => mcp.call("sync_data", {}), /Unknown tool/);
  });
});
