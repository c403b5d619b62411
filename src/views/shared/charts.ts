/**
 * Charts with uPlot: canvas drawing, about 50 KB, fast to start and to draw. Bars (grouped, stacked,
 * horizontal) are uPlot's bar paths with the positions computed here; lines are its default paths.
 * A chart is drawn once the browser has laid its box out (no layout of its own before the first
 * paint), so a chart in a panel out of sight is drawn when the panel comes near the screen.
 * Colours come from the CSS variables of the current theme, so a theme change redraws. Under each
 * chart a legend names the series and, while the pointer is over the chart, reads out the values of
 * the category under it. Every canvas carries what the plot holds in `data-drawn` (labels and the
 * series' values, read back from the uPlot instance) and an `aria-label`; each chart sits next to a
 * table holding the same numbers for keyboard and screen-reader users.
 */
import uPlot from "npm:uplot@1.6.32";
import { fmtNumber, fmtRate } from "./format.ts";

/** One series of a chart. */
export interface Series {
  label: string;
  /** A CSS variable name (`--rejected`) or a colour. */
  color: string;
  values: (number | null)[];
}

/** What to draw. */
export interface ChartSpec {
  kind: "bar" | "stacked_bar" | "line";
  labels: string[];
  series: Series[];
  /** Values are rates in [0,1] (axis and read-out as percentages). */
  rates?: boolean;
  /** Horizontal bars. */
  horizontal?: boolean;
  title: string;
}

interface Live {
  box: HTMLDivElement;
  spec: ChartSpec;
  plot: uPlot | null;
  width: number;
}

const live = new Map<HTMLDivElement, Live>();

const PLOT_HEIGHT = 220;

/** Reads colours from the theme: a CSS variable name (`--rejected`) or a colour as is. */
function themeColors(): (color: string) => string {
  const style = getComputedStyle(document.documentElement);
  return (color) => (color.startsWith("--") ? style.getPropertyValue(color).trim() || "#888" : color);
}

function plotHeight(spec: ChartSpec): number {
  return spec.horizontal ? Math.min(400, Math.max(120, 50 + 32 * spec.labels.length)) : PLOT_HEIGHT;
}

/** The top of the value axis: the largest bar, stack or point, rounded up by uPlot. */
function valueRange(spec: ChartSpec, stacked: number[] | null): [number, number] {
  if (spec.rates) return [0, 1];
  let max = 0;
  for (const v of stacked ?? spec.series.flatMap((s) => s.values)) if (v !== null && v > max) max = v;
  const [, top] = uPlot.rangeNum(0, max || 1, 0.1, true);
  return [0, top ?? 1];
}

/** uPlot options for `spec` at `width` pixels. */
function options(spec: ChartSpec, width: number, readout: HTMLElement): uPlot.Options {
  const cssColor = themeColors();
  const fg = cssColor("--fg-soft");
  const grid = cssColor("--border");
  const font = `12px ${getComputedStyle(document.body).fontFamily}`;
  const fmt = (v: number | null) => (spec.rates ? fmtRate(v) : fmtNumber(v));
  const n = spec.labels.length;
  const bars = spec.kind !== "line";
  const horizontal = !!spec.horizontal;
  const count = spec.series.length;

  // Stacked bars: each series spans from the sum of the ones before it to that sum plus its value.
  let tops: number[] | null = null;
  const spans = spec.series.map((s) => {
    if (spec.kind !== "stacked_bar") return null;
    const from = tops ?? new Array<number>(n).fill(0);
    tops = from.map((y, i) => y + (s.values[i] ?? 0));
    return { from, to: tops };
  });
  // Grouped bars: each series gets its share of 80% of a category's width.
  const slot = 0.8 / count;

  const pathOf = (i: number): uPlot.Series.PathBuilder | undefined => {
    if (!bars) return undefined;
    const span = spans[i];
    if (span) {
      return uPlot.paths.bars!({
        size: [0.7, 64],
        disp: { y0: { unit: 1, values: () => span.from }, y1: { unit: 1, values: () => span.to } },
      });
    }
    if (count === 1) return uPlot.paths.bars!({ size: [0.7, 64] });
    return uPlot.paths.bars!({
      disp: {
        x0: { unit: 1, values: () => spec.labels.map((_, j) => j - 0.4 + i * slot) },
        size: { unit: 1, values: () => [slot * 0.9] },
      },
    });
  };

  // Category labels: as many as fit without overlapping.
  const categorySplits = (u: uPlot) => {
    const room = (horizontal ? u.bbox.height : u.bbox.width) / devicePixelRatio;
    const step = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(room / (horizontal ? 20 : 64)))));
    return spec.labels.map((_, j) => j).filter((j) => j % step === 0);
  };
  const longest = spec.labels.reduce((m, l) => Math.max(m, l.length), 0);

  return {
    width,
    height: plotHeight(spec),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: !bars }, y: false },
    scales: {
      // Horizontal bars list the categories from the top down.
      x: { time: false, range: [-0.5, n - 0.5], ori: horizontal ? 1 : 0, dir: horizontal ? -1 : 1 },
      y: { range: valueRange(spec, tops), ori: horizontal ? 0 : 1, dir: 1 },
    },
    axes: [
      {
        scale: "x",
        side: horizontal ? 3 : 2,
        stroke: fg,
        font,
        grid: { show: false },
        ticks: { stroke: grid, width: 1 },
        splits: categorySplits,
        values: (_u, splits) => splits.map((j) => spec.labels[j] ?? ""),
        size: horizontal ? Math.min(240, 24 + 8 * longest) : 40,
      },
      {
        scale: "y",
        side: horizontal ? 2 : 3,
        stroke: fg,
        font,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        values: (_u, splits) => splits.map((v) => fmt(v)),
        space: horizontal ? 60 : 30,
        size: spec.rates ? 64 : 56,
      },
    ],
    series: [
      {},
      ...spec.series.map((s, i): uPlot.Series => {
        const color = cssColor(s.color);
        return {
          label: s.label,
          stroke: color,
          fill: bars ? color : undefined,
          width: bars ? 0 : 2,
          points: { show: !bars, size: 5, fill: color },
          spanGaps: true,
          paths: pathOf(i),
        };
      }),
    ],
    hooks: {
      setCursor: [(u) => {
        const i = u.cursor.idx;
        readout.textContent = i === null || i === undefined
          ? ""
          : `${spec.labels[i]}: ${spec.series.map((s) => `${s.label} ${fmt(s.values[i])}`).join(" · ")}`;
      }],
    },
  };
}

/** The legend under a chart: a swatch and the name of each series, and the pointer's read-out. */
function legend(spec: ChartSpec): { element: HTMLElement; readout: HTMLElement } {
  const cssColor = themeColors();
  const element = document.createElement("div");
  element.className = "chart-legend";
  for (const s of spec.series) {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = cssColor(s.color);
    item.append(swatch, s.label);
    element.append(item);
  }
  const readout = document.createElement("div");
  readout.className = "chart-readout";
  readout.setAttribute("aria-hidden", "true");
  element.append(readout);
  return { element, readout };
}

function create(entry: Live, width: number): void {
  const { box, spec } = entry;
  const { element, readout } = legend(spec);
  const holder = document.createElement("div");
  box.replaceChildren(holder, element);
  const data: uPlot.AlignedData = [spec.labels.map((_, j) => j), ...spec.series.map((s) => s.values)];
  const plot = new uPlot(options(spec, width, readout), data, holder);
  const canvas = plot.ctx.canvas;
  canvas.setAttribute("role", "img");
  canvas.setAttribute(
    "aria-label",
    `${spec.title}: ${spec.series.map((s) => s.label).join(", ")} over ${spec.labels.length} ${
      spec.labels.length === 1 ? "category" : "categories"
    } (the table next to it has the numbers)`,
  );
  canvas.dataset.drawn = JSON.stringify({
    kind: spec.kind,
    labels: spec.labels,
    series: plot.series.slice(1).map((s, i) => ({ label: s.label, values: plot.data[i + 1] })),
  });
  entry.plot = plot;
  entry.width = width;
}

/**
 * Draws a chart once the browser has laid its box out, and follows the box's width after that. The
 * first observation of a box comes after the page's own layout, so drawing needs no layout of its
 * own; a box in a panel that is out of sight (content-visibility: auto) is observed, and its chart
 * drawn, when the panel comes near the screen.
 */
const sizes = new ResizeObserver((records) => {
  for (const r of records) {
    const entry = live.get(r.target as HTMLDivElement);
    const width = Math.floor(r.contentRect.width);
    if (!entry || width <= 0 || width === entry.width) continue;
    if (entry.plot) {
      entry.width = width;
      entry.plot.setSize({ width, height: plotHeight(entry.spec) });
    } else create(entry, width);
  }
});

/** Draws `spec` in a new sized box (once the box is laid out); returns the box. */
export function chart(spec: ChartSpec): HTMLDivElement {
  const box = document.createElement("div");
  box.className = "chart";
  live.set(box, { box, spec, plot: null, width: 0 });
  sizes.observe(box);
  return box;
}

/**
 * Draws every chart not drawn yet, laying its box out now: printing lays out and paints the whole page
 * at once, and a chart whose panel was never near the screen would print blank.
 */
export function drawPending(): void {
  for (const entry of live.values()) {
    if (entry.plot || !entry.box.isConnected) continue;
    const width = Math.floor(entry.box.getBoundingClientRect().width);
    if (width > 0) create(entry, width);
  }
}
globalThis.addEventListener?.("beforeprint", drawPending);

/** Destroys charts whose box left the document (views redraw by replacing their content). */
export function releaseDetached(): void {
  for (const [box, { plot }] of live) {
    if (!box.isConnected) {
      plot?.destroy();
      sizes.unobserve(box);
      live.delete(box);
    }
  }
}

/** Re-reads the theme colours into every live chart. */
export function recolorCharts(): void {
  releaseDetached();
  for (const entry of live.values()) {
    if (!entry.plot) continue;
    entry.plot.destroy();
    create(entry, entry.width);
  }
}
