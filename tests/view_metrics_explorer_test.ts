/**
 * The metrics explorer view in headless Chromium, hosted by ext-apps' AppBridge, fed with real
 * answers of query_metrics over a cache synced from the fake API: it draws the chart chart_hint
 * proposes (line over months, stacked bar or heatmap for two dimensions) with the rows in a table,
 * and changing dimension or metric calls query_metrics again through the host and redraws.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer, structured } from "./helpers/mcp.ts";
import { chromiumAvailable, launchBrowser } from "./helpers/browser.ts";
import { openView, type PageElement, type PageGlobals, screenshotPath } from "./helpers/view_host.ts";
import { fmtNumber, fmtRate } from "../src/views/shared/format.ts";

type Row = Record<string, string | number | boolean | null>;
interface Answer {
  rows: Row[];
  chart_hint: { type: string; x: string; y: string[]; series: string | null };
}
interface Drawn {
  kind: string;
  labels: string[];
  series: { label: string; values: (number | null)[] }[];
}

const rowsTable = () =>
  [...(globalThis as unknown as PageGlobals).document.querySelectorAll("#rows tbody tr")].map((tr) =>
    [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())
  );
const drawnChart = () =>
  ((globalThis as unknown as PageGlobals).document.querySelector("canvas[data-drawn]") as PageElement | null)
    ?.dataset.drawn ?? null;

const fmt = (metric: string, v: Row[string]) =>
  typeof v === "number"
    ? (metric.endsWith("_rate") ? fmtRate(v) : fmtNumber(v))
    : v === null
    ? "n/a"
    : String(v);

function expectedTable(a: Answer, metrics: string[]): string[][] {
  const dims = [a.chart_hint.x, ...(a.chart_hint.series ? [a.chart_hint.series] : [])];
  return a.rows.map((r) => [
    ...dims.map((d) => (r[d] === null || r[d] === "" ? "(none)" : String(r[d]))),
    ...metrics.map((m) => fmt(m, r[m])),
  ]);
}

Deno.test({
  name: "metrics explorer view in Chromium",
  ignore: !chromiumAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using fx = await syncedFixture({ scale: "S" });
    await using mcp = await inProcessServer(fx);
    await using browser = await launchBrowser();
    await using view = await openView(browser, "metrics-explorer", (n, a) => mcp.call(n, a));

    const show = async (args: Record<string, unknown>) => {
      const result = await mcp.call("query_metrics", args);
      const before = await view.renders();
      await view.sendToolInput(args);
      await view.sendToolResult(result);
      await view.waitForRender(before);
      return structured<Answer>(result);
    };

    await t.step("a month dimension is drawn as a line, with the rows in a table", async () => {
      const answer = await show({ metrics: ["bug_count"], dimensions: ["month"] });
      assert.equal(answer.chart_hint.type, "line");
      const drawn = JSON.parse((await view.frame.evaluate(drawnChart))!) as Drawn;
      assert.equal(drawn.kind, "line");
      assert.deepEqual(drawn.labels, answer.rows.map((r) => String(r.month)));
      assert.deepEqual(drawn.series[0].values, answer.rows.map((r) => r.bug_count));
      assert.deepEqual(await view.frame.evaluate(rowsTable), expectedTable(answer, ["bug_count"]));
    });

    await t.step("two dimensions with a count are drawn as stacked bars, or as a heatmap", async () => {
      const answer = await show({ metrics: ["bug_count"], dimensions: ["severity", "status"] });
      assert.equal(answer.chart_hint.type, "grouped_bar");
      const drawn = JSON.parse((await view.frame.evaluate(drawnChart))!) as Drawn;
      assert.equal(drawn.kind, "stacked_bar");
      const total = (d: Drawn) => d.series.flatMap((s) => s.values).reduce<number>((n, v) => n + (v ?? 0), 0);
      assert.equal(total(drawn), answer.rows.reduce((n, r) => n + (r.bug_count as number), 0));
      assert.deepEqual(await view.frame.evaluate(rowsTable), expectedTable(answer, ["bug_count"]));
      await view.page.screenshot({ path: await screenshotPath("metrics-explorer.png") });

      const before = await view.renders();
      await view.frame.select("#kind-select", "heatmap");
      await view.waitForRender(before);
      const cells = await view.frame.$$eval(
        ".heatmap td.cell",
        (tds) =>
          tds.map((td) => (td as unknown as PageElement).dataset.value).filter((v) => v !== "").map(Number),
      );
      assert.deepEqual(
        cells.sort((a, b) => a - b),
        answer.rows.map((r) => r.bug_count as number).sort((a, b) => a - b),
      );
    });

    await t.step("changing the dimension calls query_metrics through the host and redraws", async () => {
      await show({ metrics: ["bug_count"], dimensions: ["severity"], filters: { status: "rejected" } });
      await view.frame.waitForSelector("#dimension-select option[value='feature']", { timeout: 10_000 });
      const before = await view.renders();
      await view.frame.select("#dimension-select", "feature");
      await view.waitForRender(before);
      const call = (await view.calls()).filter((c) => c.name === "query_metrics").at(-1)!;
      assert.deepEqual(call.arguments.dimensions, ["feature"]);
      assert.deepEqual(call.arguments.filters, { status: "rejected" }, "the query's filters are kept");
      const expected = structured<Answer>(await mcp.call("query_metrics", call.arguments));
      assert.deepEqual(await view.frame.evaluate(rowsTable), expectedTable(expected, ["bug_count"]));
    });

    await t.step("changing the metric calls query_metrics and draws rates as percentages", async () => {
      const before = await view.renders();
      await view.frame.select("#metric-select", "rejection_rate");
      await view.waitForRender(before);
      const call = (await view.calls()).filter((c) => c.name === "query_metrics").at(-1)!;
      assert.deepEqual(call.arguments.metrics, ["rejection_rate"]);
      const expected = structured<Answer>(await mcp.call("query_metrics", call.arguments));
      assert.deepEqual(await view.frame.evaluate(rowsTable), expectedTable(expected, ["rejection_rate"]));
    });

    await t.step("follows the dark theme, loads nothing from the network, raises no page error", async () => {
      await view.setTheme("dark");
      await view.frame.waitForFunction(() =>
        (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme === "dark"
      );
      assert.deepEqual(view.requests, []);
      assert.deepEqual(view.page.errors, []);
    });
  },
});
