/**
 * The whole path of the product: fake TestIO API over loopback → the real `sync` command → SQLite →
 * `main.ts serve` spawned as a child → the SDK `Client` over stdio → list_products, list_tests and
 * get_test_summary, checked against the fake API's own data.
 */
import assert from "node:assert/strict";
import { fakeFixture } from "./helpers/fixture.ts";
import { errorText, ROOT, spawnStdioServer, structured } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";
import type { RawBug } from "../src/testio/fake/types.ts";
import { toUtcIso } from "../src/dates.ts";

interface ProductsOut {
  products: { id: number; name: string; test_count: number; bug_count: number; has_sections: boolean }[];
  pagination: { total_count: number; has_more: boolean; page: number; per_page: number };
  data_as_of: string | null;
}
interface TestsOut {
  product: { id: number; name: string };
  tests: { id: number; status: string; end_at: string | null; bug_count: number }[];
  pagination: { total_count: number; has_more: boolean };
}
interface SummaryOut {
  test: { id: number; title: string; status: string; product: { id: number }; features: unknown[] };
  bugs: {
    total: number;
    known: number;
    by_status: { open: number; active_accepted: number; auto_accepted: number; rejected: number };
    rates: { rejection_rate: number | null };
    health: Record<string, string>;
  };
  data_as_of: string | null;
}

function classes(bugs: RawBug[]) {
  return {
    open: bugs.filter((b) => b.status === "forwarded").length,
    active_accepted: bugs.filter((b) => b.status === "accepted" && b.auto_accepted !== true).length,
    auto_accepted: bugs.filter((b) => b.status === "accepted" && b.auto_accepted === true).length,
    rejected: bugs.filter((b) => b.status === "rejected").length,
  };
}

Deno.test("end to end: fake API → sync command → serve over stdio → tools", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const data = fx.api.dataset;

  await t.step("the real sync command fills the cache", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "sync", "--json"],
      env: await childEnv(fx.env),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(summary.status, "completed");
    assert.equal(summary.products_synced, data.products.length);
    assert.equal(summary.tests_discovered, data.counts.tests);
    assert.equal(summary.bugs_synced, data.counts.bugs);
    assert.ok(!stderr.includes(fx.api.token), "the token never reaches the output");
  });

  await using server = await spawnStdioServer(fx.env);

  await t.step("tools/list shows the three tools with schemas and annotations", async () => {
    const { tools } = await server.client.listTools();
    for (const name of ["list_products", "list_tests", "get_test_summary", "get_test_status"]) {
      const tool = tools.find((x) => x.name === name);
      assert.ok(tool, `${name} is listed`);
      assert.equal(tool.inputSchema.type, "object");
      assert.equal(tool.outputSchema?.type, "object");
      assert.equal(tool.annotations?.readOnlyHint, true);
      assert.equal(typeof tool.annotations?.idempotentHint, "boolean");
      assert.equal(typeof tool.annotations?.destructiveHint, "boolean");
      assert.equal(typeof tool.annotations?.openWorldHint, "boolean");
    }
  });

  await t.step("list_products matches the fake API's products and counts", async () => {
    const result = await server.call("list_products", { per_page: 200 });
    const out = structured<ProductsOut>(result);
    assert.deepEqual(
      JSON.parse((result.content[0] as { text: string }).text),
      out,
      "text holds the same JSON",
    );
    assert.equal(out.pagination.total_count, data.products.length);
    assert.equal(out.pagination.has_more, false);
    const byId = new Map(out.products.map((p) => [p.id, p]));
    for (const p of data.products) {
      const got = byId.get(p.id);
      assert.ok(got, `product ${p.id}`);
      assert.equal(got.name, p.name);
      assert.equal(got.test_count, data.testsOf(p.id).length);
      assert.equal(got.bug_count, data.testsOf(p.id).reduce((n, tt) => n + data.bugCountOf(tt.id), 0));
      assert.equal(got.has_sections, data.hasSections(p.id));
    }
    const names = out.products.map((p) => p.name);
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
    assert.match(out.data_as_of ?? "", /Z$/);
  });

  const product = data.products[0];
  const source = data.testsOf(product.id);

  await t.step("list_tests pages a product's tests newest first with exact totals", async () => {
    const first = structured<TestsOut>(
      await server.call("list_tests", { product_id: String(product.id), per_page: 10 }),
    );
    assert.equal(first.product.id, product.id);
    assert.equal(first.pagination.total_count, source.length);
    assert.equal(first.pagination.has_more, source.length > 10);
    assert.deepEqual(first.tests.map((x) => x.id), source.slice(0, 10).map((x) => x.id));
    for (const row of first.tests) {
      const raw = data.test(row.id)!;
      assert.equal(row.status, raw.status);
      assert.equal(row.end_at, raw.end_at ? toUtcIso(raw.end_at) : null);
      assert.equal(row.bug_count, data.bugCountOf(row.id));
    }
    const lastPage = Math.ceil(source.length / 10);
    const last = structured<TestsOut>(
      await server.call("list_tests", { product_id: product.id, per_page: 10, page: lastPage }),
    );
    assert.equal(last.tests.length, source.length - 10 * (lastPage - 1));
    assert.equal(last.pagination.has_more, false);
    const past = structured<TestsOut>(
      await server.call("list_tests", { product_id: product.id, page: lastPage + 5 }),
    );
    assert.equal(past.tests.length, 0);
    assert.equal(past.pagination.total_count, source.length);

    const archived = source.filter((x) => x.status === "archived");
    const filtered = structured<TestsOut>(
      await server.call("list_tests", { product_id: product.id, statuses: "archived", per_page: 200 }),
    );
    assert.equal(filtered.pagination.total_count, archived.length);
    assert.ok(filtered.tests.every((x) => x.status === "archived"));
  });

  await t.step("get_test_summary classifies bugs like the source (open = forwarded)", async () => {
    const test = source.find((x) => data.bugCountOf(x.id) > 10)!;
    const bugs = data.bugsOf(test.id);
    const out = structured<SummaryOut>(await server.call("get_test_summary", { test_id: test.id }));
    assert.equal(out.test.id, test.id);
    assert.equal(out.test.title, test.title);
    assert.equal(out.test.status, test.status);
    assert.equal(out.test.product.id, product.id);
    assert.equal(out.test.features.length, test.features.length);
    assert.equal(out.bugs.total, bugs.length);
    assert.equal(out.bugs.known, bugs.filter((b) => b.known === true).length);
    const expected = classes(bugs);
    assert.deepEqual(out.bugs.by_status, expected);
    assert.equal(out.bugs.rates.rejection_rate, expected.rejected / bugs.length);
    const alias = structured<SummaryOut>(await server.call("get_test_status", { test_id: String(test.id) }));
    assert.deepEqual(alias.bugs, out.bugs);
  });

  await t.step("bad input gets a three-part error and the server keeps serving", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["list_tests", {}, /product_id/],
      ["list_tests", { product_id: "abc" }, /product_id/],
      ["list_tests", { product_id: product.id, per_page: 500 }, /per_page/],
      ["list_tests", { product_id: product.id, statuses: "finished" }, /statuses.*unknown value/],
      ["list_tests", { product_id: product.id, start_date: "2025" }, /ambiguous/],
      ["list_tests", { product_id: 999999 }, /Product 999999 not found/],
      ["get_test_summary", { test_id: 1 }, /Test 1 not found/],
      ["list_products", { sort_by: "color" }, /sort_by/],
      ["list_products", { unknown_arg: 1 }, /unknown argument/],
    ];
    for (const [name, args, pattern] of cases) {
      const text = errorText(await server.call(name, args));
      assert.match(text, pattern, `${name} ${JSON.stringify(args)}`);
      const lines = text.split("\n");
      assert.equal(lines.length, 3, text);
      assert.ok(lines[0].startsWith("❌ ") && lines[1].startsWith("ℹ️ ") && lines[2].startsWith("💡 "), text);
    }
    const after = structured<ProductsOut>(await server.call("list_products"));
    assert.equal(after.pagination.total_count, data.products.length);
    assert.ok(!server.stderr().includes(fx.api.token), "the token never reaches the log");
  });
});
