/**
 * The MCP server factory: registers the selected tools (plus resources and prompts) on an SDK
 * `McpServer` and returns it with its cleanup. Transports are attached by the caller.
 *
 * Tools are served through our own `tools/list` and `tools/call` handlers rather than
 * `McpServer.registerTool`, so that argument errors come back as the three-part message of
 * docs/contract.md (the SDK's would be a bare validation dump) and so lenient inputs (ids as strings, CSV
 * lists) are described accurately in the advertised JSON Schema.
 *
 * @example
 * ```ts
 * import type { AppContext } from "./context.ts";
 * import { StdioServerTransport } from "./sdk.ts";
 *
 * declare const ctx: AppContext;
 * const { server, cleanup } = createMcpServer(ctx);
 * await server.connect(new StdioServerTransport());
 * await cleanup();
 * ```
 */
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, McpServer } from "./sdk.ts";
import type { CallToolResult, Tool } from "./sdk.ts";
import type { AppContext } from "./context.ts";
import { dataResult, errorResult, type ToolDefinition, toolJsonSchemas } from "./tool.ts";
import { selectTools } from "./tools/index.ts";
import { registerResources } from "./resources.ts";
import { registerPrompts } from "./prompts.ts";

/** Server instructions: the tool taxonomy and how freshness works. */
export const INSTRUCTIONS =
  `testio-mcp answers questions about TestIO testing data (products, features, user stories,
tests, bugs, testers) from a local cache that is synced from the TestIO Customer API.

How to use the tools:
1. Discover: list_products gives product ids; list_tests, list_features, list_user_stories, list_bugs and
   list_users page through a product's entities (page/per_page, exact total_count, has_more).
2. Summarise: get_test_summary (how is test N going?), get_product_summary, get_feature_summary,
   get_bug_summary and get_user_summary describe one entity.
3. Analyse: generate_quality_report (rates and health for products or tests), query_metrics (counts and
   rates grouped by up to two dimensions such as feature × month) and search (full text).

Freshness: every answer carries data_as_of (the oldest sync time behind it). Tools that read tests and
bugs refresh stale running tests from TestIO first; if that fails they answer from the cache and add a
warning. sync_data refreshes the cache on demand. "Open" bugs are bugs in status forwarded. Rates are
null, not 0, when there is nothing to divide by.`;

/** Options of {@link createMcpServer}. */
export interface ServerOptions {
  /** Override the tool set (tests); default: the catalog filtered by settings. */
  tools?: readonly ToolDefinition[];
}

/** Builds the MCP server for `ctx`. */
export function createMcpServer(ctx: AppContext, options: ServerOptions = {}): {
  server: McpServer;
  cleanup: () => Promise<void>;
} {
  const server = new McpServer(
    { name: "testio-mcp", title: "TestIO MCP", version: ctx.version },
    { capabilities: { tools: { listChanged: false }, logging: {} }, instructions: INSTRUCTIONS },
  );
  const tools = options.tools ?? selectTools(ctx.config);
  const byName = new Map<string, ToolDefinition>();
  for (const t of tools) {
    byName.set(t.name, t);
    for (const alias of t.aliases ?? []) byName.set(alias, t);
  }
  const listing: Tool[] = [...byName.entries()].map(([name, t]) =>
    ({
      name,
      title: t.title,
      description: name === t.name ? t.description : `Alias of ${t.name}. ${t.description}`,
      ...toolJsonSchemas(t),
      annotations: { title: t.title, ...t.annotations },
    }) as Tool
  );

  registerResources(server, ctx);
  registerPrompts(server, ctx);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
    const started = performance.now();
    const progressToken = request.params._meta?.progressToken;
    try {
      const args = tool.input.parse(request.params.arguments ?? {});
      const data = await tool.handler(args, {
        ctx,
        signal: extra.signal,
        progress: async (progress, total, message) => {
          if (progressToken === undefined) return;
          await extra.sendNotification({
            method: "notifications/progress",
            params: {
              progressToken,
              progress,
              ...(total !== undefined ? { total } : {}),
              ...(message ? { message } : {}),
            },
          });
        },
      });
      return dataResult(data as Record<string, unknown>);
    } catch (err) {
      return errorResult(err, tool.name, ctx.log);
    } finally {
      ctx.log.debug("tool call", {
        tool: tool.name,
        ms: Math.round((performance.now() - started) * 100) / 100,
      });
    }
  });

  return { server, cleanup: () => server.close() };
}
