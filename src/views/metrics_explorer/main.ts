/**
 * The metrics explorer view: draws the rows of `query_metrics` as its `chart_hint` proposes (bar;
 * line over a time dimension; for two dimensions a stacked bar for counts or a heatmap for rates)
 * with the rows in a table beside it. Changing the dimension or the metric calls `query_metrics`
 * again through the host with the same filters and dates.
 */
import type { App } from "@modelcontextprotocol/ext-apps";
import { chart, releaseDetached, type Series } from "../shared/charts.ts";
import { h, markRendered, table } from "../shared/dom.ts";
import { fmtNumber, fmtRate, fmtTime, words } from "../shared/format.ts";
import { callTool, connectToHost, type ToolOutcome } from "../shared/host.ts";

type Cell = string | number | boolean | null;

interface MetricsAnswer {
  rows: Record<string, Cell>[];
  metadata: { total_rows: number; returned_rows: number; truncated: boolean };
  explanation: string;
  chart_hint: { type: "bar" | "line" | "grouped_bar"; x: string; y: string[]; series: string | null };
  data_as_of?: string | null;
  warnings?: string[];
}

type Kind = "bar" | "stacked_bar" | "line" | "heatmap";

const root = document.getElementById("app")!;
const PALETTE = [
  "--rate-1",
  "--rate-2",
  "--rate-3",
  "--rate-4",
  "--rate-5",
  "--accepted",
  "--open",
  "--auto",
];
/** Series beyond this are summed into "Other" so a chart stays readable. */
const MAX_SERIES = 8;

interface State {
  app: App | null;
  answer: MetricsAnswer | null;
  args: Record<string, unknown>;
  dimensions: string[];
  metrics: string[];
  kind: Kind | null;
  busy: boolean;
}

const state: State = {
  app: null,
  answer: null,
  args: {},
  dimensions: [],
  metrics: [],
  kind: null,
  busy: false,
};

const isRate = (metric: string) => metric.endsWith("_rate");
const fmtMetric = (metric: string, v: Cell) =>
  typeof v === "number" ? (isRate(metric) ? fmtRate(v) : fmtNumber(v)) : v === null ? "n/a" : String(v);
const label = (v: Cell) => (v === null || v === "" ? "(none)" : String(v));

/** The chart kinds that fit an answer; the first is what chart_hint proposes. */
function kindsFor(a: MetricsAnswer): Kind[] {
  const hint = a.chart_hint;
  const metric = hint.y[0];
  if (hint.type === "line") return ["line", "bar"];
  if (hint.type === "grouped_bar") {
    return isRate(metric) ? ["heatmap", "bar"] : ["stacked_bar", "heatmap", "bar"];
  }
  return ["bar"];
}

function distinct(rows: Record<string, Cell>[], key: string): string[] {
  return [...new Set(rows.map((r) => label(r[key])))];
}

function seriesChart(a: MetricsAnswer, kind: Exclude<Kind, "heatmap">): HTMLElement {
  const { x, y, series } = a.chart_hint;
  const labels = distinct(a.rows, x);
  const metric = y[0];
  let list: Series[];
  if (series) {
    const names = distinct(a.rows, series);
    const kept = names.slice(0, MAX_SERIES);
    list = kept.map((name, i) => ({
      label: name,
      color: PALETTE[i % PALETTE.length],
      values: labels.map((l) => {
        const row = a.rows.find((r) => label(r[x]) === l && label(r[series]) === name);
        return typeof row?.[metric] === "number" ? (row[metric] as number) : null;
      }),
    }));
    if (names.length > MAX_SERIES && !isRate(metric)) {
      list.push({
        label: "Other",
        color: "--open",
        values: labels.map((l) =>
          a.rows.filter((r) => label(r[x]) === l && !kept.includes(label(r[series])))
            .reduce((n, r) => n + (typeof r[metric] === "number" ? (r[metric] as number) : 0), 0)
        ),
      });
    }
  } else {
    list = y.map((m, i) => ({
      label: words(m),
      color: PALETTE[i % PALETTE.length],
      values: labels.map((l) => {
        const row = a.rows.find((r) => label(r[x]) === l);
        return typeof row?.[m] === "number" ? (row[m] as number) : null;
      }),
    }));
  }
  return chart({
    kind: kind === "bar" && series ? "bar" : kind,
    title: `${words(metric)} by ${words(x)}${series ? ` and ${words(series)}` : ""}`,
    labels,
    series: list,
    rates: y.every(isRate),
  });
}

function heatmap(a: MetricsAnswer): HTMLElement {
  const { x, y, series } = a.chart_hint;
  const metric = y[0];
  const cols = distinct(a.rows, x);
  const rowsKey = series ?? x;
  const rowNames = distinct(a.rows, rowsKey);
  const values = a.rows.map((r) => r[metric]).filter((v): v is number => typeof v === "number");
  const max = Math.max(0, ...values);
  const cell = (rowName: string, col: string) => {
    const row = a.rows.find((r) => label(r[x]) === col && label(r[rowsKey]) === rowName);
    const v = row?.[metric] ?? null;
    const share = typeof v === "number" && max > 0 ? v / max : 0;
    return h(
      "td",
      {
        class: "cell",
        "data-value": v === null ? "" : String(v),
        style: `background: color-mix(in srgb, var(--accent) ${Math.round(share * 85)}%, transparent)`,
      },
      fmtMetric(metric, v),
    );
  };
  return h(
    "div",
    {
      class: "table-scroll",
      role: "img",
      "aria-label": `Heatmap of ${words(metric)}`,
      "data-kind": "heatmap",
    },
    h(
      "table",
      { class: "heatmap" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, `${words(rowsKey)} \\ ${words(x)}`),
          cols.map((c) => h("th", { scope: "col", class: "num" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rowNames.map((name) => h("tr", {}, h("th", { scope: "row" }, name), cols.map((c) => cell(name, c)))),
      ),
    ),
  );
}

function rowsTable(a: MetricsAnswer): HTMLElement {
  const dims = [a.chart_hint.x, ...(a.chart_hint.series ? [a.chart_hint.series] : [])];
  const metrics = Object.keys(a.rows[0] ?? {}).filter((k) =>
    !dims.includes(k) && !dims.some((d) => k === `${d}_id`)
  );
  const numeric = new Set(metrics.map((_, i) => dims.length + i));
  return h(
    "div",
    { class: "table-scroll", id: "rows" },
    table(
      "Rows of the query",
      [...dims.map(words), ...metrics.map(words)],
      a.rows.map((r) => [...dims.map((d) => label(r[d])), ...metrics.map((m) => fmtMetric(m, r[m]))]),
      numeric,
    ),
  );
}

function select(
  id: string,
  name: string,
  options: string[],
  value: string,
  onchange: (v: string) => void,
): HTMLElement {
  return h(
    "label",
    {},
    name,
    h(
      "select",
      { id, disabled: state.busy, onchange: (e: Event) => onchange((e.target as HTMLSelectElement).value) },
      options.map((o) => h("option", { value: o, selected: o === value }, words(o))),
    ),
  );
}

function draw(): void {
  const a = state.answer;
  if (!a) return;
  const kinds = kindsFor(a);
  const kind = state.kind && kinds.includes(state.kind) ? state.kind : kinds[0];
  const hint = a.chart_hint;
  const dims = [hint.x, ...(hint.series ? [hint.series] : [])];
  const focused = document.activeElement?.id;
  root.replaceChildren(h(
    "div",
    { class: "explorer" },
    h("h1", {}, "Metrics"),
    h("p", { class: "meta", id: "explanation" }, a.explanation),
    h(
      "p",
      { class: "meta" },
      `${fmtNumber(a.metadata.returned_rows)} of ${fmtNumber(a.metadata.total_rows)} rows`,
      a.metadata.truncated ? " (truncated)" : "",
      " · ",
      h("span", { id: "data-as-of" }, `Data as of ${fmtTime(a.data_as_of ?? null)}`),
    ),
    a.warnings?.length
      ? h("div", { class: "warnings", role: "status" }, h("ul", {}, a.warnings.map((w) => h("li", {}, w))))
      : null,
    h(
      "div",
      { class: "toolbar", role: "group", "aria-label": "Query" },
      state.app && state.dimensions.length
        ? select(
          "dimension-select",
          "Dimension",
          state.dimensions,
          dims[0],
          (v) => void requery({ dimensions: [v, ...dims.slice(1)] }),
        )
        : null,
      state.app && state.metrics.length
        ? select("metric-select", "Metric", state.metrics, hint.y[0], (v) => void requery({ metrics: [v] }))
        : null,
      select("kind-select", "Chart", kinds, kind, (v) => {
        state.kind = v as Kind;
        draw();
      }),
      state.busy ? h("span", { class: "hint", id: "busy" }, "Loading…") : null,
    ),
    a.rows.length
      ? h(
        "div",
        { class: "split" },
        h("div", { id: "chart" }, kind === "heatmap" ? heatmap(a) : seriesChart(a, kind)),
        rowsTable(a),
      )
      : h("p", { class: "hint" }, "No rows for this query."),
  ));
  releaseDetached();
  if (focused) document.getElementById(focused)?.focus();
  markRendered(root);
}

function accept(outcome: ToolOutcome): void {
  if (outcome.error || !outcome.data) {
    root.replaceChildren(h("div", { class: "error", role: "alert" }, outcome.error ?? "No data"));
    return;
  }
  state.answer = outcome.data as unknown as MetricsAnswer;
  draw();
}

async function requery(change: Record<string, unknown>): Promise<void> {
  if (!state.app || !state.answer) return;
  const hint = state.answer.chart_hint;
  state.args = {
    ...state.args,
    metrics: state.args.metrics ?? hint.y,
    dimensions: state.args.dimensions ?? [hint.x, ...(hint.series ? [hint.series] : [])],
    ...change,
  };
  // A sort key of the previous query may not exist in the new one.
  delete state.args.sort_by;
  state.busy = true;
  draw();
  const outcome = await callTool(state.app, "query_metrics", state.args);
  state.busy = false;
  accept(outcome);
}

async function loadCapabilities(): Promise<void> {
  if (!state.app) return;
  const outcome = await callTool(state.app, "get_analytics_capabilities", {});
  const data = outcome.data as { dimensions?: { key: string }[]; metrics?: { key: string }[] } | null;
  state.dimensions = (data?.dimensions ?? []).map((d) => d.key);
  state.metrics = (data?.metrics ?? []).map((m) => m.key);
  draw();
}

async function start(): Promise<void> {
  state.app = await connectToHost("testio-metrics-explorer", {
    onResult: accept,
    onInput: (args) => {
      state.args = { ...args };
    },
  });
  await loadCapabilities();
}

start().catch((err) => {
  root.replaceChildren(
    h("div", { class: "error", role: "alert" }, `The explorer could not start: ${(err as Error).message}`),
  );
});
