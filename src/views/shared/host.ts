/**
 * How a view meets its host: connects ext-apps' `App` to the host frame, follows the host's theme
 * (and its style variables), and turns tool results into data or readable errors. When the page is
 * not in a host (the standalone report), the view gets its data from the page itself and follows the
 * browser's light/dark preference.
 */
import "./zod_config.ts";
import {
  App,
  applyDocumentTheme,
  applyHostStyleVariables,
  type McpUiHostContext,
} from "@modelcontextprotocol/ext-apps";
import { recolorCharts } from "./charts.ts";

/** A tool result as the view sees it. */
export interface ToolOutcome {
  data: Record<string, unknown> | null;
  /** The tool's three-part error text, when it failed. */
  error: string | null;
}

/** Reads a CallToolResult: structuredContent, else the JSON text (some hosts drop structuredContent). */
export function outcomeOf(result: {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: { type: string; text?: string }[];
}): ToolOutcome {
  const text = (result.content ?? []).filter((c) => c.type === "text").map((c) => c.text ?? "").join("\n");
  if (result.isError) return { data: null, error: text || "The tool failed" };
  if (result.structuredContent) return { data: result.structuredContent, error: null };
  try {
    return { data: JSON.parse(text) as Record<string, unknown>, error: null };
  } catch {
    return { data: null, error: text || "The tool returned no data" };
  }
}

function applyTheme(ctx: McpUiHostContext | undefined): void {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  const vars = ctx?.styles?.variables;
  if (vars) applyHostStyleVariables(vars);
  recolorCharts();
}

/** Follows the browser's colour-scheme preference (standalone pages). */
export function followSystemTheme(): void {
  const query = matchMedia("(prefers-color-scheme: dark)");
  const set = () => {
    applyDocumentTheme(query.matches ? "dark" : "light");
    recolorCharts();
  };
  set();
  query.addEventListener("change", set);
}

/** The data embedded in a standalone page, if any. */
export function embeddedData(): Record<string, unknown> | null {
  const el = document.getElementById("testio-data");
  if (!el?.textContent) return null;
  return JSON.parse(el.textContent) as Record<string, unknown>;
}

/** Creates the view's `App`, wires theme following, and connects to the host. */
export async function connectToHost(
  name: string,
  handlers: {
    onResult(outcome: ToolOutcome): void;
    onInput?(args: Record<string, unknown>): void;
  },
): Promise<App> {
  const app = new App({ name, version: "1.0.0" }, {}, { autoResize: true });
  app.ontoolinput = (p) => handlers.onInput?.(p.arguments ?? {});
  app.ontoolresult = (p) => handlers.onResult(outcomeOf(p));
  app.onhostcontextchanged = () => applyTheme(app.getHostContext());
  await app.connect();
  applyTheme(app.getHostContext());
  return app;
}

/** Calls one of our tools through the host. */
export async function callTool(app: App, name: string, args: Record<string, unknown>): Promise<ToolOutcome> {
  try {
    return outcomeOf(await app.callServerTool({ name, arguments: args }));
  } catch (err) {
    return { data: null, error: `${name} could not be called through the host: ${(err as Error).message}` };
  }
}
