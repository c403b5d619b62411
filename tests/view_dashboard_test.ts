/**
 * The quality dashboard view in headless Chromium, hosted by ext-apps' AppBridge, fed with real
 * answers of generate_quality_report over a cache synced from the fake API: what it draws matches
 * the tool's JSON, switching product and period calls the tool through the host and redraws, a test
 * drills down through get_test_summary, the dark theme applies, and nothing is fetched from the
 * network.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer, structured } from "./helpers/mcp.ts";
import { chromiumAvailable, launchBrowser } from "./helpers/browser.ts";
import { openView, type PageElement, type PageGlobals, screenshotPath } from "./helpers/view_host.ts";
import { fmtMonth, fmtNumber, fmtRate } from "../src/views/shared/format.ts";
import type { QualityReport } from "../src/views/quality_dashboard/model.ts";

interface Drawn {
  kind: string;
  labels: string[];
  series: { label: string; values: (number | null)[] }[];
}

/** The cells of the table inside `selector`, row by row. */
const tableCells = (selector: string) => {
  const doc = (globalThis as unknown as PageGlobals).document;
  return [...doc.querySelectorAll(`${selector} tbody tr`)].map((tr) =>
    [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())
  );
};

async function expectDrawn(view: { frame: import("./helpers/test_deps.ts").Frame }, report: QualityReport) {
  const s = report.summary;
  const cards = await view.frame.evaluate(() => {
    const doc = (globalThis as unknown as PageGlobals).document;
    return Object.fromEntries(
      [...doc.querySelectorAll("[data-card]")].map((c) => [
        (c as unknown as PageElement).dataset.card!,
        {
          value: c.querySelector(".value")?.textContent?.trim(),
          health: (c.querySelector("[data-health]") as PageElement | null)?.dataset.health ?? null,
        },
      ]),
    );
  });
  for (const key of ["rejection_rate", "auto_acceptance_rate", "review_rate"] as const) {
    assert.equal(cards[key].value, fmtRate(s.rates[key]), key);
    assert.equal(cards[key].health, s.health[key], `${key} health`);
  }
  assert.equal(cards.total_tests.value, fmtNumber(s.total_tests));
  assert.equal(cards.total_bugs.value, fmtNumber(s.total_bugs));

  const months = report.by_month!;
  const outcomeRows = await view.frame.evaluate(tableCells, "#outcomes-month");
  assert.deepEqual(
    outcomeRows,
    months.map((m) => [
      fmtMonth(m.month),
      ...[
        m.bugs_by_status.open,
        m.bugs_by_status.active_accepted,
        m.bugs_by_status.auto_accepted,
        m.bugs_by_status.rejected,
      ].map(fmtNumber),
    ]),
  );
  const drawn = await view.frame.evaluate(() => {
    const doc = (globalThis as unknown as PageGlobals).document;
    return [...doc.querySelectorAll("canvas[data-drawn]")].map((c) =>
      (c as unknown as PageElement).dataset.drawn!
    );
  });
  const [outcomes, rates] = drawn.map((d) => JSON.parse(d) as Drawn);
  assert.equal(outcomes.kind, "stacked_bar");
  assert.deepEqual(outcomes.labels, months.map((m) => fmtMonth(m.month)));
  assert.deepEqual(
    outcomes.series.find((x) => x.label === "Rejected")!.values,
    months.map((m) => m.bugs_by_status.rejected),
  );
  assert.equal(rates.kind, "line");
  assert.deepEqual(
    rates.series.find((x) => x.label === "Rejection")!.values,
    months.map((m) => m.rates.rejection_rate),
  );
  assert.equal(rates.series.length, 5, "the five rates are drawn");

  const features = await view.frame.evaluate(tableCells, "#drivers-features");
  assert.deepEqual(
    features.map((r) => [r[0], r[1]]),
    report.rejection_drivers!.features.map((f) => [f.feature?.title ?? "No feature", fmtNumber(f.rejected)]),
  );
  const testers = await view.frame.evaluate(tableCells, "#drivers-testers");
  assert.deepEqual(
    testers.map((r) => [r[0], r[1]]),
    report.rejection_drivers!.testers.map((t) => [t.username ?? "unknown", fmtNumber(t.rejected)]),
  );
  const asOf = await view.frame.$eval("#data-as-of", (e) => (e as unknown as PageElement).dataset.value);
  assert.equal(asOf, report.data_as_of ?? "");
}

Deno.test({
  name: "quality dashboard view in Chromium",
  ignore: !chromiumAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using fx = await syncedFixture({ scale: "S" });
    await using mcp = await inProcessServer(fx);
    await using browser = await launchBrowser();
    const products = structured<{ products: { id: number; name: string; test_count: number }[] }>(
      await mcp.call("list_products", { sort_by: "test_count", sort_order: "desc" }),
    ).products;
    const [first, second] = products;
    const report = (args: Record<string, unknown>) =>
      mcp.call("generate_quality_report", { include_tests: true, ...args });

    await using view = await openView(browser, "quality-dashboard", (n, a) => mcp.call(n, a));

    await t.step("draws the health, outcomes, rates and rejection drivers of the tool's answer", async () => {
      const result = await report({ product_ids: [first.id] });
      const before = await view.renders();
      await view.sendToolResult(result);
      await view.waitForRender(before);
      const data = structured<QualityReport>(result);
      assert.ok(data.by_month!.length > 1, "the fixture spans several months");
      assert.ok(data.rejection_drivers!.features.length > 0, "the fixture has rejected bugs");
      await expectDrawn(view, data);
      await view.page.screenshot({ path: await screenshotPath("dashboard.png"), fullPage: false });
    });

    await t.step("switching product calls generate_quality_report through the host and redraws", async () => {
      await view.frame.waitForFunction(
        (id: number) => {
          const doc = (globalThis as unknown as PageGlobals).document;
          return !!doc.querySelector(`#product-select option[value="${id}"]`);
        },
        { timeout: 10_000 },
        second.id,
      );
      const before = await view.renders();
      await view.frame.select("#product-select", String(second.id));
      await view.waitForRender(before);
      const calls = await view.calls();
      const last = calls.filter((c) => c.name === "generate_quality_report").at(-1)!;
      assert.deepEqual(last.arguments.product_ids, [second.id]);
      const heading = await view.frame.$eval("h1", (e) => e.textContent);
      assert.equal(heading, `Quality: ${second.name}`);
      await expectDrawn(view, structured<QualityReport>(await report({ product_ids: [second.id] })));
    });

    await t.step("switching period calls the tool with the year's dates and redraws", async () => {
      const years = await view.frame.$$eval(
        "#period-select option",
        (os) => os.map((o) => (o as unknown as PageElement).value).filter((v) => /^\d{4}$/.test(v)),
      );
      assert.ok(years.length > 0, "the period list offers the years of the data");
      const year = years.at(-1)!;
      const before = await view.renders();
      await view.frame.select("#period-select", year);
      await view.waitForRender(before);
      const last = (await view.calls()).filter((c) => c.name === "generate_quality_report").at(-1)!;
      assert.equal(last.arguments.start_date, `${year}-01-01`);
      assert.equal(last.arguments.end_date, `${year}-12-31`);
      const expected = structured<QualityReport>(
        await report({ product_ids: [second.id], start_date: `${year}-01-01`, end_date: `${year}-12-31` }),
      );
      assert.ok(expected.by_month!.every((m) => m.month.startsWith(year)));
      await expectDrawn(view, expected);
    });

    await t.step("a test drills down through get_test_summary", async () => {
      const button = await view.frame.$("button[data-test-id]");
      assert.ok(button, "tests are listed with a drill-down button");
      const testId = Number(await button.evaluate((b) => (b as unknown as PageElement).dataset.testId));
      await button.focus();
      await view.page.keyboard.press("Enter");
      await view.frame.waitForSelector("#test-detail h3", { timeout: 10_000 });
      const calls = await view.calls();
      assert.deepEqual(calls.at(-1), { name: "get_test_summary", arguments: { test_id: testId } });
      const summary = structured<{ test: { title: string }; bugs: { total: number } }>(
        await mcp.call("get_test_summary", { test_id: testId }),
      );
      const detail = await view.frame.$eval("#test-detail", (e) => e.textContent ?? "");
      assert.ok(detail.includes(summary.test.title), detail);
      assert.ok(detail.includes(`${fmtNumber(summary.bugs.total)} bugs`), detail);
    });

    await t.step("follows the host's dark theme", async () => {
      const background = () =>
        view.frame.evaluate(() => {
          const doc = (globalThis as unknown as PageGlobals).document;
          return [
            doc.documentElement.dataset.theme,
            (globalThis as unknown as PageGlobals).getComputedStyle(doc.body).backgroundColor,
          ];
        });
      assert.deepEqual(await background(), ["light", "rgb(255, 255, 255)"]);
      await view.setTheme("dark");
      await view.frame.waitForFunction(() =>
        (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme === "dark"
      );
      assert.deepEqual(await background(), ["dark", "rgb(22, 24, 29)"]);
      await view.page.evaluate(() => (globalThis as unknown as PageGlobals).scrollTo(0, 0));
      await view.page.screenshot({ path: await screenshotPath("dashboard-dark.png") });
    });

    await t.step("a get_product_summary answer opens that product's report", async () => {
      const before = await view.renders();
      await view.sendToolResult(await mcp.call("get_product_summary", { product_id: first.id }));
      await view.waitForRender(before);
      const last = (await view.calls()).filter((c) => c.name === "generate_quality_report").at(-1)!;
      assert.deepEqual(last.arguments.product_ids, [first.id]);
      assert.equal(await view.frame.$eval("h1", (e) => e.textContent), `Quality: ${first.name}`);
    });

    await t.step("loads nothing from the network and raises no page error", () => {
      assert.deepEqual(view.requests, []);
      assert.deepEqual(view.page.errors, []);
    });
  },
});
