/**
 * The quality report (docs/domain.md, Rates and health) as pure functions: scope validation, the summary built from
 * grouped rows (tests by product/status/type, bugs by product/status/severity), the per-product
 * breakdown, per-test rows, and the Markdown rendering.
 *
 * Open means forwarded. A rate with no data is null, and its health is `unknown`.
 *
 * @example
 * ```ts
 * import type { Config } from "../config.ts";
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * declare const config: Config;
 * const scope = { productIds: [598], statuses: ["archived"], from: null, to: null };
 * const report = buildQualityReport({
 *   products: [{ id: 598, name: "Web shop" }],
 *   testGroups: repos.report.testGroups(scope),
 *   bugGroups: repos.report.bugCounts(scope).groups,
 *   thresholds: config.thresholds,
 *   start: null,
 *   end: null,
 *   statuses: ["archived"],
 * });
 * report.summary.rates.rejection_rate; // 0.2
 * renderMarkdown(report, { dataAsOf: "2025-11-10T13:03:12Z" }); // "# Quality report: …"
 * ```
 */
import type { Config } from "../config.ts";
import type { BugGroupRow, ReportTestRow, TestGroupRow, TestOwner } from "../db/repos/report.ts";
import { BUG_SEVERITIES } from "../domain/bugs.ts";
import { InputError } from "../errors.ts";
import {
  type BugClasses,
  computeRates,
  type Health,
  health,
  type Rates,
  type Threshold,
  totalBugs,
} from "../domain/rates.ts";

/** Requested bounds and the end dates actually found. */
export interface ReportPeriod {
  /** Requested start bound on end_at (UTC), or null. */
  start: string | null;
  /** Requested end bound on end_at (UTC), or null. */
  end: string | null;
  first_test_end_at: string | null;
  last_test_end_at: string | null;
}

/** The summary block, for all products or one. */
export interface ReportSummary {
  total_tests: number;
  tests_by_status: Record<string, number>;
  tests_by_type: Record<string, number>;
  total_bugs: number;
  bugs_by_status: BugClasses;
  bugs_by_severity: Record<string, number>;
  rates: Rates;
  health: Health;
  /** total_bugs / total_tests; null when there are no tests. */
  avg_bugs_per_test: number | null;
  period: ReportPeriod;
}

/** One product's summary. */
export interface ProductSummary extends ReportSummary {
  product: { id: number; name: string };
}

/** One test row of the report. */
export interface ReportTest {
  id: number;
  title: string;
  product_id: number;
  status: string;
  testing_type: string | null;
  start_at: string | null;
  end_at: string | null;
  total_bugs: number;
  bugs_by_status: BugClasses;
  rates: Rates;
  health: Health;
}

/** The report as the tool returns it (before file export). */
export interface QualityReport {
  products: { id: number; name: string }[];
  summary: ReportSummary;
  by_product?: ProductSummary[];
  thresholds: Config["thresholds"];
  tests?: ReportTest[];
}

/** What {@link buildQualityReport} needs. */
export interface ReportInput {
  /** The report's products, in the requested order. */
  products: readonly { id: number; name: string }[];
  testGroups: readonly TestGroupRow[];
  bugGroups: readonly BugGroupRow[];
  testRows?: readonly ReportTestRow[];
  thresholds: Config["thresholds"];
  start: string | null;
  end: string | null;
  /** Statuses in scope (zero-filled in tests_by_status); empty when tests were given by id. */
  statuses: readonly string[];
}

/** The report arguments whose combination is checked. */
export interface ReportScopeArgs {
  test_ids?: readonly number[];
  start_date?: string;
  end_date?: string;
  statuses?: readonly string[];
}

/**
 * Rejects `test_ids` combined with dates or statuses: the ids pick tests exactly, so a period or a
 * status filter on top would silently drop some of them.
 */
export function validateReportScope(args: ReportScopeArgs): void {
  if (!args.test_ids?.length) return;
  const clash = (["start_date", "end_date", "statuses"] as const).filter((k) => args[k] !== undefined);
  if (clash.length) {
    throw new InputError(`test_ids cannot be combined with ${clash.join(", ")}`, {
      hint: "test_ids selects tests exactly; dates and statuses select tests by period and state, so the " +
        "two scopes conflict",
      action: `Pass either test_ids, or ${clash.join("/")} (with product_ids), not both`,
    });
  }
}

/**
 * Checks that every requested test is cached and belongs to one of the report's products.
 *
 * @throws {InputError} naming the tests of other products, or the tests not in the cache.
 */
export function checkTestOwnership(
  testIds: readonly number[],
  owners: readonly TestOwner[],
  productIds: readonly number[],
): void {
  const byId = new Map(owners.map((o) => [o.id, o.product_id]));
  const missing = testIds.filter((id) => !byId.has(id));
  if (missing.length) {
    throw new InputError(`Test(s) ${missing.join(", ")} not found`, {
      hint: "They are not in the cache and could not be fetched: the ids may be wrong, or the token cannot " +
        "see them",
      action: "Call list_tests with the product_id to find valid test ids, or sync_data",
    });
  }
  const foreign = testIds.filter((id) => !productIds.includes(byId.get(id)!));
  if (foreign.length) {
    const where = foreign.map((id) => `${id} → product ${byId.get(id)}`).join(", ");
    throw new InputError(
      `Test(s) ${foreign.join(", ")} do not belong to product(s) ${productIds.join(", ")}`,
      {
        hint: `test_ids must be tests of the listed product_ids (${where})`,
        action: "Add their products to product_ids, or drop those test ids",
      },
    );
  }
}

const emptyClasses = (): BugClasses => ({ open: 0, active_accepted: 0, auto_accepted: 0, rejected: 0 });

const CLASS_OF: Readonly<Record<string, keyof BugClasses>> = {
  forwarded: "open",
  accepted: "active_accepted",
  auto_accepted: "auto_accepted",
  rejected: "rejected",
};

const minOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
const maxOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

function summarise(
  tests: readonly TestGroupRow[],
  bugs: readonly BugGroupRow[],
  input: ReportInput,
): ReportSummary {
  const byStatus: Record<string, number> = Object.fromEntries(input.statuses.map((s) => [s, 0]));
  const byType: Record<string, number> = {};
  let total = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const g of tests) {
    total += g.n;
    byStatus[g.status] = (byStatus[g.status] ?? 0) + g.n;
    const type = g.testing_type ?? "unknown";
    byType[type] = (byType[type] ?? 0) + g.n;
    first = minOf(first, g.first_end_at);
    last = maxOf(last, g.last_end_at);
  }
  const classes = emptyClasses();
  const bySeverity: Record<string, number> = Object.fromEntries(BUG_SEVERITIES.map((s) => [s, 0]));
  for (const g of bugs) {
    const cls = CLASS_OF[g.status];
    // A status outside the four classes would be a sync bug; it still counts under its severity.
    if (cls) classes[cls] += g.n;
    const sev = g.severity ?? "unknown";
    bySeverity[sev] = (bySeverity[sev] ?? 0) + g.n;
  }
  const totalBugCount = bugs.reduce((n, g) => n + g.n, 0);
  const rates = computeRates(classes);
  return {
    total_tests: total,
    tests_by_status: sortKeys(byStatus),
    tests_by_type: sortKeys(byType),
    total_bugs: totalBugCount,
    bugs_by_status: classes,
    bugs_by_severity: bySeverity,
    rates,
    health: health(rates, input.thresholds),
    avg_bugs_per_test: total === 0 ? null : totalBugCount / total,
    period: { start: input.start, end: input.end, first_test_end_at: first, last_test_end_at: last },
  };
}

const sortKeys = (r: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));

/** Builds the report from grouped rows. `by_product` is present when the report has several products. */
export function buildQualityReport(input: ReportInput): QualityReport {
  const summary = summarise(input.testGroups, input.bugGroups, input);
  const report: QualityReport = {
    products: input.products.map((p) => ({ id: p.id, name: p.name })),
    summary,
    thresholds: input.thresholds,
  };
  if (input.products.length > 1) {
    report.by_product = input.products.map((p) => ({
      product: { id: p.id, name: p.name },
      ...summarise(
        input.testGroups.filter((g) => g.product_id === p.id),
        input.bugGroups.filter((g) => g.product_id === p.id),
        input,
      ),
    }));
  }
  if (input.testRows) {
    report.tests = input.testRows.map((t) => {
      const rates = computeRates(t.classes);
      return {
        id: t.id,
        title: t.title,
        product_id: t.product_id,
        status: t.status,
        testing_type: t.testing_type,
        start_at: t.start_at,
        end_at: t.end_at,
        total_bugs: totalBugs(t.classes),
        bugs_by_status: t.classes,
        rates,
        health: health(rates, input.thresholds),
      };
    });
  }
  return report;
}

const pct = (r: number | null) => (r === null ? "n/a" : `${(r * 100).toFixed(1)} %`);
const num = (n: number | null) => (n === null ? "n/a" : Number.isInteger(n) ? String(n) : n.toFixed(2));
const ICON: Readonly<Record<string, string>> = {
  healthy: "✅ healthy",
  warning: "⚠️ warning",
  critical: "🛑 critical",
  unknown: "❔ unknown",
};
/** Table cells must not break the row: pipes escaped, line breaks flattened. */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*[\r\n]+\s*/g, " ");
const thresholdText = (t: Threshold) =>
  `${t.direction === "above" ? "≥" : "≤"} ${pct(t.warning)} warning, ${t.direction === "above" ? "≥" : "≤"} ${
    pct(t.critical)
  } critical`;

function periodText(p: ReportPeriod): string {
  const range = p.start || p.end
    ? `tests ending ${p.start ? `from ${p.start}` : ""}${p.start && p.end ? " " : ""}${
      p.end ? `to ${p.end}` : ""
    }`
    : "all dates";
  const found = p.first_test_end_at
    ? ` (test ends found: ${p.first_test_end_at} → ${p.last_test_end_at})`
    : "";
  return range + found;
}

/** Renders the report as Markdown. */
export function renderMarkdown(report: QualityReport, meta: { dataAsOf: string | null }): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# Quality report: ${cell(report.products.map((p) => `${p.name} (${p.id})`).join(", "))}`, "");
  lines.push(`Period: ${periodText(s.period)}  `, `Data as of: ${meta.dataAsOf ?? "unknown"}`, "");
  lines.push("## Summary", "");
  lines.push("| Tests | Bugs | Bugs per test | Open | Accepted | Auto-accepted | Rejected |");
  lines.push("|---:|---:|---:|---:|---:|---:|---:|");
  const c = s.bugs_by_status;
  lines.push(
    `| ${s.total_tests} | ${s.total_bugs} | ${
      num(s.avg_bugs_per_test)
    } | ${c.open} | ${c.active_accepted} | ` +
      `${c.auto_accepted} | ${c.rejected} |`,
    "",
  );
  lines.push("## Rates and health", "");
  lines.push("| Rate | Value | Health |", "|---|---:|---|");
  const healthOf = (k: keyof Rates): string => k in s.health ? ICON[s.health[k as keyof Health]] : "";
  for (const [k, v] of Object.entries(s.rates) as [keyof Rates, number | null][]) {
    lines.push(`| ${k.replaceAll("_", " ")} | ${pct(v)} | ${healthOf(k)} |`);
  }
  lines.push("");
  lines.push(
    "Thresholds: " +
      (Object.entries(report.thresholds) as [string, Threshold][])
        .map(([k, t]) => `${k.replaceAll("_", " ")} ${thresholdText(t)}`).join("; ") +
      ".",
    "",
  );
  const counts = (title: string, r: Record<string, number>) => {
    const entries = Object.entries(r).filter(([, n]) => n > 0);
    if (!entries.length) return;
    lines.push(`### ${title}`, "", "| | Count |", "|---|---:|");
    for (const [k, n] of entries) lines.push(`| ${cell(k)} | ${n} |`);
    lines.push("");
  };
  counts("Tests by status", s.tests_by_status);
  counts("Tests by type", s.tests_by_type);
  counts("Bugs by severity", s.bugs_by_severity);
  if (report.by_product?.length) {
    lines.push("## By product", "");
    lines.push(
      "| Product | Tests | Bugs | Rejection | Review | Auto-acceptance | Health (rej / auto / review) |",
      "|---|---:|---:|---:|---:|---:|---|",
    );
    for (const p of report.by_product) {
      lines.push(
        `| ${cell(p.product.name)} (${p.product.id}) | ${p.total_tests} | ${p.total_bugs} | ` +
          `${pct(p.rates.rejection_rate)} | ${pct(p.rates.review_rate)} | ${
            pct(p.rates.auto_acceptance_rate)
          } | ` +
          `${p.health.rejection_rate} / ${p.health.auto_acceptance_rate} / ${p.health.review_rate} |`,
      );
    }
    lines.push("");
  }
  if (report.tests?.length) {
    lines.push("## Tests", "");
    lines.push(
      "| Test | Status | Ended | Bugs | Open | Rejection | Review | Auto-acceptance |",
      "|---|---|---|---:|---:|---:|---:|---:|",
    );
    for (const t of report.tests) {
      lines.push(
        `| ${cell(t.title)} (${t.id}) | ${t.status} | ${
          t.end_at ?? "—"
        } | ${t.total_bugs} | ${t.bugs_by_status.open} | ` +
          `${pct(t.rates.rejection_rate)} | ${pct(t.rates.review_rate)} | ${
            pct(t.rates.auto_acceptance_rate)
          } |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
