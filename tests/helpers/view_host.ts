/**
 * Renders a built view in headless Chromium inside a page that plays the MCP Apps host with
 * ext-apps' `AppBridge` (src/views/test_host.ts). Tool calls from the view go to a real MCP server;
 * every network request the page attempts is recorded and refused.
 *
 * @example
 * ```ts
 * import type { TestBrowser } from "./browser.ts";
 * import type { InProcessServer } from "./mcp.ts";
 *
 * declare const browser: TestBrowser;
 * declare const mcp: InProcessServer;
 * await using view = await openView(browser, "quality-dashboard", (n, a) => mcp.call(n, a));
 * await view.sendToolResult(await mcp.call("generate_quality_report", { product_ids: [1] }));
 * ```
 */
import type { Frame, Page } from "./test_deps.ts";
import { bundleScript } from "../../scripts/build_views.ts";
import type { TestBrowser } from "./browser.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";

/** What src/views/test_host.ts puts on the host page's global object. */
interface HostGlobals {
  startView(html: string, theme: "light" | "dark", initialResult?: Record<string, unknown>): Promise<void>;
  viewStartedAt: number;
  resultSentAt: number;
  host: {
    calls: { name: string; arguments: Record<string, unknown> }[];
    sendToolInput(args: Record<string, unknown>): Promise<void>;
    sendToolResult(result: Record<string, unknown>): Promise<void>;
    setTheme(theme: "light" | "dark"): Promise<void>;
  };
}

let hostScript: Promise<string> | null = null;

/** The host page's script, bundled once per test process. */
function hostJs(): Promise<string> {
  hostScript ??= bundleScript(new URL("../../src/views/test_host.ts", import.meta.url).pathname);
  return hostScript;
}

/** The HTML of a built view, as the server embeds it. */
export function viewHtml(name: string): Promise<string> {
  return Deno.readTextFile(new URL(`../../assets/views/${name}.html`, import.meta.url));
}

/** A view running in a host page. */
export interface HostedView extends AsyncDisposable {
  page: Page & { errors: string[] };
  /** The view's frame. */
  frame: Frame;
  /** Network requests the page attempted (all refused). */
  requests: string[];
  sendToolInput(args: Record<string, unknown>): Promise<void>;
  sendToolResult(result: CallToolResult): Promise<void>;
  setTheme(theme: "light" | "dark"): Promise<void>;
  /** The tool calls the view made through the host. */
  calls(): Promise<{ name: string; arguments: Record<string, unknown> }[]>;
  /**
   * Milliseconds from the host sending its last tool result to the end of the view's draw number
   * `n` once its frame is painted.
   */
  drawMs(n: number): Promise<number>;
  /** Waits until the view has drawn more than `count` times; returns the new count. */
  waitForRender(count: number): Promise<number>;
  /** How many times the view has drawn. */
  renders(): Promise<number>;
  /**
   * Milliseconds to the end of the view's first painted draw: from the host starting to load the
   * view (`load`) and from the host sending the initial tool result (`result`).
   */
  firstRenderMs(): Promise<{ load: number; result: number }>;
}

/** Refuses and records every request that would leave the page. */
export async function blockNetwork(
  page: Page,
  requests: string[],
  allow: (url: string) => boolean = () => false,
) {
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:") || url.startsWith("about:") || allow(url)) return void req.continue();
    requests.push(url);
    void req.abort();
  });
}

// Run inside the view's frame (puppeteer serialises them), hence no closure over test variables.
function renderCount(): number {
  const doc = (globalThis as unknown as {
    document: { getElementById(id: string): { dataset: Record<string, string> } | null };
  }).document;
  return Number(doc.getElementById("app")?.dataset.rendered ?? 0);
}
function renderedAfter(n: number): boolean {
  const doc = (globalThis as unknown as {
    document: { getElementById(id: string): { dataset: Record<string, string> } | null };
  }).document;
  return Number(doc.getElementById("app")?.dataset.rendered ?? 0) > n && !doc.getElementById("busy");
}

/** Opens `name` in a host page of `browser`; `callTool` answers the view's tool calls. */
export async function openView(
  browser: TestBrowser,
  name: string,
  callTool: (name: string, args: Record<string, unknown>) => Promise<CallToolResult>,
  theme: "light" | "dark" = "light",
  initialResult?: CallToolResult,
): Promise<HostedView> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const requests: string[] = [];
  await blockNetwork(page, requests);
  await page.exposeFunction("hostCallTool", (n: string, a: Record<string, unknown>) => callTool(n, a));
  await page.setContent(
    `<!doctype html><html><body style="margin:0"><iframe id="view" sandbox="allow-scripts" ` +
      `style="width:1280px;height:900px;border:0"></iframe><script>${await hostJs()}</script></body></html>`,
  );
  await page.evaluate(
    (html: string, t: "light" | "dark", initial: Record<string, unknown> | null) =>
      (globalThis as unknown as HostGlobals).startView(html, t, initial ?? undefined),
    await viewHtml(name),
    theme,
    (initialResult ?? null) as Record<string, unknown> | null,
  );
  const frame = page.frames().find((f) => f !== page.mainFrame());
  if (!frame) throw new Error("the view frame did not load");
  const renders = () => frame.evaluate(renderCount);
  return {
    page,
    frame,
    requests,
    sendToolInput: (args) =>
      page.evaluate((a) => (globalThis as unknown as HostGlobals).host.sendToolInput(a), args),
    sendToolResult: (result) =>
      page.evaluate(
        (r) => (globalThis as unknown as HostGlobals).host.sendToolResult(r),
        result as unknown as Record<string, unknown>,
      ),
    setTheme: (t) =>
      page.evaluate((x: "light" | "dark") => (globalThis as unknown as HostGlobals).host.setTheme(x), t),
    calls: () => page.evaluate(() => (globalThis as unknown as HostGlobals).host.calls),
    renders,
    async firstRenderMs() {
      await frame.waitForFunction(renderedAfter, { timeout: 20_000 }, 0);
      const [started, sent] = await page.evaluate(() => {
        const host = globalThis as unknown as HostGlobals;
        return [host.viewStartedAt, host.resultSentAt];
      });
      const done = await frame.evaluate(() =>
        performance.timeOrigin + performance.getEntriesByName("testio-render-1")[0].startTime
      );
      return { load: done - started, result: done - sent };
    },
    async drawMs(n) {
      const sent = await page.evaluate(() => (globalThis as unknown as HostGlobals).resultSentAt);
      const done = await frame.evaluate(
        (k: number) =>
          performance.timeOrigin + performance.getEntriesByName(`testio-render-${k}`)[0].startTime,
        n,
      );
      return done - sent;
    },
    async waitForRender(count) {
      await frame.waitForFunction(renderedAfter, { timeout: 20_000 }, count);
      return await renders();
    },
    async [Symbol.asyncDispose]() {
      await page.close().catch(() => {});
    },
  };
}

/**
 * The parts of the DOM that tests read inside a page. Tests are type-checked without the DOM library
 * (it clashes with Deno's own declarations), so callbacks run in the page reach `document` through
 * `(globalThis as unknown as PageGlobals).document`.
 */
export interface PageElement {
  id: string;
  value: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/** The page's globals that tests use. */
export interface PageGlobals {
  document: {
    documentElement: PageElement;
    body: PageElement;
    getElementById(id: string): PageElement | null;
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement>;
  };
  getComputedStyle(element: PageElement): { backgroundColor: string };
  scrollTo(x: number, y: number): void;
}

/**
 * Where view tests save a screenshot: `dist/screenshots/` (ignored by git), or `docs/images/` (the
 * README's pictures) when TESTIO_UPDATE_SCREENSHOTS=1.
 */
export async function screenshotPath(name: string): Promise<string> {
  const dir = new URL(
    Deno.env.get("TESTIO_UPDATE_SCREENSHOTS") === "1" ? "../../docs/images/" : "../../dist/screenshots/",
    import.meta.url,
  ).pathname;
  await Deno.mkdir(dir, { recursive: true });
  return `${dir}${name}`;
}
