import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { allRows, assertSorted, callError, callOk, type Pagination } from "./helpers/tool_support.ts";

interface Product {
  id: number;
  name: string;
  type: string | null;
  has_sections: boolean;
  test_count: number;
  feature_count: number;
  bug_count: number;
  last_test_end_at: string | null;
}
interface ProductList {
  products: Product[];
  pagination: Pagination;
  data_as_of: string | null;
}
interface Test {
  id: number;
  title: string;
  status: string;
  testing_type: string | null;
  end_at: string | null;
  bug_count: number;
  test_environment: { id: number; title: string } | null;
}
interface TestList {
  product: { id: number; name: string };
  tests: Test[];
  pagination: Pagination;
  data_as_of: string | null;
}

Deno.test("list_products and list_tests", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  const data = fx.api.dataset;

  await t.step("list_products: every product with its sizes, by title", async () => {
    const out = await callOk<ProductList>(mcp, "list_products");
    assert.equal(out.pagination.total_count, data.products.length);
    assertSorted(out.products.map((p) => p.name.toLowerCase()), "asc", "name");
    for (const p of out.products) {
      const raw = data.product(p.id)!;
      assert.equal(p.name, raw.name);
      assert.equal(p.has_sections, data.hasSections(p.id));
      assert.equal(p.test_count, data.testsOf(p.id).length);
      assert.equal(p.feature_count, data.featuresOf(p.id).length);
      assert.equal(p.bug_count, data.testsOf(p.id).reduce((n, x) => n + data.bugsOf(x.id).length, 0));
    }
    assert.ok(out.data_as_of?.endsWith("Z"));
  });

  await t.step("list_products: search, type, sections, sorts and pages", async () => {
    const target = data.products[1];
    const word = target.name.split(" ")[0];
    const found = await callOk<ProductList>(mcp, "list_products", { search: word.toUpperCase() });
    assert.equal(
      found.pagination.total_count,
      data.products.filter((p) =>
        `${p.name}\n${p.description ?? ""}`.toLowerCase().includes(word.toLowerCase())
      ).length,
    );
    const typed = await callOk<ProductList>(mcp, "list_products", { product_type: [target.type] });
    assert.ok(typed.products.length >= 1 && typed.products.every((p) => p.type === target.type));
    const sectioned = await callOk<ProductList>(mcp, "list_products", { has_sections: "true" });
    assert.equal(
      sectioned.pagination.total_count,
      data.products.filter((p) => data.hasSections(p.id)).length,
    );
    const byBugs = await callOk<ProductList>(mcp, "list_products", {
      sort_by: "bug_count",
      sort_order: "desc",
    });
    assertSorted(byBugs.products.map((p) => p.bug_count), "desc", "bug_count");
    const second = await callOk<ProductList>(mcp, "list_products", { per_page: 1, page: 2 });
    const all = await callOk<ProductList>(mcp, "list_products");
    assert.deepEqual(second.products, [all.products[1]]);
    const past = await callOk<ProductList>(mcp, "list_products", { page: 2 });
    assert.deepEqual(past.products, []);
    assert.equal(past.pagination.has_more, false);
  });

  await t.step("list_products: errors", async () => {
    await callError(mcp, "list_products", { product_type: "desktop_app" }, "product_type", "website");
    await callError(mcp, "list_products", { per_page: 500 }, "per_page");
    await callError(mcp, "list_products", { sort_by: "size" }, "sort_by");
  });

  const product = data.products.reduce((a, b) =>
    data.testsOf(a.id).length >= data.testsOf(b.id).length ? a : b
  );
  const tests = data.testsOf(product.id);

  await t.step("list_tests: a product's tests, newest end first, with bug counts", async () => {
    const rows = await allRows<Test>(mcp, "list_tests", "tests", { product_id: String(product.id) });
    assert.equal(rows.length, tests.length);
    assertSorted(rows.map((x) => x.end_at), "desc", "end_at");
    for (const x of rows) {
      const raw = tests.find((r) => r.id === x.id)!;
      assert.equal(x.title, raw.title);
      assert.equal(x.status, raw.status);
      assert.equal(x.bug_count, data.bugsOf(x.id).length);
    }
  });

  await t.step("list_tests: statuses, testing_type, end dates, sorts", async () => {
    const executed = ["running", "locked", "archived", "customer_finalized"];
    const out = await callOk<TestList>(mcp, "list_tests", {
      product_id: product.id,
      statuses: executed.join(","),
    });
    assert.equal(out.pagination.total_count, tests.filter((x) => executed.includes(x.status)).length);
    const type = tests[0].testing_type;
    const typed = await callOk<TestList>(mcp, "list_tests", { product_id: product.id, testing_type: type });
    assert.equal(typed.pagination.total_count, tests.filter((x) => x.testing_type === type).length);
    const ends = tests.map((x) => x.end_at).filter((e): e is string => !!e).map((e) =>
      new Date(e).toISOString()
    )
      .sort();
    const from = ends[Math.floor(ends.length / 4)].slice(0, 10);
    const to = ends[Math.floor((ends.length * 3) / 4)].slice(0, 10);
    const ranged = await allRows<Test>(mcp, "list_tests", "tests", {
      product_id: product.id,
      start_date: from,
      end_date: to,
    });
    assert.equal(ranged.length, ends.filter((e) => e.slice(0, 10) >= from && e.slice(0, 10) <= to).length);
    const byBugs = await callOk<TestList>(mcp, "list_tests", {
      product_id: product.id,
      sort_by: "bug_count",
    });
    assertSorted(byBugs.tests.map((x) => x.bug_count), "desc", "bug_count");
    const byTitle = await callOk<TestList>(mcp, "list_tests", {
      product_id: product.id,
      sort_by: "title",
      sort_order: "asc",
    });
    assertSorted(byTitle.tests.map((x) => x.title.toLowerCase()), "asc", "title");
  });

  await t.step("list_tests: pagination edges", async () => {
    const last = Math.ceil(tests.length / 10);
    const page = await callOk<TestList>(mcp, "list_tests", {
      product_id: product.id,
      per_page: 10,
      page: last,
    });
    assert.equal(page.tests.length, tests.length - (last - 1) * 10);
    assert.equal(page.pagination.has_more, false);
    const past = await callOk<TestList>(mcp, "list_tests", {
      product_id: product.id,
      per_page: 10,
      page: last + 1,
    });
    assert.deepEqual(past.tests, []);
    assert.equal(past.pagination.total_count, tests.length);
  });

  await t.step("list_tests: errors", async () => {
    await callError(mcp, "list_tests", {}, "product_id", "required");
    await callError(mcp, "list_tests", { product_id: 999 }, "Product 999 not found", "list_products");
    await callError(mcp, "list_tests", { product_id: product.id, statuses: "finished" }, "statuses");
    await callError(mcp, "list_tests", { product_id: product.id, testing_type: "deep" }, "testing_type");
    await callError(mcp, "list_tests", { product_id: product.id, end_date: "2025" }, "end_date", "ambiguous");
  });
});
