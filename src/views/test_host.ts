/**
 * The host side of the view tests and the render benchmark (not part of any view), bundled into the
 * test page: ext-apps' own `AppBridge` talks to the view in a sandboxed iframe over postMessage,
 * exactly as an MCP Apps host does. Tool calls the view makes are handed to the test (`hostCallTool`,
 * exposed by puppeteer), which forwards them to the real MCP server; every call is recorded in
 * `host.calls`.
 */
// A real host runs in a process of its own; this one shares the view's thread, so it parses without
// Zod's compiled fast path too, whose compiling would otherwise be counted against the view.
import "./shared/zod_config.ts";
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { McpUiHostContext } from "@modelcontextprotocol/ext-apps/app-bridge";

interface ToolCallRecord {
  name: string;
  arguments: Record<string, unknown>;
}

interface HostApi {
  calls: ToolCallRecord[];
  sendToolInput(args: Record<string, unknown>): Promise<void>;
  sendToolResult(result: Record<string, unknown>): Promise<void>;
  setTheme(theme: "light" | "dark"): Promise<void>;
}

/** What the test page's global object carries: puppeteer's exposed function and this module's API. */
interface HostGlobals {
  hostCallTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Loads the view; `initialResult` is sent as soon as the view is initialised, as a host does. */
  startView(html: string, theme: "light" | "dark", initialResult?: Record<string, unknown>): Promise<void>;
  /**
   * Epoch ms when startView began, and when the host last sent a tool result (for the render
   * benchmark).
   */
  viewStartedAt: number;
  resultSentAt: number;
  host: HostApi;
}
const page = globalThis as unknown as HostGlobals;

page.startView = async (html, theme, initialResult) => {
  page.viewStartedAt = performance.timeOrigin + performance.now();
  const iframe = document.getElementById("view") as HTMLIFrameElement;
  const hostContext: McpUiHostContext = { theme, displayMode: "inline" };
  const bridge = new AppBridge(null, { name: "view-test-host", version: "1.0.0" }, { serverTools: {} }, {
    hostContext,
  });
  const calls: ToolCallRecord[] = [];
  bridge.oncalltool = async (params) => {
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    calls.push({ name: params.name, arguments: args });
    return await page.hostCallTool(params.name, args) as Awaited<
      ReturnType<NonNullable<AppBridge["oncalltool"]>>
    >;
  };
  const initialized = new Promise<void>((resolve) => {
    bridge.oninitialized = () => resolve();
  });
  // The frame's window proxy survives the navigation to srcdoc, so the bridge listens before the
  // view's script starts and sends ui/initialize.
  await bridge.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  iframe.srcdoc = html;
  await initialized;
  page.resultSentAt = performance.timeOrigin + performance.now();
  if (initialResult) await bridge.sendToolResult(initialResult as Parameters<AppBridge["sendToolResult"]>[0]);
  page.host = {
    calls,
    sendToolInput: (args) => bridge.sendToolInput({ arguments: args }),
    sendToolResult: (result) => {
      page.resultSentAt = performance.timeOrigin + performance.now();
      return bridge.sendToolResult(result as Parameters<AppBridge["sendToolResult"]>[0]);
    },
    setTheme: async (t) => {
      await bridge.sendHostContextChange({ theme: t });
    },
  };
};
