/**
 * MCP resources: the `testio://playbook` guide (thresholds filled in from settings) and the entity
 * templates `testio://products/{product_id}`, `testio://tests/{test_id}` and `testio://bugs/{bug_id}`,
 * whose contents are the JSON of the matching summary tool. Reads run the summary tools' handlers,
 * so a resource and its tool can never disagree.
 *
 * @example
 * ```ts
 * import type { AppContext } from "./context.ts";
 * import { McpServer } from "./sdk.ts";
 *
 * declare const ctx: AppContext;
 * const server = new McpServer({ name: "testio-mcp", version: "0" });
 * registerResources(server, ctx); // what createMcpServer does
 * ```
 */
import type { z } from "zod";
import type { AppContext } from "./context.ts";
import { ErrorCode, McpError, type McpServer, ResourceTemplate } from "./sdk.ts";
import type { ListResourcesResult, ReadResourceResult, RequestHandlerExtra } from "./sdk.ts";
import type { ServerNotification, ServerRequest } from "./sdk.ts";
import { errorText, type ToolDefinition } from "./tool.ts";
import { NotFoundError } from "../errors.ts";
import { getBugSummaryTool } from "./tools/get_bug_summary.ts";
import { getProductSummaryTool } from "./tools/get_product_summary.ts";
import { getTestSummaryTool } from "./tools/get_test_summary.ts";
import type { Config } from "../config.ts";
import type { Threshold } from "../domain/rates.ts";

/** URI of the playbook resource. */
export const PLAYBOOK_URI = "testio://playbook";

/** How many entities a template's `list` enumerates, newest first. */
export const RESOURCE_LIST_LIMIT = 50;
/** How many ids `complete` suggests. */
export const COMPLETION_LIMIT = 20;

/** JSON-RPC code for an unknown resource (MCP specification). */
const RESOURCE_NOT_FOUND = -32002;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

function thresholdLine(name: string, t: Threshold): string {
  const side = t.direction === "above" ? "≥" : "≤";
  return `| ${name} | ${t.direction === "above" ? "above is bad" : "below is bad"} | ${side} ${
    pct(t.warning)
  } | ${side} ${pct(t.critical)} |`;
}

/** The playbook markdown for the thresholds in force. */
export function playbookMarkdown(config: Pick<Config, "thresholds" | "cacheTtlSeconds">): string {
  const t = config.thresholds;
  return `# Reading TestIO quality data

## Bug outcomes
Every bug ends up in one of four classes:
- **open**: status \`forwarded\`, waiting for the customer's review;
- **active accepted**: the customer accepted it;
- **auto accepted**: nobody reviewed it in time, so TestIO accepted it automatically;
- **rejected**: the customer rejected it (the rejection reason says why, when it is known).

## The five rates
| Rate | Formula | Reads as |
|---|---|---|
| active_acceptance_rate | active / total | share of bugs the customer confirmed |
| overall_acceptance_rate | (active + auto) / total | share of bugs that count as valid |
| rejection_rate | rejected / total | noise: invalid, duplicate or out-of-scope reports |
| review_rate | (active + rejected) / total | how much the customer actually looks at |
| auto_acceptance_rate | auto / (active + auto) | accepted without a human decision |

A rate is \`null\` when there is nothing to divide by (no bugs, or nothing accepted): "no data" is
not "0 %". Compare rates only between periods or tests with a meaningful number of bugs (say 20+).

## Health thresholds in force
Boundaries count as the worse level.

| Indicator | Direction | Warning | Critical |
|---|---|---|---|
${thresholdLine("rejection_rate", t.rejection_rate)}
${thresholdLine("auto_acceptance_rate", t.auto_acceptance_rate)}
${thresholdLine("review_rate", t.review_rate)}

- A high **rejection rate** means testers report things the customer does not want: unclear
  instructions, a wrong scope, known bugs reported again, or low-quality testers.
- A high **auto-acceptance rate** means the customer's team is not reviewing: accepted bugs are
  not confirmed and may hide noise.
- A low **review rate** means bugs pile up unreviewed (many open or auto-accepted bugs).

## Triage of a noisy test
1. \`get_test_summary\` for the test: compare its rates with the product's (\`get_product_summary\`).
2. \`list_bugs\` with \`test_ids\` and \`statuses: rejected\`: read the \`rejection_reason\` mix.
   - mostly \`known_bug\`: share the known-bugs list with testers before the next cycle;
   - mostly \`ignored_instructions\` or \`intended_behavior\`: rewrite the instructions and
     out-of-scope text of the test;
   - mostly \`not_reproducible\`: ask for better steps or videos;
   - \`device_not_relevant\` / \`irrelevant\`: narrow the platforms or the features in scope.
3. \`list_bugs\` with \`reported_by\` and \`get_user_summary\` to see whether a few testers cause most
   rejections.
4. \`query_metrics\` (e.g. feature × rejection_rate) to see whether the noise sits in one feature.
Always cite the bug ids you base a conclusion on.

## Freshness
Answers come from a local cache; each carries \`data_as_of\`. Running tests and their bugs are
refreshed when older than ${config.cacheTtlSeconds} s; \`sync_data\` refreshes everything on demand.
`;
}

/** Runs a summary tool's handler for a template read and returns its data as JSON contents. */
async function readSummary(
  ctx: AppContext,
  tool: ToolDefinition,
  args: Record<string, unknown>,
  uri: URL,
  extra: Extra,
): Promise<ReadResourceResult> {
  let data: z.input<typeof tool.output>;
  try {
    data = await tool.handler(tool.input.parse(args), {
      ctx,
      signal: extra.signal,
      progress: () => Promise.resolve(),
    });
  } catch (err) {
    throw new McpError(
      err instanceof NotFoundError ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams,
      errorText(err, tool.name, ctx.log),
    );
  }
  return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(data) }] };
}

/** A URI template variable as one string (the SDK hands lists for exploded variables). */
function variable(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value[0] ?? "" : value ?? "";
}

/** An entity template `testio://<name>s/{<name>_id}` whose contents are the JSON of a summary tool. */
interface SummaryTemplate {
  name: "product" | "test" | "bug";
  title: string;
  tool: ToolDefinition;
  /** The entities `list` enumerates, newest first. */
  recent(): { id: number; name: string; description: string }[];
  /** Ids `complete` suggests for a typed prefix. */
  idsStartingWith(prefix: string): number[];
}

function registerSummaryTemplate(server: McpServer, ctx: AppContext, t: SummaryTemplate): void {
  const base = `testio://${t.name}s`;
  const idVar = `${t.name}_id`;
  server.registerResource(
    t.name,
    new ResourceTemplate(`${base}/{${idVar}}`, {
      list: (): ListResourcesResult => ({
        resources: t.recent().map((e) => ({
          uri: `${base}/${e.id}`,
          name: e.name,
          description: e.description,
          mimeType: "application/json",
        })),
      }),
      complete: { [idVar]: (value) => t.idsStartingWith(value).map(String) },
    }),
    { title: t.title, description: `JSON of ${t.tool.name} for one ${t.name}`, mimeType: "application/json" },
    (uri, vars, extra) => readSummary(ctx, t.tool, { [idVar]: variable(vars[idVar]) }, uri, extra),
  );
}

/** Registers the playbook and the entity templates on `server`. */
export function registerResources(server: McpServer, ctx: AppContext): void {
  const { repos } = ctx;
  const scope = ctx.config.productIds;

  server.registerResource("playbook", PLAYBOOK_URI, {
    title: "Quality data playbook",
    description:
      "How to read TestIO bug outcomes, rates and health thresholds, and how to triage noisy tests",
    mimeType: "text/markdown",
  }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: "text/markdown", text: playbookMarkdown(ctx.config) }],
  }));

  registerSummaryTemplate(server, ctx, {
    name: "product",
    title: "Product summary",
    tool: getProductSummaryTool,
    recent: () =>
      repos.products.list({
        ids: scope,
        sortBy: "last_synced",
        sortOrder: "desc",
        limit: RESOURCE_LIST_LIMIT,
        offset: 0,
      }).rows.map((p) => ({
        id: p.id,
        name: p.name,
        description: `${p.type ?? "product"}: ${p.test_count} tests, ${p.bug_count} bugs`,
      })),
    idsStartingWith: (prefix) =>
      repos.products.idsStartingWith(prefix, COMPLETION_LIMIT).filter((id) =>
        scope === null || scope.includes(id)
      ),
  });
  registerSummaryTemplate(server, ctx, {
    name: "test",
    title: "Test summary",
    tool: getTestSummaryTool,
    recent: () =>
      repos.tests.recent(RESOURCE_LIST_LIMIT, scope).map((t) => ({
        id: t.id,
        name: t.title,
        description: `Test ${t.id} (${t.status}) of product ${t.product_id}, ends ${t.end_at ?? "unknown"}`,
      })),
    idsStartingWith: (prefix) => repos.tests.idsStartingWith(prefix, COMPLETION_LIMIT),
  });
  registerSummaryTemplate(server, ctx, {
    name: "bug",
    title: "Bug summary",
    tool: getBugSummaryTool,
    recent: () =>
      repos.bugs.recent({}, RESOURCE_LIST_LIMIT).map((b) => ({
        id: b.id,
        name: b.title,
        description: `Bug ${b.id}: ${b.severity ?? "unknown severity"}, ${b.status}`,
      })),
    idsStartingWith: (prefix) => repos.bugs.idsStartingWith(prefix, COMPLETION_LIMIT),
  });
}
