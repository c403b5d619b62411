/**
 * `doctor`: what is this installation doing, and what is wrong with it? The settings in force
 * (secrets masked) and the files they come from, the cache (path, size, schema version, contents,
 * recent syncs, a running sync) and whether the API accepts the token. It changes nothing: the
 * database is opened read-only and never migrated.
 *
 * @example
 * ```sh
 * testio-mcp doctor          # a report for a person; exit 1 when a problem was found
 * testio-mcp doctor --json   # the same as one JSON object on stdout
 * ```
 */
import { type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { count } from "./count.ts";
import { commandHint, currentLaunch } from "../launch.ts";
import { VERSION } from "../app.ts";
import { type Config, describeConfig, homeEnvPath, loadConfig } from "../config.ts";
import { databaseFileBytes, openDatabase } from "../db/database.ts";
import { LATEST_VERSION, migrationStatus } from "../db/migrations.ts";
import { type CacheCounts, Repositories } from "../db/repos/index.ts";
import type { SyncStatus } from "../db/repos/sync_events.ts";
import { AppError, ConfigError, errorMessage } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { readSyncLock } from "../sync/lock.ts";
import { statusWords } from "../sync/progress.ts";
import { TestIOClient } from "../testio/client.ts";

/** A short probe: doctor is run when something already feels slow. */
export const API_CHECK_TIMEOUT_MS = 5_000;
const RECENT_SYNCS = 5;

/** A settings file and whether it was found. */
export interface SettingsSource {
  kind: "home" | "working directory" | "--env-file";
  path: string;
  present: boolean;
  /** Octal permission bits, e.g. "600", when present. */
  mode: string | null;
}

/** One recent sync run. */
export interface DoctorSync {
  id: number;
  status: SyncStatus;
  warning_count: number;
  trigger: string;
  mode: string;
  started_at: string;
  duration_ms: number | null;
  error: string | null;
}

/** The database part of the report. */
export interface DoctorDatabase {
  path: string;
  exists: boolean;
  size_bytes: number;
  schema_version: number | null;
  latest_schema_version: number;
  pending_migrations: number[];
  counts: CacheCounts | null;
  last_completed_at: string | null;
  recent_syncs: DoctorSync[];
  sync_running: { pid: number; host: string; started_at: string } | null;
  error: string | null;
}

/** The API part of the report. */
export interface DoctorApi {
  base_url: string;
  status: "valid" | "unauthorized" | "forbidden" | "unreachable" | "error" | "no_token" | "skipped";
  http_status: number | null;
  latency_ms: number | null;
  products_visible: number | null;
  message: string | null;
}

/** A finding: what is wrong (or worth knowing) and what to do. */
export interface Finding {
  what: string;
  next: string;
}

/** Everything `doctor` reports. */
export interface DoctorReport {
  version: string;
  runtime: { deno: string; target: string; executable: string; compiled: boolean };
  settings_files: SettingsSource[];
  settings: Record<string, unknown>;
  database: DoctorDatabase;
  api: DoctorApi;
  /** Things that stop the server from working. */
  problems: Finding[];
  /** Things worth knowing that do not stop it. */
  notes: Finding[];
  ok: boolean;
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

function settingsSources(
  env: Record<string, string | undefined>,
  envFile: string | undefined,
): SettingsSource[] {
  const list: { kind: SettingsSource["kind"]; path: string }[] = [];
  const home = homeEnvPath(env);
  if (home) list.push({ kind: "home", path: home });
  list.push({ kind: "working directory", path: `${Deno.cwd()}/.env` });
  if (envFile) list.push({ kind: "--env-file", path: envFile });
  return list.map(({ kind, path }) => {
    const info = statOrNull(path);
    return {
      kind,
      path,
      present: info !== null,
      mode: info?.mode != null ? (info.mode & 0o777).toString(8).padStart(3, "0") : null,
    };
  });
}

function inspectDatabase(config: Config, problems: Finding[], notes: Finding[]): DoctorDatabase {
  const report: DoctorDatabase = {
    path: config.dbPath,
    exists: statOrNull(config.dbPath) !== null,
    size_bytes: databaseFileBytes(config.dbPath),
    schema_version: null,
    latest_schema_version: LATEST_VERSION,
    pending_migrations: [],
    counts: null,
    last_completed_at: null,
    recent_syncs: [],
    sync_running: null,
    error: null,
  };
  if (!report.exists) {
    notes.push({
      what: `The cache ${config.dbPath} does not exist yet`,
      next: `Run '${commandHint("sync")}' (or start the server: it syncs at start-up)`,
    });
    return report;
  }
  try {
    report.sync_running = readSyncLock(config.dbPath);
  } catch {
    // An unreadable lock file says nothing certain; sync reports it when it matters.
  }
  try {
    // Read-only: a diagnosis must not migrate, create or lock anything.
    using db = openDatabase(config.dbPath, { readOnly: true, check: "full" });
    const status = migrationStatus(db);
    report.schema_version = status.current;
    report.pending_migrations = status.pending.map((m) => m.version);
    if (status.current > status.latest) {
      problems.push({
        what:
          `The cache has schema version ${status.current}, newer than this program knows (${status.latest})`,
        next: "Upgrade testio-mcp, or point TESTIO_DB_PATH at another file (sync rebuilds the cache)",
      });
      return report;
    }
    if (status.modified.length) {
      notes.push({
        what: `Migration(s) ${status.modified.join(", ")} changed since they were applied`,
        next: "Use a released build; if the cache misbehaves, move it away and sync again",
      });
    }
    if (status.pending.length) {
      (config.skipMigrations ? problems : notes).push({
        what: `Schema version ${status.current}; migration(s) ${
          report.pending_migrations.join(", ")
        } pending`,
        next: config.skipMigrations
          ? `Run '${
            commandHint("migrate up")
          }' (TESTIO_SKIP_MIGRATIONS is set, so serve and sync refuse to start)`
          : `Nothing to do: serve and sync apply them at start (or run '${commandHint("migrate up")}')`,
      });
      return report;
    }
    using repos = new Repositories(db);
    report.counts = repos.counts();
    report.last_completed_at = repos.syncEvents.lastCompleted()?.finished_at ?? null;
    report.recent_syncs = repos.syncEvents.recent(RECENT_SYNCS).map((e) => ({
      id: e.id,
      status: e.status,
      warning_count: e.warnings.length,
      trigger: e.trigger,
      mode: e.mode,
      started_at: e.started_at,
      duration_ms: e.duration_ms,
      error: e.error,
    }));
    if (report.counts.products === 0) {
      notes.push({ what: "The cache is empty", next: `Run '${commandHint("sync")}' to fill it` });
    }
    const last = report.recent_syncs[0];
    if (last?.status === "failed") {
      notes.push({
        what: `The last sync (#${last.id}, ${last.started_at}) failed: ${last.error ?? "no reason recorded"}`,
        next: `Run '${commandHint("sync")}' to see the error, then check the API section below`,
      });
    }
  } catch (err) {
    report.error = errorMessage(err);
    problems.push({
      what: `The cache ${config.dbPath} cannot be used: ${report.error}`,
      next: err instanceof AppError && err.action
        ? err.action
        : `Move the file away (keep it for inspection) and run '${commandHint("sync")}' to rebuild the cache`,
    });
  }
  return report;
}

async function checkApi(config: Config, offline: boolean, signal: AbortSignal): Promise<DoctorApi> {
  const api: DoctorApi = {
    base_url: config.baseUrl,
    status: "skipped",
    http_status: null,
    latency_ms: null,
    products_visible: null,
    message: null,
  };
  // A missing token is a problem even offline: nothing but the demo works without one.
  if (!config.token) return { ...api, status: "no_token" };
  if (offline) return api;
  using client = new TestIOClient({
    baseUrl: config.baseUrl,
    token: config.token,
    log: silentLogger(),
    timeoutMs: API_CHECK_TIMEOUT_MS,
    maxConcurrent: 1,
  });
  const started = performance.now();
  const result = await client.checkAuth(signal);
  api.latency_ms = Math.round(performance.now() - started);
  if (result.ok) return { ...api, status: "valid", http_status: 200, products_visible: result.productCount };
  return {
    ...api,
    status: result.status,
    http_status: result.httpStatus || null,
    latency_ms: result.status === "unreachable" ? null : api.latency_ms,
    message: result.message,
  };
}

function apiFindings(api: DoctorApi, problems: Finding[]): void {
  const findings: Partial<Record<DoctorApi["status"], Finding>> = {
    no_token: {
      what: "TESTIO_CUSTOMER_API_TOKEN is not set",
      next: `Run '${commandHint("setup")}' (or try '${commandHint("demo")}', which needs no account)`,
    },
    unauthorized: {
      what: `The API rejected the token (HTTP 401 from ${api.base_url})`,
      next: `Run '${commandHint("setup")}' with a new token from https://testcloud.test.io/account/api`,
    },
    forbidden: {
      what: `The token may not list products (HTTP 403 from ${api.base_url})`,
      next: "Ask your TestIO administrator for Customer API access",
    },
    unreachable: {
      what: `${api.base_url} could not be reached: ${api.message}`,
      next: "Check TESTIO_CUSTOMER_API_BASE_URL and the network; cached data stays available",
    },
    error: {
      what: `${api.base_url} answered HTTP ${api.http_status}: ${api.message}`,
      next: "Check TESTIO_CUSTOMER_API_BASE_URL; retry later",
    },
  };
  const finding = findings[api.status];
  if (finding) problems.push(finding);
}

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  env: Record<string, string | undefined>;
  envFile?: string;
  /** Skip the API check. */
  offline?: boolean;
  signal?: AbortSignal;
}

/**
 * Builds the report.
 *
 * @throws {ConfigError} when the settings are invalid (nothing else can be judged then).
 */
export async function diagnose(config: Config, options: DiagnoseOptions): Promise<DoctorReport> {
  const problems: Finding[] = [];
  const notes: Finding[] = [];
  const settingsFiles = settingsSources(options.env, options.envFile);
  for (const f of settingsFiles) {
    if (f.present && f.mode !== null && (parseInt(f.mode, 8) & 0o077) !== 0) {
      notes.push({
        what: `${f.path} is readable by other users (mode ${f.mode}) and may hold the API token`,
        next: `Run: chmod 600 ${f.path}`,
      });
    }
  }
  const database = inspectDatabase(config, problems, notes);
  const api = await checkApi(
    config,
    options.offline ?? false,
    options.signal ?? new AbortController().signal,
  );
  apiFindings(api, problems);
  const exec = Deno.execPath();
  return {
    version: VERSION,
    runtime: {
      deno: Deno.version.deno,
      target: Deno.build.target,
      executable: exec,
      compiled: currentLaunch().kind === "binary",
    },
    settings_files: settingsFiles,
    settings: describeConfig(config),
    database,
    api,
    problems,
    notes,
    ok: problems.length === 0,
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** The report as text for a terminal. */
export function formatReport(r: DoctorReport): string {
  const out: string[] = [];
  const how = r.runtime.compiled ? `compiled binary ${r.runtime.executable}` : `deno ${r.runtime.deno}`;
  out.push(`testio-mcp ${r.version} (${how}, ${r.runtime.target})`, "");
  out.push("Settings files (the environment overrides --env-file, then ./.env, then the home file):");
  for (const f of r.settings_files) {
    out.push(
      `  ${f.present ? "✓" : "–"} ${f.path}  (${f.kind}${f.present ? `, mode ${f.mode}` : ", not present"})`,
    );
  }
  out.push("", "Settings in force:");
  const width = Math.max(...Object.keys(r.settings).map((k) => k.length));
  for (const [k, v] of Object.entries(r.settings)) {
    out.push(`  ${k.padEnd(width)}  ${Array.isArray(v) ? v.join(",") : String(v)}`);
  }
  const db = r.database;
  out.push("", `Database: ${db.path}`);
  if (!db.exists) out.push("  not created yet");
  else {
    out.push(
      `  ${bytes(db.size_bytes)}, schema version ${
        db.schema_version ?? "?"
      } (this program knows ${db.latest_schema_version})`,
    );
    if (db.counts) {
      out.push(
        "  " + Object.entries(db.counts).map(([k, v]) => `${k.replace("_", " ")} ${v.toLocaleString("en")}`)
          .join(", "),
      );
    }
    out.push(`  last completed sync: ${db.last_completed_at ?? "never"}`);
    out.push(
      `  sync running: ${
        db.sync_running
          ? `yes (pid ${db.sync_running.pid} on ${db.sync_running.host} since ${db.sync_running.started_at})`
          : "no"
      }`,
    );
    if (db.recent_syncs.length) out.push("  recent syncs:");
    for (const e of db.recent_syncs) {
      const took = e.duration_ms === null ? "" : `  ${(e.duration_ms / 1000).toFixed(1)} s`;
      out.push(
        `    #${e.id} ${statusWords(e.status, e.warning_count).padEnd(30)} ${e.mode.padEnd(11)} ${
          e.trigger.padEnd(10)
        } ${e.started_at}${took}${e.error ? `  ${e.error}` : ""}`,
      );
    }
  }
  const api = r.api;
  out.push("", `API: ${api.base_url}`);
  const apiLine: Record<DoctorApi["status"], string> = {
    valid: `✓ token valid, ${count(api.products_visible ?? 0, "product")} visible (${api.latency_ms} ms)`,
    unauthorized: "✗ HTTP 401: token rejected",
    forbidden: "✗ HTTP 403: token may not list products",
    unreachable: `✗ unreachable: ${api.message}`,
    error: `✗ HTTP ${api.http_status}: ${api.message}`,
    no_token: "✗ no token set",
    skipped: "– not checked (--offline)",
  };
  out.push(`  ${apiLine[api.status]}`);
  if (r.problems.length) {
    out.push("", "Problems:");
    for (const p of r.problems) out.push(`  ✗ ${p.what}`, `    next: ${p.next}`);
  }
  if (r.notes.length) {
    out.push("", "Notes:");
    for (const n of r.notes) out.push(`  • ${n.what}`, `    next: ${n.next}`);
  }
  out.push(
    "",
    r.ok ? "No problems found." : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} found.`,
  );
  return out.join("\n") + "\n";
}

/** The `doctor` command: see the module documentation. */
export const doctorCommand: Command = {
  name: "doctor",
  summary: "Check the installation: settings in force, the cache, recent syncs and the API token.",
  usage: "doctor [--json] [--offline] [--env-file PATH]",
  help: `Options:
  --json            print the report as one JSON object on stdout
  --offline         do not contact the TestIO API
  --env-file PATH   read settings from this file too
Secrets are never printed. The cache is opened read-only and never migrated.
Exit status: 0 no problem found, 1 a problem was found, 2 invalid settings or arguments.`,
  async run(args, io) {
    const { values } = parseFlags("doctor", args, {
      json: { type: "boolean", default: false },
      offline: { type: "boolean", default: false },
    });
    if (values.help) {
      io.stdout(helpText(doctorCommand));
      return EXIT.OK;
    }
    let config: Config;
    try {
      config = loadConfig({ env: io.env, envFile: values["env-file"] });
    } catch (err) {
      if (!(err instanceof ConfigError) || !values.json) throw err;
      io.stdout(JSON.stringify({ version: VERSION, ok: false, settings_errors: err.issues }) + "\n");
      return EXIT.USAGE;
    }
    const report = await diagnose(config, {
      env: io.env,
      envFile: values["env-file"],
      offline: values.offline,
      signal: io.signal,
    });
    io.stdout(values.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    return report.ok ? EXIT.OK : EXIT.FAILED;
  },
};
