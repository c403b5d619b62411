/**
 * `sync_data`: refreshes the cache from the TestIO API now, through the server's scheduler (so it waits
 * for the sync lock like any sync), with MCP progress notifications and cancellation.
 */
import { z } from "zod";
import { idListArg } from "../args.ts";
import { defineTool, prose } from "../tool.ts";
import { InputError } from "../../errors.ts";
import { ProgressTracker } from "../../sync/progress.ts";
import { parseSince } from "../../sync/scope.ts";

const input = z.object({
  product_ids: idListArg("product_ids").optional().describe(
    'product_ids: only these products (array, "1,2" or "[1,2]"); default: every product in scope',
  ),
  since: z.string().trim().min(1, "'since' must not be empty").max(100).optional().describe(
    "since: only tests ending on/after this date (2025-01-31, 'last 90 days', …), or 'all' for a full " +
      "sync of everything; default: TESTIO_SYNC_SINCE",
  ),
  mode: z.enum(["incremental", "full"], { error: "'mode' must be incremental or full" }).default(
    "incremental",
  )
    .describe("mode: incremental (new tests and stale data, the default) or full (every page and every bug)"),
}).strict();

const output = z.object({
  status: z.enum(["completed", "completed_with_warnings", "failed", "cancelled"]),
  event_id: z.number().int().nullable(),
  products_synced: z.number().int(),
  features_synced: z.number().int(),
  user_stories_synced: z.number().int(),
  tests_discovered: z.number().int(),
  tests_updated: z.number().int(),
  bugs_synced: z.number().int(),
  requests_made: z.number().int(),
  duration_ms: z.number().int(),
  warnings: z.array(z.string()),
  error: z.string().optional(),
});

export const syncDataTool = defineTool({
  name: "sync_data",
  title: "Sync data from TestIO",
  description: prose`Refresh the local cache from the TestIO API now. Incremental by default: new tests,
    tests and bugs older than the cache TTL, and stale features. Use \`mode: full\` (or \`since: "all"\`) to
    re-read everything, \`product_ids\` to limit it, \`since\` to skip tests that ended before a date. Other
    tools already refresh what they read, so call this only when the user asks for fresh data or a product's
    tests were never synced. Reports counts, API requests, duration and warnings.`,
  input,
  output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, { ctx, signal, progress }) {
    let mode = args.mode;
    if (args.since !== undefined) {
      try {
        if (parseSince(args.since, ctx.now()).all) mode = "full";
      } catch (err) {
        if (err instanceof InputError) {
          throw new InputError(`'since': ${err.message}`, { hint: err.hint, action: err.action, cause: err });
        }
        throw err;
      }
    }
    const tracker = new ProgressTracker();
    return await ctx.sync.run({
      mode,
      since: args.since,
      productIds: args.product_ids,
      trigger: "mcp",
      signal,
      onProgress: (p) => {
        const o = tracker.update(p);
        // Notifications are best effort: a client that went away must not fail the sync.
        progress(o.progress, o.total, o.message).catch(() => {});
      },
    });
  },
});
