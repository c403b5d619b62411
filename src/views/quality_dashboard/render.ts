/**
 * Draws a quality report: health cards against the thresholds, bug outcomes and rates per month,
 * outcomes per product, rejection drivers and the tests (each a button that drills down). Pure DOM
 * from the report; the caller owns the controls and what a drill-down does.
 */
import { chart } from "../shared/charts.ts";
import { h, table } from "../shared/dom.ts";
import { fmtMonth, fmtNumber, fmtRate, fmtTime } from "../shared/format.ts";
import {
  type BugClasses,
  type Health,
  INDICATORS,
  OUTCOMES,
  type QualityReport,
  RATES,
  type ReasonCount,
  type Threshold,
} from "./model.ts";

/** What the page around the report provides. */
export interface RenderOptions {
  /** Product and period selectors (absent in the standalone report). */
  controls?: Node;
  /** Drill-down to one test (absent: tests are listed without buttons). */
  onTest?: (testId: number) => void;
  /** A drill-down panel to show below the tests. */
  detail?: Node | null;
}

const NUMERIC_4 = new Set([1, 2, 3, 4]);

function thresholdText(t: Threshold): string {
  const side = t.direction === "above" ? "≥" : "≤";
  return `warning ${side} ${fmtRate(t.warning)}, critical ${side} ${fmtRate(t.critical)}`;
}

function badge(level: Health[keyof Health]): HTMLElement {
  return h("span", { class: `badge ${level}`, "data-health": level }, level);
}

function healthCards(r: QualityReport): HTMLElement {
  const s = r.summary;
  const total = (label: string, value: string, key: string) =>
    h(
      "div",
      { class: "card", "data-card": key },
      h("div", { class: "label" }, label),
      h("div", { class: "value" }, value),
    );
  return h(
    "section",
    { class: "cards", "aria-label": "Health indicators" },
    INDICATORS.map((i) =>
      h(
        "div",
        { class: "card", "data-card": i.key },
        h("div", { class: "label" }, i.label, " ", badge(s.health[i.key])),
        h("div", { class: "value" }, fmtRate(s.rates[i.key])),
        h("div", { class: "threshold" }, thresholdText(r.thresholds[i.key])),
      )
    ),
    total("Tests", fmtNumber(s.total_tests), "total_tests"),
    total("Bugs", fmtNumber(s.total_bugs), "total_bugs"),
    total("Bugs per test", fmtNumber(s.avg_bugs_per_test), "avg_bugs_per_test"),
  );
}

const outcomeCells = (c: BugClasses) => OUTCOMES.map((o) => fmtNumber(c[o.key]));

function panel(id: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h(
    "section",
    { class: "panel", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    body,
  );
}

function outcomesByMonth(r: QualityReport): HTMLElement {
  const months = r.by_month ?? [];
  if (!months.length) {
    return panel(
      "outcomes-month",
      "Bug outcomes per month",
      h("p", { class: "hint" }, "No tests with an end date in this period."),
    );
  }
  const labels = months.map((m) => fmtMonth(m.month));
  return panel(
    "outcomes-month",
    "Bug outcomes per month",
    h(
      "div",
      { class: "split" },
      chart({
        kind: "stacked_bar",
        title: "Bug outcomes per month",
        labels,
        series: OUTCOMES.map((o) => ({
          label: o.label,
          color: o.color,
          values: months.map((m) => m.bugs_by_status[o.key]),
        })),
      }),
      h(
        "div",
        { class: "table-scroll" },
        table(
          "Bug outcomes per month",
          ["Month", ...OUTCOMES.map((o) => o.label)],
          months.map((m, i) => [labels[i], ...outcomeCells(m.bugs_by_status)]),
          NUMERIC_4,
        ),
      ),
    ),
  );
}

function ratesByMonth(r: QualityReport): HTMLElement | null {
  const months = r.by_month ?? [];
  if (!months.length) return null;
  const labels = months.map((m) => fmtMonth(m.month));
  return panel(
    "rates-month",
    "Rates per month",
    h(
      "div",
      { class: "split" },
      chart({
        kind: "line",
        title: "Rates per month",
        rates: true,
        labels,
        series: RATES.map((k) => ({
          label: k.label,
          color: k.color,
          values: months.map((m) => m.rates[k.key]),
        })),
      }),
      h(
        "div",
        { class: "table-scroll" },
        table(
          "Rates per month",
          ["Month", ...RATES.map((k) => k.label)],
          months.map((m, i) => [labels[i], ...RATES.map((k) => fmtRate(m.rates[k.key]))]),
          new Set([1, 2, 3, 4, 5]),
        ),
      ),
    ),
  );
}

function outcomesByProduct(r: QualityReport): HTMLElement | null {
  const products = r.by_product ?? [];
  if (!products.length) return null;
  const labels = products.map((p) => p.product.name);
  return panel(
    "outcomes-product",
    "Bug outcomes per product",
    h(
      "div",
      { class: "split" },
      chart({
        kind: "stacked_bar",
        horizontal: true,
        title: "Bug outcomes per product",
        labels,
        series: OUTCOMES.map((o) => ({
          label: o.label,
          color: o.color,
          values: products.map((p) => p.bugs_by_status[o.key]),
        })),
      }),
      table(
        "Bug outcomes and health per product",
        ["Product", ...OUTCOMES.map((o) => o.label), "Rejection rate"],
        products.map((
          p,
        ) => [
          p.product.name,
          ...outcomeCells(p.bugs_by_status),
          h("span", {}, fmtRate(p.rates.rejection_rate), " ", badge(p.health.rejection_rate)),
        ]),
        new Set([1, 2, 3, 4, 5]),
      ),
    ),
  );
}

function reasons(list: ReasonCount[]): HTMLElement {
  return h(
    "div",
    { class: "chips" },
    list.slice(0, 4).map((x) =>
      h("span", { class: "chip" }, `${x.reason ?? "no reason given"} · ${fmtNumber(x.count)}`)
    ),
  );
}

function drivers(r: QualityReport): HTMLElement {
  const d = r.rejection_drivers ?? { features: [], testers: [] };
  const empty = !d.features.length && !d.testers.length;
  return panel(
    "drivers",
    "Behind the rejections",
    empty ? h("p", { class: "hint" }, "No rejected bugs in this period.") : null,
    empty ? null : h(
      "div",
      { class: "grid" },
      h(
        "div",
        { id: "drivers-features" },
        h("h3", {}, "Features"),
        table(
          "Features with the most rejected bugs",
          ["Feature", "Rejected", "Reasons"],
          d.features.map((
            f,
          ) => [f.feature?.title ?? "No feature", fmtNumber(f.rejected), reasons(f.reasons)]),
          new Set([1]),
        ),
      ),
      h(
        "div",
        { id: "drivers-testers" },
        h("h3", {}, "Testers"),
        table(
          "Testers with the most rejected bugs",
          ["Tester", "Rejected", "Reasons"],
          d.testers.map((t) => [t.username ?? "unknown", fmtNumber(t.rejected), reasons(t.reasons)]),
          new Set([1]),
        ),
      ),
    ),
  );
}

function tests(r: QualityReport, options: RenderOptions): HTMLElement | null {
  if (!r.tests?.length) return null;
  const shown = r.tests.slice(0, 50);
  return panel(
    "tests",
    shown.length < r.summary.total_tests
      ? `Tests (the ${fmtNumber(shown.length)} newest of ${fmtNumber(r.summary.total_tests)})`
      : `Tests (${fmtNumber(shown.length)})`,
    h(
      "div",
      { class: "table-scroll" },
      table(
        "Tests in the period",
        ["Test", "Ended", "Bugs", "Rejected", "Rejection rate"],
        shown.map((t) => [
          options.onTest
            ? h("button", {
              class: "link",
              type: "button",
              "data-test-id": t.id,
              onclick: () => options.onTest!(t.id),
            }, t.title)
            : t.title,
          t.end_at ? t.end_at.slice(0, 10) : "—",
          fmtNumber(t.total_bugs),
          fmtNumber(t.bugs_by_status.rejected),
          h("span", {}, fmtRate(t.rates.rejection_rate), " ", badge(t.health.rejection_rate)),
        ]),
        new Set([2, 3, 4]),
      ),
    ),
    options.detail ?? null,
  );
}

function periodText(r: QualityReport): string {
  const p = r.summary.period;
  if (p.start || p.end) {
    return `Tests ending ${p.start ? `from ${p.start.slice(0, 10)}` : ""} ${
      p.end ? `to ${p.end.slice(0, 10)}` : ""
    }`.trim();
  }
  return "All dates";
}

/** The whole dashboard for `r`. */
export function renderDashboard(r: QualityReport, options: RenderOptions = {}): HTMLElement {
  const names = r.products.map((p) => p.name).join(", ");
  return h(
    "div",
    { class: "dashboard" },
    h("h1", {}, `Quality: ${names}`),
    h(
      "p",
      { class: "meta" },
      h("span", { id: "period" }, periodText(r)),
      " · ",
      h(
        "span",
        { id: "data-as-of", "data-value": r.data_as_of ?? "" },
        `Data as of ${fmtTime(r.data_as_of)}`,
      ),
    ),
    options.controls ?? null,
    r.warnings?.length
      ? h(
        "div",
        { class: "warnings", role: "status", id: "warnings" },
        h("strong", {}, "Warnings"),
        h("ul", {}, r.warnings.map((w) => h("li", {}, w))),
      )
      : null,
    healthCards(r),
    outcomesByMonth(r),
    ratesByMonth(r),
    outcomesByProduct(r),
    drivers(r),
    tests(r, options),
  );
}
