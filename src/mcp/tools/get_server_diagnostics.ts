/**
 * `get_server_diagnostics`: is the server healthy? Version and uptime, API reachability, cache
 * size and contents, and how syncs have been going.
 */
import { z } from "zod";
import { boolArg } from "../args.ts";
import { defineTool, prose, READ_ONLY_REFRESHING } from "../tool.ts";
import { warningsIf, warningsSchema } from "../answer.ts";
import type { AppContext } from "../context.ts";
import { SYNC_STATUSES } from "../../db/repos/sync_events.ts";
import { errorMessage } from "../../errors.ts";

/** How long the API probe may take before the API counts as unreachable. */
const API_PROBE_TIMEOUT_MS = 5_000;
/** Warnings shown per sync event; the rest are counted, to keep the answer small. */
const EVENT_WARNINGS_SHOWN = 3;

const input = z.object({
  include_sync_events: boolArg("include_sync_events").default(false).describe(
    "include_sync_events: also list the most recent sync runs (default false)",
  ),
  sync_event_limit: z.coerce.number({ error: "'sync_event_limit' must be 1–50" }).int(
    "'sync_event_limit' must be 1–50",
  ).min(1, "'sync_event_limit' must be 1–50").max(50, "'sync_event_limit' must be 1–50").default(5)
    .describe("sync_event_limit: how many recent sync runs to list, 1–50 (default 5)"),
}).strict();

const event = z.object({
  id: z.number().int(),
  trigger: z.string(),
  mode: z.string(),
  status: z.enum(SYNC_STATUSES),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  product_ids: z.array(z.number().int()),
  counters: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
  warnings_count: z.number().int(),
  error: z.string().nullable(),
});

const output = z.object({
  server: z.object({
    version: z.string(),
    schema_version: z.number().int(),
    uptime_s: z.number().int(),
    transport: z.enum(["stdio", "http"]),
  }),
  api: z.object({
    base_url: z.string(),
    reachable: z.boolean(),
    latency_ms: z.number().nullable(),
    status: z.number().int().nullable().describe("HTTP status of the probe, when one came back"),
    checked_at: z.string(),
  }),
  database: z.object({
    path: z.string(),
    size_bytes: z.number().int(),
    products: z.number().int(),
    tests: z.number().int(),
    bugs: z.number().int(),
    features: z.number().int(),
    user_stories: z.number().int(),
    users: z.number().int(),
  }),
  sync: z.object({
    last_completed_at: z.string().nullable(),
    last_status: z.enum(SYNC_STATUSES).nullable(),
    running: z.boolean(),
    failures_24h: z.number().int(),
    successes_24h: z.number().int(),
    circuit_open: z.boolean(),
  }),
  events: z.array(event).optional(),
  warnings: warningsSchema,
});

/**
 * Probes the API, never throwing. The race with the abort signal bounds the wait even if a probe
 * ignores its signal: diagnostics must answer when the network hangs.
 */
async function probeApi(ctx: AppContext, signal: AbortSignal) {
  const checked_at = ctx.now().toISOString();
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(API_PROBE_TIMEOUT_MS)]);
  const gave_up = Promise.withResolvers<never>();
  const onAbort = () => gave_up.reject(new Error(`no answer within ${API_PROBE_TIMEOUT_MS} ms`));
  bounded.addEventListener("abort", onAbort, { once: true });
  try {
    const r = await Promise.race([ctx.api.check(bounded), gave_up.promise]);
    return { ...r, checked_at, error: null };
  } catch (err) {
    return { reachable: false, latency_ms: null, status: null, checked_at, error: errorMessage(err) };
  } finally {
    bounded.removeEventListener("abort", onAbort);
  }
}

export const getServerDiagnosticsTool = defineTool({
  name: "get_server_diagnostics",
  title: "Server diagnostics",
  description: prose`Health of this server: version, schema version, uptime and transport; whether the
    TestIO API answers (and how fast); the cache file, its size and how many products, tests, bugs, features
    and users it holds; the last sync, whether one is running, successes and failures in the last 24 h, and
    whether start-up syncs are paused after repeated failures. Use it when answers look stale or empty, or a
    tool reports an API error. \`include_sync_events\` lists recent sync runs (\`sync_event_limit\`, 1–50).`,
  input,
  output,
  annotations: READ_ONLY_REFRESHING,
  async handler(args, { ctx, signal }) {
    const { repos, config } = ctx;
    const now = ctx.now();
    const api = await probeApi(ctx, signal);
    const file = repos.file();
    const last = repos.syncEvents.recent(1)[0];
    const outcomes = repos.syncEvents.outcomesSince(new Date(now.getTime() - 86_400_000).toISOString());
    const warnings: string[] = [];
    if (!api.reachable) {
      warnings.push(
        `The TestIO API did not answer${api.status ? ` (HTTP ${api.status})` : ""}${
          api.error ? `: ${api.error}` : ""
        }; cached data stays available`,
      );
    }
    if (repos.products.count() === 0) {
      warnings.push("The cache is empty: call sync_data (or wait for the start-up sync)");
    }
    return {
      server: {
        version: ctx.version,
        schema_version: file.schema_version,
        uptime_s: Math.max(0, Math.floor((now.getTime() - ctx.startedAt.getTime()) / 1000)),
        transport: ctx.transport,
      },
      api: {
        base_url: config.baseUrl,
        reachable: api.reachable,
        latency_ms: api.latency_ms,
        status: api.status,
        checked_at: api.checked_at,
      },
      database: {
        path: file.path,
        size_bytes: file.size_bytes,
        ...repos.counts(),
      },
      sync: {
        last_completed_at: repos.syncEvents.lastCompleted()?.finished_at ?? null,
        last_status: last?.status ?? null,
        running: ctx.sync.running,
        failures_24h: outcomes.failures,
        successes_24h: outcomes.successes,
        circuit_open: ctx.sync.circuitOpen,
      },
      ...(args.include_sync_events
        ? {
          events: repos.syncEvents.recent(args.sync_event_limit).map((e) => ({
            id: e.id,
            trigger: e.trigger,
            mode: e.mode,
            status: e.status,
            started_at: e.started_at,
            finished_at: e.finished_at,
            duration_ms: e.duration_ms,
            product_ids: e.product_ids,
            counters: e.counters,
            warnings: e.warnings.slice(0, EVENT_WARNINGS_SHOWN),
            warnings_count: e.warnings.length,
            error: e.error,
          })),
        }
        : {}),
      ...warningsIf(warnings),
    };
  },
});
