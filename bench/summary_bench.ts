/**
 * The heavier single-entity answers at S, M and L: `get_test_summary` for the test with the most bugs
 * (1,200 at L) and, when the build has it, `generate_quality_report` for the product with the most
 * tests and for every product at once. In-process through the tool handler, like `list_bench.ts`.
 * @module
 */
import { measure } from "./lib/measure.ts";
import { openBenchContext } from "./lib/context.ts";
import { saveSuite, type TimingEntry } from "./lib/results.ts";
import { benchScales, registerDenoBench } from "./lib/suite.ts";

const timings: TimingEntry[] = [];
for (const scale of benchScales()) {
  const bench = await openBenchContext(scale);
  const { largestTest, largestProduct } = bench.dataset.meta;
  const cases = [
    {
      key: "get_test_summary.largest",
      label: `get_test_summary, test ${largestTest.id} with ${largestTest.bugs.toLocaleString("en-US")} bugs`,
      tool: "get_test_summary",
      args: { test_id: largestTest.id } as Record<string, unknown>,
    },
  ];
  if (bench.tool("generate_quality_report")) {
    cases.push({
      key: "generate_quality_report.product",
      label: `generate_quality_report, product ${largestProduct.id} (${largestProduct.tests} tests)`,
      tool: "generate_quality_report",
      args: { product_ids: [largestProduct.id] },
    }, {
      key: "generate_quality_report.all",
      label: `generate_quality_report, all ${bench.dataset.meta.rows.products} products`,
      tool: "generate_quality_report",
      args: { product_ids: bench.app.repos.products.ids() },
    });
  }
  for (const c of cases) {
    const op = bench.toolOp(c.tool, c.args);
    const before = await bench.apiRequests();
    const stats = await measure(op, { warmup: 20, warmupMs: 300, minIterations: 200, minTimeMs: 2_000 });
    timings.push({
      key: c.key,
      scale,
      label: c.label,
      stats,
      apiRequests: (await bench.apiRequests()) - before,
    });
    registerDenoBench(`${scale} ${c.key}`, op, { group: `${scale} summaries` });
  }
}

saveSuite("summary", {
  method:
    "Tool handler in this process on the cached dataset (as in the list benchmark); at least 200 calls " +
    "and 2 s after a warm-up.",
  timings,
});
