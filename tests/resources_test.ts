import assert from "node:assert/strict";
import { fakeFixture, syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { callOk, readCache } from "./helpers/tool_support.ts";

/** The text of the first content of a resource read. */
function textOf(result: { contents: ({ text?: string } | Record<string, unknown>)[] }): string {
  const text = (result.contents[0] as { text?: unknown }).text;
  assert.equal(typeof text, "string");
  return text as string;
}

Deno.test("resources", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx, { TESTIO_THRESHOLD_REJECTION_WARNING: "0.25" });
  using sql = readCache(fx.dbPath);
  const { client } = mcp;

  await t.step("the playbook explains the rates with the thresholds in force", async () => {
    const read = await client.readResource({ uri: "testio://playbook" });
    assert.equal(read.contents[0].mimeType, "text/markdown");
    const text = textOf(read);
    for (
      const word of [
        "rejection_rate",
        "auto_acceptance_rate",
        "review_rate",
        "forwarded",
        "null",
        "list_bugs",
      ]
    ) {
      assert.ok(text.includes(word), `playbook mentions ${word}`);
    }
    assert.match(text, /\| rejection_rate \| above is bad \| ≥ 25 % \| ≥ 35 % \|/);
    assert.match(text, /\| review_rate \| below is bad \| ≤ 80 % \| ≤ 60 % \|/);
  });

  await t.step("templates are listed with list and complete support", async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate).sort(), [
      "testio://bugs/{bug_id}",
      "testio://products/{product_id}",
      "testio://tests/{test_id}",
    ]);
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes("testio://playbook"));
    const products = uris.filter((u) => u.startsWith("testio://products/"));
    assert.equal(products.length, sql.n("SELECT count(*) AS n FROM products"));
    const tests = resources.filter((r) => r.uri.startsWith("testio://tests/"));
    assert.equal(tests.length, 50, "bounded to the 50 newest tests");
    const newest = sql.n("SELECT id AS n FROM tests ORDER BY end_at DESC, id DESC LIMIT 1");
    assert.equal(tests[0].uri, `testio://tests/${newest}`);
    assert.equal(uris.filter((u) => u.startsWith("testio://bugs/")).length, 50);
    assert.ok(resources.every((r) => r.name));
  });

  await t.step("a product resource is the JSON of get_product_summary", async () => {
    const id = sql.n("SELECT id AS n FROM products ORDER BY id LIMIT 1");
    const read = await client.readResource({ uri: `testio://products/${id}` });
    assert.equal(read.contents[0].mimeType, "application/json");
    assert.deepEqual(JSON.parse(textOf(read)), await callOk(mcp, "get_product_summary", { product_id: id }));
  });

  await t.step("test and bug resources are the JSON of their summaries", async () => {
    const testId = sql.n(
      "SELECT id AS n FROM tests WHERE status = 'archived' ORDER BY bug_count DESC LIMIT 1",
    );
    const bugId = sql.n("SELECT id AS n FROM bugs WHERE test_id = :t LIMIT 1", { t: testId });
    const test = await client.readResource({ uri: `testio://tests/${testId}` });
    assert.deepEqual(JSON.parse(textOf(test)), await callOk(mcp, "get_test_summary", { test_id: testId }));
    const bug = await client.readResource({ uri: `testio://bugs/${bugId}` });
    assert.deepEqual(JSON.parse(textOf(bug)), await callOk(mcp, "get_bug_summary", { bug_id: bugId }));
  });

  await t.step("unknown entities are a resource-not-found error with the next step", async () => {
    await assert.rejects(
      () => client.readResource({ uri: "testio://products/424242" }),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, -32002);
        assert.match(err.message, /Product 424242 not found/);
        assert.match(err.message, /list_products/);
        return true;
      },
    );
    await assert.rejects(() => client.readResource({ uri: "testio://bugs/abc" }), /bug_id/);
    await assert.rejects(() => client.readResource({ uri: "testio://nothing/1" }), /not found/);
  });

  await t.step("complete suggests existing ids by prefix, bounded", async () => {
    const testIds = sql.col<number>("SELECT id FROM tests");
    const prefix = String(testIds[0]).slice(0, 4);
    const done = await client.complete({
      ref: { type: "ref/resource", uri: "testio://tests/{test_id}" },
      argument: { name: "test_id", value: prefix },
    });
    const values = done.completion.values;
    assert.ok(values.length > 0 && values.length <= 20);
    assert.ok(values.every((v) => v.startsWith(prefix) && testIds.includes(Number(v))));
    assert.equal(
      done.completion.values.length,
      Math.min(20, testIds.filter((id) => String(id).startsWith(prefix)).length),
    );
    const bugs = await client.complete({
      ref: { type: "ref/resource", uri: "testio://bugs/{bug_id}" },
      argument: { name: "bug_id", value: "x" },
    });
    assert.deepEqual(bugs.completion.values, [], "non-digits match nothing");
    const products = await client.complete({
      ref: { type: "ref/resource", uri: "testio://products/{product_id}" },
      argument: { name: "product_id", value: "" },
    });
    assert.equal(products.completion.values.length, sql.n("SELECT count(*) AS n FROM products"));
  });
});

Deno.test("prompt analyze-product-quality", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  const { client } = mcp;
  const product = fx.api.dataset.products[0];

  await t.step("is listed with its arguments", async () => {
    const { prompts } = await client.listPrompts();
    const prompt = prompts.find((p) => p.name === "analyze-product-quality");
    assert.ok(prompt?.description);
    const args = Object.fromEntries((prompt!.arguments ?? []).map((a) => [a.name, a.required ?? false]));
    assert.deepEqual(args, { product: true, period: false, focus: false });
  });

  await t.step(
    "by id: names the product, defaults the period, walks the tools, asks for bug ids",
    async () => {
      const result = await client.getPrompt({
        name: "analyze-product-quality",
        arguments: { product: String(product.id) },
      });
      const message = result.messages[0];
      assert.equal(message.role, "user");
      const text = message.content.type === "text" ? message.content.text : "";
      assert.ok(text.includes(`product ${product.id} (${product.name})`));
      assert.ok(text.includes("last 30 days"));
      for (const tool of ["get_product_summary", "generate_quality_report", "query_metrics", "list_bugs"]) {
        assert.ok(text.includes(tool), `mentions ${tool}`);
      }
      assert.match(text, /cite the bug ids/i);
    },
  );

  await t.step("by name, with period and focus", async () => {
    const result = await client.getPrompt({
      name: "analyze-product-quality",
      arguments: { product: product.name.toUpperCase(), period: "this quarter", focus: "rejected bugs" },
    });
    const text = result.messages[0].content.type === "text" ? result.messages[0].content.text : "";
    assert.ok(text.includes(`product_id ${product.id}`));
    assert.ok(text.includes("this quarter"));
    assert.ok(text.includes("rejected bugs"));
  });

  await t.step("an unknown product leaves the lookup to list_products", async () => {
    const result = await client.getPrompt({
      name: "analyze-product-quality",
      arguments: { product: "No Such Thing" },
    });
    const text = result.messages[0].content.type === "text" ? result.messages[0].content.text : "";
    assert.ok(text.includes('list_products with search "No Such Thing"'));
  });

  await t.step("the product argument completes names and ids", async () => {
    const byName = await client.complete({
      ref: { type: "ref/prompt", name: "analyze-product-quality" },
      argument: { name: "product", value: product.name.slice(0, 3) },
    });
    assert.ok(byName.completion.values.includes(product.name));
    const byId = await client.complete({
      ref: { type: "ref/prompt", name: "analyze-product-quality" },
      argument: { name: "product", value: String(product.id) },
    });
    assert.deepEqual(byId.completion.values, [String(product.id)]);
  });
});

Deno.test("resources on an empty cache list only the playbook and the views", async () => {
  await using fx = await fakeFixture();
  await using mcp = await inProcessServer(fx);
  const { resources } = await mcp.client.listResources();
  assert.deepEqual(resources.map((r) => r.uri), [
    "testio://playbook",
    "ui://testio-mcp/quality-dashboard",
    "ui://testio-mcp/metrics-explorer",
  ]);
  await assert.rejects(() => mcp.client.readResource({ uri: "testio://tests/1" }), /not found/);
});
