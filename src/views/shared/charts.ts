/**
 * Charts with Chart.js (only the controllers the views use are registered, which keeps the bundle
 * small). Colours come from the CSS variables of the current theme, so a theme change redraws.
 * Animations are off: the first render is the final one. Every canvas carries what it draws in
 * `data-drawn` (labels and series) and an `aria-label`; each chart sits next to a table holding the
 * same numbers for keyboard and screen-reader users.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "npm:chart.js@4.5.1";
import { fmtNumber, fmtRate } from "./format.ts";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

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
  /** Values are rates in [0,1] (axis and tooltips as percentages). */
  rates?: boolean;
  /** Horizontal bars. */
  horizontal?: boolean;
  title: string;
}

const live = new Map<HTMLCanvasElement, { chart: Chart; spec: ChartSpec }>();

/** Reads colours from the theme: a CSS variable name (`--rejected`) or a colour as is. */
function themeColors(): (color: string) => string {
  // One computed style per chart: each read of a fresh one can force a style recalculation.
  const style = getComputedStyle(document.documentElement);
  return (color) => (color.startsWith("--") ? style.getPropertyValue(color).trim() || "#888" : color);
}

function config(spec: ChartSpec): ChartConfiguration {
  const cssColor = themeColors();
  const fg = cssColor("--fg-soft");
  const grid = cssColor("--border");
  const fmt = (v: number | null) => (spec.rates ? fmtRate(v) : fmtNumber(v));
  const stacked = spec.kind === "stacked_bar";
  const valueAxis = {
    stacked,
    beginAtZero: true,
    ...(spec.rates ? { max: 1 } : {}),
    ticks: { color: fg, callback: (v: string | number) => fmt(Number(v)) },
    grid: { color: grid },
  };
  const categoryAxis = { stacked, ticks: { color: fg }, grid: { display: false } };
  return {
    type: spec.kind === "line" ? "line" : "bar",
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: cssColor(s.color),
        borderColor: cssColor(s.color),
        borderWidth: spec.kind === "line" ? 2 : 0,
        pointRadius: spec.kind === "line" ? 3 : 0,
        spanGaps: true,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: spec.horizontal ? "y" : "x",
      scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { labels: { color: fg, boxWidth: 12 } },
        tooltip: {
          callbacks: { label: (c) => `${c.dataset.label}: ${fmt(c.parsed[spec.horizontal ? "x" : "y"])}` },
        },
      },
    },
  } as ChartConfiguration;
}

/** Draws `spec` in a new canvas inside a sized box; returns the box. */
export function chart(spec: ChartSpec): HTMLDivElement {
  const box = document.createElement("div");
  box.className = "chart";
  const canvas = document.createElement("canvas");
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
    series: spec.series.map((s) => ({ label: s.label, values: s.values })),
  });
  box.append(canvas);
  // Chart.js measures its parent, so it is created once the box is in the document.
  queueMicrotask(() => {
    if (!canvas.isConnected) return;
    live.set(canvas, { chart: new Chart(canvas, config(spec)), spec });
  });
  return box;
}

/** Destroys charts whose canvas left the document (views redraw by replacing their content). */
export function releaseDetached(): void {
  for (const [canvas, { chart }] of live) {
    if (!canvas.isConnected) {
      chart.destroy();
      live.delete(canvas);
    }
  }
}

/** Re-reads the theme colours into every live chart. */
export function recolorCharts(): void {
  releaseDetached();
  for (const [canvas, entry] of live) {
    entry.chart.destroy();
    live.set(canvas, { chart: new Chart(canvas, config(entry.spec)), spec: entry.spec });
  }
}
