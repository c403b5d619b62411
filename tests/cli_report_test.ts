/**
 * `deno task report` (its least-privilege flags) over a cache synced from the fake API: the HTML page
 * lands in the reports folder and renders the same numbers as the JSON report in headless Chromium
 * with every network request refused; markdown and json go where `--output` says; bad flags exit 2;
 * an existing file outside the reports folder is never replaced.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer, ROOT, structured } from "./helpers/mcp.ts";
import { childEnv, runCommand } from "./helpers/stdio_process.ts";
import { chromiumAvailable, launchBrowser } from "./helpers/browser.ts";
import { blockNetwork, type PageElement, type PageGlobals, screenshotPath } from "./helpers/view_host.ts";
import { fmtMonth, fmtNumber, fmtRate } from "../src/views/shared/format.ts";
import type { QualityReport } from "../src/views/quality_dashboard/model.ts";

Deno.test({
  name: "report command",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using fx = await syncedFixture({ scale: "S" });
    // The task's permissions cover the working directory and ~/.testio-mcp: the cache goes there.
    const home = `${fx.dir}/home`;
    // --output names a folder of the person's choosing, which must exist.
    await Deno.mkdir(`${home}/.testio-mcp/exports`, { recursive: true });
    await Deno.copyFile(fx.dbPath, `${home}/.testio-mcp/cache.db`);
    const env = await childEnv({ HOME: home, TESTIO_LOG_LEVEL: "warn" });
    const report = (...args: string[]) =>
      runCommand(Deno.execPath(), ["task", "-q", "report", ...args], { env, cwd: ROOT });
    const productId = await (async () => {
      await using mcp = await inProcessServer(fx);
      const list = structured<{ products: { id: number }[] }>(
        await mcp.call("list_products", { sort_by: "test_count", sort_order: "desc" }),
      );
      return list.products[0].id;
    })();

    let json: QualityReport & { warnings?: string[] };
    await t.step("--format json writes the tool's answer where --output says", async () => {
      const out = `${home}/.testio-mcp/exports/shop.json`;
      const r = await report("--product-ids", String(productId), "--format", "json", "--output", out);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), out);
      json = JSON.parse(await Deno.readTextFile(out));
      assert.deepEqual(json.products.map((p) => p.id), [productId]);
      assert.ok(json.summary.total_tests > 0 && json.by_month!.length > 0);
    });

    await t.step("--format markdown writes the Markdown report", async () => {
      const out = `${home}/.testio-mcp/exports/shop.md`;
      const r = await report("--product-ids", String(productId), "--format", "markdown", "--output", out);
      assert.equal(r.code, 0, r.stderr);
      const md = await Deno.readTextFile(out);
      assert.match(md, /^# Quality report: /);
      assert.ok(md.includes(`| ${json.summary.total_tests} | ${json.summary.total_bugs} |`), md);
    });

    await t.step("an existing file outside the reports folder is not replaced", async () => {
      const out = `${home}/.testio-mcp/exports/shop.md`;
      const before = await Deno.readTextFile(out);
      const r = await report("--product-ids", String(productId), "--format", "markdown", "--output", out);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /already exists/);
      assert.equal(await Deno.readTextFile(out), before);
    });

    await t.step("bad flags exit 2 with what to do", async () => {
      const missing = await report("--format", "html");
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--product-ids/);
      const format = await report("--product-ids", "1", "--format", "pdf");
      assert.equal(format.code, 2);
      assert.match(format.stderr, /html, markdown or json/);
      const extension = await report("--product-ids", "1", "--format", "json", "--output", "shop.html");
      assert.equal(extension.code, 2);
      assert.match(extension.stderr, /'--output' must end in \.json/);
    });

    let htmlPath = "";
    await t.step("html (the default) lands in the reports folder", async () => {
      const r = await report("--product-ids", String(productId));
      assert.equal(r.code, 0, r.stderr);
      htmlPath = r.stdout.trim();
      assert.ok(htmlPath.startsWith(`${home}/.testio-mcp/reports/quality-report-${productId}-`), htmlPath);
      assert.ok(htmlPath.endsWith(".html"));
      const html = await Deno.readTextFile(htmlPath);
      assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i);
    });

    await t.step({
      name: "the page renders offline in Chromium with the report's numbers",
      ignore: !chromiumAvailable(),
      async fn() {
        await using browser = await launchBrowser();
        const page = await browser.newPage();
        await page.setViewport({ width: 1280, height: 900 });
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
        const url = `file://${htmlPath}`;
        const requests: string[] = [];
        await blockNetwork(page, requests, (u) => u === url);
        await page.goto(url, { waitUntil: "load" });
        await page.waitForFunction(() =>
          Number(
            (globalThis as unknown as PageGlobals).document.getElementById("app")?.dataset.rendered ?? 0,
          ) > 0
        );
        assert.deepEqual(requests, [], "no request beyond the page itself");
        assert.deepEqual(page.errors, []);

        const cards = await page.$$eval(
          "[data-card]",
          (cs) =>
            Object.fromEntries(
              cs.map((
                c,
              ) => [
                (c as unknown as PageElement).dataset.card!,
                c.querySelector(".value")?.textContent?.trim(),
              ]),
            ),
        );
        assert.equal(cards.rejection_rate, fmtRate(json.summary.rates.rejection_rate));
        assert.equal(cards.review_rate, fmtRate(json.summary.rates.review_rate));
        assert.equal(cards.total_bugs, fmtNumber(json.summary.total_bugs));
        const months = await page.$$eval(
          "#outcomes-month tbody tr td:first-child",
          (tds) => tds.map((td) => td.textContent),
        );
        assert.deepEqual(months, json.by_month!.map((m) => fmtMonth(m.month)));
        const drawn = await page.$$eval(
          "canvas[data-drawn]",
          (cs) => cs.map((c) => (c as unknown as PageElement).dataset.drawn!),
        );
        assert.ok(drawn.length >= 2, "the outcome and rate charts are drawn");
        const outcomes = JSON.parse(drawn[0]) as { series: { label: string; values: number[] }[] };
        assert.deepEqual(
          outcomes.series.find((s) => s.label === "Rejected")!.values,
          json.by_month!.map((m) => m.bugs_by_status.rejected),
        );
        assert.equal(await page.$("#product-select"), null, "no host: no switching");
        assert.equal(
          await page.evaluate(() =>
            (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme
          ),
          "dark",
        );
        await page.screenshot({ path: await screenshotPath("report.png") });

        // Printing draws the charts of panels never scrolled near (on screen they are laid out lazily).
        const short = await browser.newPage();
        await short.setViewport({ width: 420, height: 120 });
        await short.goto(url, { waitUntil: "load" });
        await short.waitForFunction(() =>
          Number(
            (globalThis as unknown as PageGlobals).document.getElementById("app")?.dataset.rendered ?? 0,
          ) > 0
        );
        const charts = await short.$$eval(".chart", (boxes) => boxes.length);
        const onScreen = await short.$$eval(".chart canvas[data-drawn]", (cs) => cs.length);
        assert.ok(onScreen < charts, `a chart below the fold waits (${onScreen} of ${charts} drawn)`);
        await short.pdf({ format: "A4" });
        const printed = await short.$$eval(".chart canvas[data-drawn]", (cs) => cs.length);
        assert.equal(printed, charts, "every chart is drawn for printing");
      },
    });
  },
});
