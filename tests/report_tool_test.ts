/**
 * `generate_quality_report` over a small hand-built cache, through the real MCP server: scope rules
 * (executed by default, statuses, end_at range, exact test ids), the mutual-exclusion and ownership
 * errors, per-test rows, Markdown and the file export rules.
 */
import assert from "node:assert/strict";
import { bugsOf, failure, handBuiltCache, handBuiltServer, ok } from "./helpers/report_fixtures.ts";
import type { QualityReport, ReportSummary } from "../src/reports/quality_report.ts";

type Answer = QualityReport & {
  markdown?: string;
  file?: { path: string; bytes: number; records: number };
  data_as_of: string | null;
  warnings?: string[];
};

/**
 * Shop (1): t10 archived coverage — 2 rejected (critical) + 8 accepted; t11 locked focused — no bugs;
 * t12 running coverage — 1 auto-accepted + 4 accepted + 1 open; t13 cancelled — 5 rejected;
 * t14 initialized — 1 open. Bank (2): t20 archived rapid — 3 open.
 */
function seed() {
  const fx = handBuiltCache();
  fx.product(1, "Shop");
  fx.product(2, "Bank");
  fx.test({ id: 10, product_id: 1, status: "archived", end_at: "2025-03-02T10:00:00Z" });
  fx.test({
    id: 11,
    product_id: 1,
    status: "locked",
    testing_type: "focused",
    end_at: "2025-04-10T10:00:00Z",
  });
  fx.test({ id: 12, product_id: 1, status: "running", end_at: "2025-05-01T10:00:00Z" });
  fx.test({ id: 13, product_id: 1, status: "cancelled", end_at: "2025-04-15T10:00:00Z" });
  fx.test({ id: 14, product_id: 1, status: "initialized", end_at: "2025-06-30T10:00:00Z" });
  fx.test({
    id: 20,
    product_id: 2,
    status: "archived",
    testing_type: "rapid",
    end_at: "2025-05-20T10:00:00Z",
  });
  fx.bugs(10, [...bugsOf(100, 2, "rejected", { severity: "critical" }), ...bugsOf(110, 8, "accepted")]);
  fx.bugs(12, [
    ...bugsOf(120, 1, "auto_accepted"),
    ...bugsOf(121, 4, "accepted"),
    ...bugsOf(125, 1, "forwarded"),
  ]);
  fx.bugs(13, bugsOf(130, 5, "rejected"));
  fx.bugs(14, bugsOf(140, 1, "forwarded"));
  fx.bugs(20, bugsOf(200, 3, "forwarded"));
  return fx;
}

Deno.test("generate_quality_report on hand-built data", async (t) => {
  using fx = seed();
  const reports = await Deno.makeTempDir({ prefix: "testio-reports-" });
  await using mcp = await handBuiltServer(fx, { TESTIO_REPORTS_DIR: `${reports}/out` });
  const report = async (args: Record<string, unknown>) =>
    ok<Answer>("generate_quality_report", await mcp.call("generate_quality_report", args));

  await t.step("default scope: executed tests of both products, open = forwarded", async () => {
    const r = await report({ product_ids: [1, 2] });
    const s: ReportSummary = r.summary;
    assert.equal(s.total_tests, 4); // t10, t11, t12, t20
    assert.deepEqual(s.tests_by_status, { archived: 2, customer_finalized: 0, locked: 1, running: 1 });
    assert.deepEqual(s.tests_by_type, { coverage: 2, focused: 1, rapid: 1 });
    assert.equal(s.total_bugs, 19);
    assert.deepEqual(s.bugs_by_status, { open: 4, active_accepted: 12, auto_accepted: 1, rejected: 2 });
    assert.equal(s.bugs_by_severity.critical, 2);
    assert.equal(s.bugs_by_severity.low, 17);
    assert.equal(s.avg_bugs_per_test, 19 / 4);
    assert.deepEqual(s.rates, {
      active_acceptance_rate: 12 / 19,
      overall_acceptance_rate: 13 / 19,
      rejection_rate: 2 / 19,
      review_rate: 14 / 19,
      auto_acceptance_rate: 1 / 13,
    });
    assert.deepEqual(s.health, {
      rejection_rate: "healthy",
      auto_acceptance_rate: "healthy",
      review_rate: "warning",
    });
    assert.equal(s.period.first_test_end_at, "2025-03-02T10:00:00Z");
    assert.equal(s.period.last_test_end_at, "2025-05-20T10:00:00Z");

    const [shop, bank] = r.by_product!;
    assert.equal(shop.product.name, "Shop");
    assert.deepEqual(shop.bugs_by_status, { open: 1, active_accepted: 12, auto_accepted: 1, rejected: 2 });
    assert.equal(shop.rates.review_rate, 14 / 16);
    assert.equal(shop.health.review_rate, "healthy");
    assert.deepEqual(bank.bugs_by_status, { open: 3, active_accepted: 0, auto_accepted: 0, rejected: 0 });
    assert.equal(bank.rates.auto_acceptance_rate, null);
    assert.deepEqual(bank.health, {
      rejection_rate: "healthy",
      auto_acceptance_rate: "unknown",
      review_rate: "critical",
    });
    assert.equal(r.data_as_of, "2025-06-01T00:00:00Z");
    assert.deepEqual(mcp.refreshed.splice(0), ["ensureProductTests 1 bugs", "ensureProductTests 2 bugs"]);
  });

  await t.step("one product: no by_product", async () => {
    const r = await report({ product_ids: "2" });
    assert.equal(r.by_product, undefined);
    assert.equal(r.summary.total_tests, 1);
    assert.equal(r.summary.rates.rejection_rate, 0);
  });

  await t.step("statuses replace the executed scope", async () => {
    const r = await report({ product_ids: [1], statuses: "cancelled,initialized" });
    assert.equal(r.summary.total_tests, 2);
    assert.deepEqual(r.summary.bugs_by_status, {
      open: 1,
      active_accepted: 0,
      auto_accepted: 0,
      rejected: 5,
    });
    assert.equal(r.summary.rates.rejection_rate, 5 / 6);
    assert.equal(r.summary.health.rejection_rate, "critical");
  });

  await t.step("dates filter on end_at, inclusive, and are echoed in period", async () => {
    const r = await report({ product_ids: [1, 2], start_date: "2025-04-10", end_date: "2025-05-01" });
    assert.equal(r.summary.total_tests, 2); // t11 (Apr 10), t12 (May 1)
    assert.equal(r.summary.total_bugs, 6);
    assert.equal(r.summary.period.start, "2025-04-10T00:00:00.000Z");
    assert.equal(r.summary.period.end, "2025-05-01T23:59:59.999Z");
    assert.equal(r.by_product![1].total_tests, 0);
    assert.equal(r.by_product![1].rates.rejection_rate, null);
  });

  await t.step("zero bugs in scope: rates null, health unknown, markdown says n/a", async () => {
    const r = await report({ product_ids: [1], statuses: ["locked"], format: "markdown" });
    assert.equal(r.summary.total_tests, 1);
    assert.equal(r.summary.total_bugs, 0);
    assert.ok(Object.values(r.summary.rates).every((v) => v === null));
    assert.ok(Object.values(r.summary.health).every((v) => v === "unknown"));
    assert.equal(r.summary.avg_bugs_per_test, 0);
    assert.match(r.markdown!, /\| rejection rate \| n\/a \| ❔ unknown \|/);
  });

  await t.step("test_ids pick tests exactly, whatever their status", async () => {
    const r = await report({ product_ids: [1], test_ids: "[13, 10]", include_tests: true });
    assert.equal(r.summary.total_tests, 2);
    assert.deepEqual(r.summary.tests_by_status, { archived: 1, cancelled: 1 });
    assert.deepEqual(r.tests!.map((x) => x.id), [13, 10]); // newest end first
    const t13 = r.tests![0];
    assert.equal(t13.total_bugs, 5);
    assert.equal(t13.rates.rejection_rate, 1);
    assert.equal(t13.rates.auto_acceptance_rate, null);
    assert.equal(t13.health.rejection_rate, "critical");
    assert.deepEqual(mcp.refreshed.splice(0).at(-1), "ensureTests 13,10 bugs");
  });

  await t.step("test_ids with dates or statuses: a three-part error naming the clash", async () => {
    for (const extra of [{ start_date: "2025-01-01" }, { end_date: "today" }, { statuses: ["archived"] }]) {
      const e = failure(
        await mcp.call("generate_quality_report", { product_ids: [1], test_ids: [10], ...extra }),
      );
      assert.equal(e.what, `❌ test_ids cannot be combined with ${Object.keys(extra)[0]}`);
      assert.match(e.next, /either test_ids, or/);
    }
  });

  await t.step("test_ids of another product or not cached are errors", async () => {
    const foreign = failure(
      await mcp.call("generate_quality_report", { product_ids: [1], test_ids: [10, 20] }),
    );
    assert.equal(foreign.what, "❌ Test(s) 20 do not belong to product(s) 1");
    assert.match(foreign.why, /20 → product 2/);
    const missing = failure(
      await mcp.call("generate_quality_report", { product_ids: [1], test_ids: [10, 999] }),
    );
    assert.equal(missing.what, "❌ Test(s) 999 not found");
    const unknownProduct = failure(await mcp.call("generate_quality_report", { product_ids: [1, 77] }));
    assert.equal(unknownProduct.what, "❌ Product 77 not found");
  });

  await t.step("thresholds come from settings", async () => {
    await using strict = await handBuiltServer(fx, { TESTIO_THRESHOLD_REVIEW_WARNING: "0.9" });
    const r = ok<Answer>(
      "generate_quality_report",
      await strict.call("generate_quality_report", { product_ids: [1] }),
    );
    assert.equal(r.thresholds.review_rate.warning, 0.9);
    assert.equal(r.summary.health.review_rate, "warning"); // 14/16 = 0.875 ≤ 0.9
  });

  await t.step("output_file: relative .md and .json under the reports folder", async () => {
    const md = await report({ product_ids: [1, 2], output_file: "q2/shop.md" });
    assert.equal(md.file!.path, `${reports}/out/q2/shop.md`);
    const text = await Deno.readTextFile(md.file!.path);
    assert.equal(md.file!.bytes, new TextEncoder().encode(text).byteLength);
    assert.equal(md.file!.records, 4);
    assert.match(text, /^# Quality report: Shop \(1\), Bank \(2\)/);
    assert.equal(md.markdown, undefined, "format json keeps markdown out of the answer");

    const json = await report({ product_ids: [1], output_file: "shop.JSON", include_tests: true });
    const written = JSON.parse(await Deno.readTextFile(json.file!.path));
    assert.deepEqual(written.summary, json.summary);
    assert.equal(written.tests.length, 3);
    assert.equal(written.data_as_of, json.data_as_of);
    // Writing again never replaces the report: the error names a free name, the first file stays.
    const before = await Deno.readTextFile(json.file!.path);
    const again = failure(
      await mcp.call("generate_quality_report", { product_ids: [1], output_file: "shop.JSON" }),
    );
    assert.match(again.what, /shop\.JSON already exists; it was kept as it is/);
    assert.match(again.why, /never replaces an existing file/);
    assert.match(again.next, /Pass output_file 'shop-2\.JSON' \(free\)/);
    assert.equal(await Deno.readTextFile(json.file!.path), before);
    const second = await report({ product_ids: [1], output_file: "shop-2.JSON" });
    assert.equal(second.file!.path, `${reports}/out/shop-2.JSON`);
    assert.deepEqual(
      [...Deno.readDirSync(`${reports}/out`)].map((e) => e.name).sort(),
      ["q2", "shop-2.JSON", "shop.JSON"],
      "no temporary files left",
    );
  });

  await t.step("output_file: other extensions, traversal and '~' are refused", async () => {
    for (
      const [file, what] of [
        ["report.txt", /must end in \.json or \.md/],
        ["report", /must end in \.json or \.md/],
        ["../escape.md", /must not contain '\.\.'/],
        ["a/../../escape.md", /must not contain '\.\.'/],
        ["a\\..\\..\\escape.md", /must not contain '\.\.'/],
        [`${reports}/x/../y.md`, /must not contain '\.\.'/],
        ["~/report.md", /cannot start with '~'/],
      ] as const
    ) {
      const e = failure(await mcp.call("generate_quality_report", { product_ids: [1], output_file: file }));
      assert.match(e.what, what, file);
    }
    assert.ok(![...Deno.readDirSync(reports)].some((e) => e.name === "escape.md"));
  });

  await t.step("output_file: an absolute path must lie inside the reports folder", async () => {
    const abs = `${reports}/out/abs/report.md`;
    const r = await report({ product_ids: [1], output_file: abs });
    assert.equal(r.file!.path, abs);
    for (
      const outside of [
        `${reports}/elsewhere/report.md`,
        `${reports}/escape.md`,
        "/etc/passwd.md",
        "/report.md",
      ]
    ) {
      const e = failure(
        await mcp.call("generate_quality_report", { product_ids: [1], output_file: outside }),
      );
      assert.match(e.what, /leads outside the reports folder/, outside);
      assert.match(e.why, /absolute path must lie inside the reports folder/);
    }
    assert.ok(!await exists(`${reports}/elsewhere`), "no folder is created outside");
    assert.ok(!await exists(`${reports}/escape.md`));
    assert.ok(!await exists("/etc/passwd.md"));
    assert.ok(!await exists("/report.md"));
  });

  await t.step("output_file: links leading out are refused and nothing is written through them", async () => {
    await Deno.mkdir(`${reports}/target`, { recursive: true });
    await Deno.symlink(`${reports}/target`, `${reports}/out/link`);
    const e = failure(
      await mcp.call("generate_quality_report", { product_ids: [1], output_file: "link/r.md" }),
    );
    assert.match(e.what, /through a link/);
    // A link as the file itself, dangling or not, is a name that is taken: never written through.
    await Deno.symlink(`${reports}/target/dangling.md`, `${reports}/out/dangling.md`);
    await Deno.writeTextFile(`${reports}/target/kept.md`, "kept");
    await Deno.symlink(`${reports}/target/kept.md`, `${reports}/out/kept.md`);
    for (const name of ["dangling.md", "kept.md"]) {
      const taken = failure(
        await mcp.call("generate_quality_report", { product_ids: [1], output_file: name }),
      );
      assert.match(taken.what, /already exists; it was kept as it is/, name);
    }
    assert.deepEqual([...Deno.readDirSync(`${reports}/target`)].map((e) => e.name), ["kept.md"]);
    assert.equal(await Deno.readTextFile(`${reports}/target/kept.md`), "kept");
  });

  await Deno.remove(reports, { recursive: true });
});

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
