/**
 * `list_products` and `list_tests` over a real MCP stdio round trip (SDK client ↔ spawned
 * `main.ts serve --no-sync` on the cached dataset) at S, M and L, each beside a `ping` request, the
 * transport floor: the same JSON-RPC framing and process hop with no work behind it. Tool call and
 * ping alternate, three rounds of about a second after a warm-up.
 *
 * The server runs the real freshness rules on the real clock with the longest TTL the settings allow;
 * if the cache is older than that, the warm-up refreshes it from the fake API, and the measured calls
 * are checked to make no request.
 * @module
 */
import { calibrate, interleavedSamples, summarize } from "./lib/measure.ts";
import { benchEnv } from "./lib/context.ts";
import { spawnFakeApi } from "./lib/fake_api.ts";
import { saveSuite, type TimingEntry } from "./lib/results.ts";
import { spawnServer } from "./lib/stdio.ts";
import { benchScales, registerDenoBench } from "./lib/suite.ts";
import { DATASET_NOW, ensureDataset } from "./dataset.ts";

const timings: TimingEntry[] = [];
for (const scale of benchScales()) {
  const dataset = await ensureDataset(scale);
  // Left running for the Deno.bench cases registered below; both end with this process.
  const api = await spawnFakeApi({ scale, seed: dataset.meta.seed, now: DATASET_NOW });
  const server = await spawnServer(benchEnv(dataset, api));
  const productId = dataset.meta.largestProduct.id;
  const cases = [
    { key: "list_products.default", label: "list_products, default", name: "list_products", args: {} },
    {
      key: "list_products.filtered",
      label: "list_products, 3 types, by bug_count desc",
      name: "list_products",
      args: {
        product_type: ["website", "mobile_app_ios", "gaming"],
        sort_by: "bug_count",
        sort_order: "desc",
      },
    },
    {
      key: "list_tests.default",
      label: "list_tests, largest product, default",
      name: "list_tests",
      args: { product_id: productId },
    },
    {
      key: "list_tests.filtered",
      label: "list_tests, largest product, 3 statuses + dates, by bug_count desc",
      name: "list_tests",
      args: {
        product_id: productId,
        statuses: ["archived", "customer_finalized", "locked"],
        start_date: "2025-01-01",
        end_date: "2026-09-30",
        sort_by: "bug_count",
        sort_order: "desc",
      },
    },
  ];
  const ping = () => server.client.ping();
  for (const c of cases) {
    const op = () => server.call(c.name, c.args);
    // Warm-up first: a cache older than the TTL is refreshed here, not during the measured calls.
    for (let i = 0; i < 50; i++) await op();
    const iterations = await calibrate([op, ping], 1_000, 100, 5_000);
    const before = (await api.stats()).requests;
    const rounds = await interleavedSamples({ tool: op, ping }, { rounds: 3, iterations, warmup: 50 });
    timings.push({
      key: c.key,
      scale,
      label: c.label,
      stats: summarize(rounds.flatMap((r) => r.tool)),
      floor: summarize(rounds.flatMap((r) => r.ping)),
      apiRequests: (await api.stats()).requests - before,
    });
    const group = `${scale} stdio ${c.key}`;
    registerDenoBench(`${group} ping`, ping, { group, baseline: true });
    registerDenoBench(`${group} tool`, op, { group });
  }
}

saveSuite("stdio", {
  method:
    "SDK `Client` over `StdioClientTransport` to a spawned `deno run -A main.ts serve --no-sync` on the " +
    "cached dataset, fake API in another process. Time from `callTool` to the parsed result; floor: `ping`. " +
    "Tool and ping alternate, 3 rounds of ~1 s after 50 warm-up calls.",
  timings,
});
