/**
 * Every tool of the catalog, in the order `tools/list` shows them, and the selection by
 * TESTIO_ENABLED_TOOLS / TESTIO_DISABLED_TOOLS.
 */
import type { Config } from "../../config.ts";
import { ConfigError } from "../../errors.ts";
import type { ToolDefinition } from "../tool.ts";
import { generateQualityReportTool } from "./generate_quality_report.ts";
import { getAnalyticsCapabilitiesTool } from "./get_analytics_capabilities.ts";
import { getBugSummaryTool } from "./get_bug_summary.ts";
import { getFeatureSummaryTool } from "./get_feature_summary.ts";
import { getProblematicTestsTool } from "./get_problematic_tests.ts";
import { getProductSummaryTool } from "./get_product_summary.ts";
import { getServerDiagnosticsTool } from "./get_server_diagnostics.ts";
import { getTestSummaryTool } from "./get_test_summary.ts";
import { getUserSummaryTool } from "./get_user_summary.ts";
import { listBugsTool } from "./list_bugs.ts";
import { listFeaturesTool } from "./list_features.ts";
import { listProductsTool } from "./list_products.ts";
import { listTestsTool } from "./list_tests.ts";
import { listUserStoriesTool } from "./list_user_stories.ts";
import { listUsersTool } from "./list_users.ts";
import { queryMetricsTool } from "./query_metrics.ts";
import { searchTool } from "./search.ts";
import { syncDataTool } from "./sync_data.ts";

/** All tools, discover → summarise → analyse. */
export const ALL_TOOLS: readonly ToolDefinition[] = [
  listProductsTool,
  listTestsTool,
  listFeaturesTool,
  listUserStoriesTool,
  listBugsTool,
  listUsersTool,
  getProductSummaryTool,
  getTestSummaryTool,
  getFeatureSummaryTool,
  getBugSummaryTool,
  getUserSummaryTool,
  generateQualityReportTool,
  queryMetricsTool,
  getAnalyticsCapabilitiesTool,
  searchTool,
  syncDataTool,
  getServerDiagnosticsTool,
  getProblematicTestsTool,
];

/**
 * The tools to register under the settings. Unknown names in either list are a settings error,
 * so a typo does not silently expose or hide a tool.
 */
export function selectTools(config: Pick<Config, "enabledTools" | "disabledTools">): ToolDefinition[] {
  const known = new Set(ALL_TOOLS.flatMap((t) => [t.name, ...(t.aliases ?? [])]));
  const unknown = [...config.enabledTools, ...config.disabledTools].filter((n) => !known.has(n));
  if (unknown.length) {
    throw new ConfigError([
      `TESTIO_ENABLED_TOOLS/TESTIO_DISABLED_TOOLS: unknown tool name(s) ${unknown.join(", ")}; known: ${
        ALL_TOOLS.map((t) => t.name).join(", ")
      }`,
    ]);
  }
  const matches = (t: ToolDefinition, names: readonly string[]) =>
    names.includes(t.name) || (t.aliases ?? []).some((a) => names.includes(a));
  if (config.enabledTools.length) return ALL_TOOLS.filter((t) => matches(t, config.enabledTools));
  return ALL_TOOLS.filter((t) => !matches(t, config.disabledTools));
}
