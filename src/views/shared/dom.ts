/**
 * A tiny element builder: `h("td", { class: "num" }, "12")`. Text is always set as text, never as
 * HTML, so values from the data cannot inject markup.
 */
type Child = Node | string | number | null | undefined | false;

/** Creates an element with attributes (`on…` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A table with a header row; cells of columns listed in `numeric` are right-aligned. */
export function table(
  caption: string,
  head: string[],
  rows: (string | Node)[][],
  numeric: ReadonlySet<number> = new Set(),
): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", { class: "sr-only" }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        head.map((t, i) => h("th", { scope: "col", class: numeric.has(i) ? "num" : undefined }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((r) =>
        h("tr", {}, r.map((c, i) => h("td", { class: numeric.has(i) ? "num" : undefined }, c)))
      ),
    ),
  );
}

let draws = 0;

/**
 * Counts a finished draw once the frame holding it has been painted: `data-rendered` on `root` and a
 * `testio-render-N` performance mark (what tests wait for and the render benchmark reads).
 */
export function markRendered(root: HTMLElement): void {
  const n = ++draws;
  requestAnimationFrame(() =>
    setTimeout(() => {
      root.dataset.rendered = String(n);
      performance.mark(`testio-render-${n}`);
    })
  );
}
