/**
 * The MCP App views (the `io.modelcontextprotocol/ui` extension): two `ui://` HTML resources that
 * hosts supporting MCP Apps show beside the answers of the tools that link them through
 * `_meta.ui.resourceUri`. Each view is one self-contained HTML document built from `src/views/` by
 * `deno task views` and embedded here through a text import, so the bundle and the compiled binary
 * carry it.
 *
 * @example
 * ```ts
 * import type { McpServer } from "./sdk.ts";
 *
 * declare const server: McpServer;
 * registerViews(server); // resources/read ui://testio-mcp/quality-dashboard → text/html;profile=mcp-app
 * viewToolMeta(QUALITY_DASHBOARD_URI); // { ui: { resourceUri: "ui://…" }, "ui/resourceUri": "ui://…" }
 * ```
 */
import {
  registerAppResource,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "./sdk.ts";
import dashboardHtml from "../../assets/views/quality-dashboard.html" with { type: "text" };
import explorerHtml from "../../assets/views/metrics-explorer.html" with { type: "text" };

/** The quality dashboard, linked from generate_quality_report and get_product_summary. */
export const QUALITY_DASHBOARD_URI = "ui://testio-mcp/quality-dashboard";
/** The metrics explorer, linked from query_metrics. */
export const METRICS_EXPLORER_URI = "ui://testio-mcp/metrics-explorer";

/** A view as the server serves it. */
export interface View {
  uri: string;
  name: string;
  title: string;
  description: string;
  html: string;
}

/** Every view, with its embedded HTML. */
export const VIEWS: readonly View[] = [
  {
    uri: QUALITY_DASHBOARD_URI,
    name: "quality-dashboard",
    title: "Quality dashboard",
    description: "Health against the thresholds, bug outcomes and rates per month, the features and " +
      "testers behind rejections; switch product and period, drill down to a test",
    html: dashboardHtml,
  },
  {
    uri: METRICS_EXPLORER_URI,
    name: "metrics-explorer",
    title: "Metrics explorer",
    description: "The rows of query_metrics as the chart its chart_hint proposes, with a table; change " +
      "dimension and metric in place",
    html: explorerHtml,
  },
];

/**
 * The `_meta` a tool advertises in tools/list to link its view: the nested `ui.resourceUri` of the
 * current specification plus the flat key older hosts read (what ext-apps' `registerAppTool` sets;
 * our tools/list is served by our own handler, so the helper cannot register them itself).
 */
export function viewToolMeta(uri: string): Record<string, unknown> {
  return { ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri };
}

/** Registers every view as a `text/html;profile=mcp-app` resource. */
export function registerViews(server: McpServer): void {
  for (const view of VIEWS) {
    // ext-apps declares this as the SDK's ResourceMetadata, whose declaration Deno cannot reach through
    // the SDK's subpath exports (see sdk.ts): only `_meta` survives, so the fields are passed through.
    const metadata = {
      title: view.title,
      description: view.description,
      mimeType: RESOURCE_MIME_TYPE,
    } as unknown as Parameters<typeof registerAppResource>[3];
    registerAppResource(
      server,
      view.name,
      view.uri,
      metadata,
      () => ({
        contents: [{
          uri: view.uri,
          mimeType: RESOURCE_MIME_TYPE,
          text: view.html,
          // Nothing is fetched from the network: an empty CSP allow-list says so to the host.
          _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } },
        }],
      }),
    );
  }
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no HTML comment openers). */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

/**
 * The quality dashboard as a standalone page: the view's own HTML with the report embedded, which the
 * view draws without a host (same charts and tables, the browser's light/dark preference, no
 * switching or drill-down). Readable offline in any browser.
 */
export function standaloneDashboardHtml(report: Record<string, unknown>, title: string): string {
  const escapedTitle = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return dashboardHtml
    .replace(/<title>[^<]*<\/title>/, () => `<title>${escapedTitle}</title>`)
    .replace(
      "<script>",
      () => `<script id="testio-data" type="application/json">${scriptJson(report)}</script>\n<script>`,
    );
}
