/**
 * The quality dashboard view. In a host it starts from the answer of `generate_quality_report` or
 * `get_product_summary` (for a product summary it asks for that product's report), and calls our
 * tools through the host to switch product (`list_products`, `generate_quality_report`), switch
 * period, and drill down to a test (`get_test_summary`). In the standalone report page the report is
 * embedded in the page and no host is involved.
 */
import type { App } from "@modelcontextprotocol/ext-apps";
import { releaseDetached } from "../shared/charts.ts";
import { h, markRendered } from "../shared/dom.ts";
import { fmtNumber, fmtRate } from "../shared/format.ts";
import {
  callTool,
  connectToHost,
  embeddedData,
  followSystemTheme,
  type ToolOutcome,
} from "../shared/host.ts";
import { isQualityReport, OUTCOMES, productSummaryId, type QualityReport, RATES } from "./model.ts";
import { renderDashboard } from "./render.ts";

const root = document.getElementById("app")!;

/** Period choices: a label and the tool arguments they stand for. */
interface Period {
  key: string;
  label: string;
  start_date?: string;
  end_date?: string;
}

const FIXED_PERIODS: Period[] = [
  { key: "all", label: "All dates" },
  { key: "30d", label: "Last 30 days", start_date: "last 30 days" },
  { key: "90d", label: "Last 90 days", start_date: "last 90 days" },
  { key: "12m", label: "Last 12 months", start_date: "last 12 months" },
];

interface State {
  app: App | null;
  report: QualityReport | null;
  productIds: number[];
  products: { id: number; name: string }[];
  period: string;
  years: string[];
  detail: Node | null;
  busy: boolean;
}

const state: State = {
  app: null,
  report: null,
  productIds: [],
  products: [],
  period: "all",
  years: [],
  detail: null,
  busy: false,
};

function periods(): Period[] {
  return [
    ...FIXED_PERIODS,
    ...state.years.map((y) => ({ key: y, label: y, start_date: `${y}-01-01`, end_date: `${y}-12-31` })),
  ];
}

function showError(text: string): void {
  root.replaceChildren(h("div", { class: "error", role: "alert" }, text));
}

/** The product choices: the report's own set (when several) and every known product. */
function productOptions(): HTMLOptionElement[] {
  const own = state.report && state.report.products.length > 1
    ? [h("option", { value: "report" }, "All products of the report")]
    : [];
  return [
    ...own,
    ...state.products.map((p) =>
      h(
        "option",
        { value: p.id, selected: state.productIds.length === 1 && state.productIds[0] === p.id },
        p.name,
      )
    ),
  ];
}

function controls(): HTMLElement {
  const productSelect = h(
    "select",
    {
      id: "product-select",
      disabled: state.busy,
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        void loadReport(v === "report" ? state.report!.products.map((p) => p.id) : [Number(v)]);
      },
    },
    productOptions(),
  );
  const periodSelect = h(
    "select",
    {
      id: "period-select",
      disabled: state.busy,
      onchange: (e: Event) => {
        state.period = (e.target as HTMLSelectElement).value;
        void loadReport(state.productIds);
      },
    },
    periods().map((p) => h("option", { value: p.key, selected: p.key === state.period }, p.label)),
  );
  return h(
    "div",
    { class: "toolbar", role: "group", "aria-label": "Product and period" },
    h("label", {}, "Product", productSelect),
    h("label", {}, "Period", periodSelect),
    state.busy ? h("span", { class: "hint", id: "busy" }, "Loading…") : null,
  );
}

function draw(): void {
  if (!state.report) return;
  const focused = document.activeElement?.id;
  root.replaceChildren(
    renderDashboard(state.report, {
      controls: state.app ? controls() : undefined,
      onTest: state.app ? (id) => void drillDown(id) : undefined,
      detail: state.detail,
    }),
  );
  releaseDetached();
  if (focused) document.getElementById(focused)?.focus();
  markRendered(root);
}

function accept(outcome: ToolOutcome): void {
  if (outcome.error || !outcome.data) return showError(outcome.error ?? "No data");
  const data = outcome.data;
  if (isQualityReport(data)) {
    state.report = data;
    state.productIds = data.products.map((p) => p.id);
    for (const p of data.products) if (!state.products.some((q) => q.id === p.id)) state.products.push(p);
    const years = new Set([...state.years, ...(data.by_month ?? []).map((m) => m.month.slice(0, 4))]);
    state.years = [...years].sort().reverse();
    state.detail = null;
    draw();
    if (state.app && !productsRequested) {
      // The full product list is for the switcher only: fetched once the first answer is on screen, so
      // it never competes with the first render.
      productsRequested = true;
      requestAnimationFrame(() => setTimeout(() => void loadProducts()));
    }
    return;
  }
  const id = productSummaryId(data);
  if (id !== null) {
    void loadReport([id]);
    return;
  }
  showError("This answer has no quality data to draw.");
}

async function loadReport(productIds: number[]): Promise<void> {
  if (!state.app) return;
  state.busy = true;
  state.productIds = productIds;
  draw();
  const period = periods().find((p) => p.key === state.period) ?? FIXED_PERIODS[0];
  const args: Record<string, unknown> = { product_ids: productIds, include_tests: true };
  if (period.start_date) args.start_date = period.start_date;
  if (period.end_date) args.end_date = period.end_date;
  const outcome = await callTool(state.app, "generate_quality_report", args);
  state.busy = false;
  accept(outcome);
}

let productsRequested = false;

async function loadProducts(): Promise<void> {
  if (!state.app) return;
  const outcome = await callTool(state.app, "list_products", { per_page: 200, sort_by: "title" });
  const list = (outcome.data?.products ?? []) as { id: number; name: string }[];
  for (const p of list) {
    if (!state.products.some((q) => q.id === p.id)) state.products.push({ id: p.id, name: p.name });
  }
  // Only the product list changes: refill it rather than redrawing the charts.
  document.getElementById("product-select")?.replaceChildren(...productOptions());
}

interface TestSummary {
  test: { id: number; title: string; status: string; end_at: string | null };
  bugs: {
    total: number;
    by_status: Record<string, number>;
    rates: Record<string, number | null>;
    recent: { id: number; title: string; severity: string | null; status: string }[];
  };
}

async function drillDown(testId: number): Promise<void> {
  if (!state.app) return;
  const outcome = await callTool(state.app, "get_test_summary", { test_id: testId });
  if (outcome.error || !outcome.data) {
    state.detail = h("div", { class: "error", role: "alert", id: "test-detail" }, outcome.error ?? "No data");
  } else {
    const s = outcome.data as unknown as TestSummary;
    state.detail = h(
      "section",
      { class: "panel", id: "test-detail", tabindex: -1, "aria-label": `Test ${s.test.title}` },
      h("h3", {}, `${s.test.title} (#${s.test.id})`),
      h(
        "p",
        { class: "meta" },
        `${s.test.status} · ended ${s.test.end_at?.slice(0, 10) ?? "—"} · ${fmtNumber(s.bugs.total)} bugs`,
      ),
      h(
        "p",
        {},
        OUTCOMES.map((o) => `${o.label}: ${fmtNumber(s.bugs.by_status[o.key] ?? 0)}`).join(" · "),
      ),
      h("p", {}, RATES.map((r) => `${r.label}: ${fmtRate(s.bugs.rates[r.key] ?? null)}`).join(" · ")),
      s.bugs.recent.length
        ? h(
          "ul",
          {},
          s.bugs.recent.map((b) => h("li", {}, `#${b.id} ${b.title} (${b.severity ?? "—"}, ${b.status})`)),
        )
        : null,
      h("button", {
        type: "button",
        onclick: () => {
          state.detail = null;
          draw();
        },
      }, "Close"),
    );
  }
  draw();
  document.getElementById("test-detail")?.focus();
}

async function start(): Promise<void> {
  const embedded = embeddedData();
  if (embedded) {
    followSystemTheme();
    accept({ data: embedded, error: null });
    return;
  }
  state.app = await connectToHost("testio-quality-dashboard", { onResult: accept });
}

start().catch((err) => showError(`The dashboard could not start: ${(err as Error).message}`));
