/**
 * `sync`: runs a sync in the foreground with a progress bar on a terminal (plain progress lines
 * otherwise) and a summary on stderr; `--json` prints the summary on stdout. `--dry-run` shows what
 * would be fetched, `--status` what the cache holds. Exit codes: 0 completed (with or without
 * warnings), 1 failed or cancelled, 2 bad arguments, 3 another sync holds the lock.
 */
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { commandLogger, openApp, openCache, SYNC_CACHE_MIB } from "../app.ts";
import { type Config, loadConfig, parseIdList } from "../config.ts";
import { confineDatabasePath, setAsideDatabase } from "../db/database.ts";
import { acquireSyncLock } from "../sync/lock.ts";
import { InputError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DryRunReport } from "../sync/engine.ts";
import { progressPrinter, ProgressTracker } from "../sync/progress.ts";
import { parseSince } from "../sync/scope.ts";
import { formatStatus, syncStatus } from "../sync/status.ts";
import type { SyncMode, SyncSummary } from "../sync/types.ts";

const FLAGS = {
  "product-ids": { type: "string" },
  since: { type: "string" },
  force: { type: "boolean", default: false },
  "dry-run": { type: "boolean", default: false },
  status: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  wait: { type: "string" },
  rebuild: { type: "boolean", default: false },
} as const;

/** The validated flags of `sync`. */
interface SyncFlags {
  productIds: number[] | undefined;
  since: string | undefined;
  mode: SyncMode;
  dryRun: boolean;
  status: boolean;
  json: boolean;
  lockWaitMs: number | undefined;
  envFile: string | undefined;
  help: boolean;
  rebuild: boolean;
}

function parseSyncFlags(args: string[]): SyncFlags {
  const { values } = parseFlags("sync", args, FLAGS);
  let productIds: number[] | undefined;
  if (values["product-ids"] !== undefined) {
    const ids = parseIdList(values["product-ids"]);
    if (!ids?.length) {
      throw new InputError(
        `sync: --product-ids must list positive integer ids: got '${values["product-ids"]}'`,
        {
          action: "Pass ids like --product-ids 598,1024",
        },
      );
    }
    productIds = ids;
  }
  const since = values.since === undefined ? undefined : parseSince(values.since);
  let lockWaitMs: number | undefined;
  if (values.wait !== undefined) {
    const seconds = Number(values.wait);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
      throw new InputError(`sync: --wait must be 0–3600 seconds: got '${values.wait}'`);
    }
    lockWaitMs = seconds * 1000;
  }
  if (values.status && values["dry-run"]) {
    throw new InputError("sync: --status and --dry-run cannot be combined", {
      action: "Pass one of them",
    });
  }
  if (values.rebuild && (values.status || values["dry-run"] || values["product-ids"] !== undefined)) {
    throw new InputError("sync: --rebuild cannot be combined with --status, --dry-run or --product-ids", {
      action: "Run sync --rebuild alone: it rebuilds the whole cache",
    });
  }
  return {
    productIds,
    since: values.since,
    mode: values.force || values.rebuild || since?.all ? "full" : "incremental",
    dryRun: values["dry-run"],
    status: values.status,
    json: values.json,
    lockWaitMs,
    envFile: values["env-file"],
    help: values.help ?? false,
    rebuild: values.rebuild,
  };
}

/** A logger for a foreground sync: the summary is the info-level output, so info lines are dropped. */
function cliLogger(config: Config, io: CliIO): Logger {
  return commandLogger(config, {
    level: config.logLevel === "debug" ? "debug" : "warn",
    sink: (line) => io.stderr(`${line}\n`),
  });
}

/** The summary of a run for a person. */
export function formatSummary(s: SyncSummary): string {
  const lines = [
    `Sync ${s.status} in ${(s.duration_ms / 1000).toFixed(1)} s${
      s.event_id === null ? "" : ` (event #${s.event_id})`
    }: ` +
    `${s.products_synced} products, ${s.features_synced} features, ${s.user_stories_synced} user stories, ` +
    `${s.tests_discovered} new tests, ${s.tests_updated} tests updated, ${s.bugs_synced} bugs, ` +
    `${s.requests_made} API requests`,
  ];
  if (s.error) lines.push(`Error: ${s.error}`);
  if (s.warnings.length) {
    lines.push(`Warnings (${s.warnings.length}):`);
    for (const w of s.warnings.slice(0, 20)) lines.push(`  - ${w}`);
    if (s.warnings.length > 20) lines.push(`  … and ${s.warnings.length - 20} more (see the sync event)`);
  }
  return lines.join("\n") + "\n";
}

function formatDryRun(r: DryRunReport): string {
  const lines = [
    `Dry run (${r.mode}${r.since ? `, since ${r.since}` : ""}): about ${r.requests_estimate} API requests ` +
    `(${r.requests_made} made to find out)`,
  ];
  for (const p of r.products) {
    lines.push(
      `  ${p.id} ${p.name}: features ${p.features}` +
        (p.feature_requests ? ` (${p.feature_requests} requests)` : "") +
        `, ${p.test_pages} test page${p.test_pages === 1 ? "" : "s"}` +
        (p.new_tests === null ? "" : `, ${p.new_tests} new tests`) +
        (p.stale_tests ? `, ${p.stale_tests} stale tests to refresh` : "") +
        `, ${p.bug_batches} bug batch${p.bug_batches === 1 ? "" : "es"}`,
    );
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join("\n") + "\n";
}

/** `--rebuild`: under the sync lock, moves the cache and its WAL aside (kept, never deleted). */
async function setAside(flags: SyncFlags, config: Config, io: CliIO): Promise<void> {
  await using _lock = await acquireSyncLock({
    dbPath: config.dbPath,
    waitMs: flags.lockWaitMs,
    signal: io.signal,
  });
  confineDatabasePath(config.dbPath);
  const backup = setAsideDatabase(config.dbPath);
  io.stderr(
    backup ? `The old cache is kept as ${backup}; syncing a new one\n` : "No cache yet; syncing a new one\n",
  );
}

async function runSync(flags: SyncFlags, config: Config, io: CliIO): Promise<number> {
  const log = cliLogger(config, io);
  if (flags.rebuild) await setAside(flags, config, io);
  await using app = openApp(config, log, { cacheMiB: SYNC_CACHE_MIB });
  if (flags.dryRun) {
    const report = await app.engine.dryRun({
      mode: flags.mode,
      since: flags.since,
      productIds: flags.productIds,
      signal: io.signal,
    });
    io.stdout(flags.json ? JSON.stringify(report) + "\n" : formatDryRun(report));
    return EXIT.OK;
  }
  const tracker = new ProgressTracker();
  const printer = progressPrinter({ isTerminal: io.isTerminal, write: io.stderr });
  const summary = await app.engine.run({
    mode: flags.mode,
    since: flags.since,
    productIds: flags.productIds,
    trigger: "cli",
    signal: io.signal,
    lockWaitMs: flags.lockWaitMs,
    onProgress: (p) => printer.update(tracker.update(p)),
  });
  printer.finish();
  io.stderr(formatSummary(summary));
  if (flags.json) io.stdout(JSON.stringify(summary) + "\n");
  return summary.status === "completed" || summary.status === "completed_with_warnings"
    ? EXIT.OK
    : EXIT.FAILED;
}

function showStatus(flags: SyncFlags, config: Config, io: CliIO): number {
  using cache = openCache(config, cliLogger(config, io));
  const status = syncStatus(cache.repos, config.dbPath);
  io.stdout(flags.json ? JSON.stringify(status) + "\n" : formatStatus(status));
  return EXIT.OK;
}

export const syncCommand: Command = {
  name: "sync",
  summary: "Sync the local cache from the TestIO API in the foreground.",
  usage: "sync [--product-ids 1,2] [--since DATE|all] [--force] [--dry-run | --status] [--json] " +
    "[--wait SECONDS] [--rebuild] [--env-file PATH]",
  help: `Options:
  --product-ids 1,2   only these products (must lie inside TESTIO_PRODUCT_IDS when that is set)
  --since DATE|all    only tests ending on/after DATE (2025-01-31, 'last 90 days', …); 'all' syncs
                      everything (a full sync). Default: TESTIO_SYNC_SINCE
  --force             full sync: walk every test page and refresh every bug, not just what changed
  --dry-run           show what would be fetched per product, without writing
  --status            show what the cache holds, the last sync, the database size and whether a sync runs
  --json              print the result as JSON on stdout (progress and summary stay on stderr)
  --wait SECONDS      how long to wait for another sync to finish (default 30)
  --rebuild           keep the cache file aside as <file>.damaged-<time> (nothing is deleted) and sync a
                      new one from scratch: the way out of a damaged cache
  --env-file PATH     read settings from this file too
Exit codes: 0 completed (with or without warnings), 1 failed or cancelled, 2 bad arguments,
3 another sync holds the lock. Ctrl-C cancels cleanly: nothing half-written is kept.`,
  async run(args, io) {
    const flags = parseSyncFlags(args);
    if (flags.help) {
      io.stdout(helpText(syncCommand));
      return EXIT.OK;
    }
    const config = loadConfig({ env: io.env, envFile: flags.envFile });
    if (flags.status) return showStatus(flags, config, io);
    return await runSync(flags, config, io);
  },
};
