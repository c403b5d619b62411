/**
 * Settings: one zod schema over the environment, `--env-file PATH`, `.env` in the working directory
 * and `~/.testio-mcp/.env` (written by `setup`), producing a frozen {@link Config}. Precedence: a
 * variable set in the process environment wins, then `--env-file`, then `.env`, then the home file —
 * the explicit file beats the implicit ones, the project folder beats the per-user defaults, and
 * nothing in a file silently overrides what the user exported.
 *
 * Every invalid variable yields one line naming it, its value (masked for secrets) and what is allowed.
 *
 * @example
 * ```ts
 * const config = loadConfig({ env: Deno.env.toObject() });
 * config.dbPath; // "/home/me/.testio-mcp/cache.db"
 * ```
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { LOG_LEVELS } from "./log.ts";
import { parseDateBound } from "./dates.ts";
import type { Threshold, Thresholds } from "./domain/rates.ts";

/** Settings whose values must never be printed. */
export const SECRET_SETTINGS = new Set(["TESTIO_CUSTOMER_API_TOKEN", "TESTIO_HTTP_TOKEN"]);

/** Every variable the program reads: the settings plus HOME for the default data folder. */
export const ENV_VARIABLES = [
  "TESTIO_CUSTOMER_API_TOKEN",
  "TESTIO_CUSTOMER_API_BASE_URL",
  "TESTIO_DB_PATH",
  "TESTIO_PRODUCT_IDS",
  "TESTIO_SYNC_SINCE",
  "TESTIO_REFRESH_INTERVAL_SECONDS",
  "TESTIO_CACHE_TTL_SECONDS",
  "TESTIO_MAX_CONCURRENT_REQUESTS",
  "TESTIO_HTTP_TIMEOUT_SECONDS",
  "TESTIO_MAX_PAGES",
  "TESTIO_SKIP_MIGRATIONS",
  "TESTIO_HTTP_TOKEN",
  "TESTIO_LOG_LEVEL",
  "TESTIO_LOG_FORMAT",
  "TESTIO_REPORTS_DIR",
  "TESTIO_ENABLED_TOOLS",
  "TESTIO_DISABLED_TOOLS",
  "TESTIO_THRESHOLD_REJECTION_WARNING",
  "TESTIO_THRESHOLD_REJECTION_CRITICAL",
  "TESTIO_THRESHOLD_AUTO_ACCEPTANCE_WARNING",
  "TESTIO_THRESHOLD_AUTO_ACCEPTANCE_CRITICAL",
  "TESTIO_THRESHOLD_REVIEW_WARNING",
  "TESTIO_THRESHOLD_REVIEW_CRITICAL",
  "HOME",
] as const;

/**
 * Reads {@link ENV_VARIABLES} from the process environment one by one, so the program runs with
 * `--allow-env` limited to exactly these names.
 */
export function readProcessEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of ENV_VARIABLES) {
    try {
      const v = Deno.env.get(name);
      if (v !== undefined) env[name] = v;
    } catch {
      // Not granted: treated as unset.
    }
  }
  return env;
}

/** Production base URL; the reference client's staging default is a known flaw we do not copy. */
export const DEFAULT_BASE_URL = "https://api.test.io/customer/v2";

const intIn = (min: number, max: number, def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? def : typeof v === "string" ? Number(v.trim()) : v),
    z.number({ error: `must be a whole number from ${min} to ${max}` }).int(
      `must be a whole number from ${min} to ${max}`,
    ).min(min, `must be a whole number from ${min} to ${max}`).max(
      max,
      `must be a whole number from ${min} to ${max}`,
    ),
  );

const rate = (def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? def : typeof v === "string" ? Number(v.trim()) : v),
    z.number({ error: "must be a number from 0 to 1" }).min(0, "must be a number from 0 to 1").max(
      1,
      "must be a number from 0 to 1",
    ),
  );

const bool = (def: boolean) =>
  z.preprocess((v) => {
    if (v === undefined || v === "") return def;
    if (typeof v !== "string") return v;
    const s = v.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(s)) return true;
    if (["0", "false", "no", "off"].includes(s)) return false;
    return v;
  }, z.boolean({ error: "must be true or false" }));

const optionalString = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v),
  z.string().optional(),
);

/** Parses "1,2,3" or "[1,2,3]" into unique positive integers, keeping order. */
export function parseIdList(value: unknown): number[] | null {
  if (value === undefined || value === null || value === "") return [];
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === "number") items = [value];
  else if (typeof value === "string") {
    const s = value.trim();
    if (s.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(s);
        if (!Array.isArray(parsed)) return null;
        items = parsed;
      } catch {
        return null;
      }
    } else items = s.split(",").map((x) => x.trim()).filter((x) => x !== "");
  } else return null;
  const out: number[] = [];
  for (const item of items) {
    const n = typeof item === "number"
      ? item
      : typeof item === "string" && /^\d+$/.test(item.trim())
      ? Number(item.trim())
      : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) return null;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

const idList = z.preprocess(
  (v) => parseIdList(v),
  z.array(z.number()).nullable().refine((v) => v !== null, {
    message: "must be a list of positive integer ids: 1,2,3 or [1,2,3]",
  }),
);

const csvList = z.preprocess(
  (v) => typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v === undefined ? [] : v,
  z.array(z.string()),
);

function expandHome(path: string, home: string | undefined): string {
  if (path === "~" || path.startsWith("~/")) {
    if (!home) throw new Error("HOME is not set, so '~' cannot be expanded");
    return home + path.slice(1);
  }
  return path;
}

function makeSchema(env: Record<string, string | undefined>) {
  const home = env.HOME;
  const dataDir = home ? `${home}/.testio-mcp` : ".testio-mcp";
  return z.object({
    TESTIO_CUSTOMER_API_TOKEN: optionalString,
    TESTIO_CUSTOMER_API_BASE_URL: z.preprocess(
      (v) => (v === undefined || v === "" ? DEFAULT_BASE_URL : v),
      z.url({
        protocol: /^https?$/,
        error: "must be an http(s) URL such as https://api.test.io/customer/v2",
      }),
    ),
    TESTIO_DB_PATH: z.preprocess(
      (v) => (v === undefined || v === "" ? `${dataDir}/cache.db` : v),
      z.string().min(1),
    ),
    TESTIO_PRODUCT_IDS: idList,
    TESTIO_SYNC_SINCE: optionalString.refine((v) => {
      if (v === undefined || v.toLowerCase() === "all") return true;
      try {
        parseDateBound(v, "start");
        return true;
      } catch {
        return false;
      }
    }, { message: "must be a date (2025-01-31), a phrase such as 'last 90 days', or 'all'" }),
    TESTIO_REFRESH_INTERVAL_SECONDS: intIn(0, 604_800, 3600),
    TESTIO_CACHE_TTL_SECONDS: intIn(60, 86_400, 3600),
    TESTIO_MAX_CONCURRENT_REQUESTS: intIn(1, 50, 10),
    TESTIO_HTTP_TIMEOUT_SECONDS: intIn(1, 300, 30),
    TESTIO_MAX_PAGES: intIn(1, 10_000, 50),
    TESTIO_SKIP_MIGRATIONS: bool(false),
    TESTIO_HTTP_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
      message: "must be at least 16 characters (use a random string)",
    }),
    TESTIO_LOG_LEVEL: z.preprocess(
      (v) => (v === undefined || v === "" ? "info" : typeof v === "string" ? v.trim().toLowerCase() : v),
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
    ),
    TESTIO_LOG_FORMAT: z.preprocess(
      (v) => (v === undefined || v === "" ? "text" : typeof v === "string" ? v.trim().toLowerCase() : v),
      z.enum(["text", "json"], { error: "must be text or json" }),
    ),
    TESTIO_REPORTS_DIR: z.preprocess(
      (v) => (v === undefined || v === "" ? `${dataDir}/reports` : v),
      z.string().min(1),
    ),
    TESTIO_ENABLED_TOOLS: csvList,
    TESTIO_DISABLED_TOOLS: csvList,
    TESTIO_THRESHOLD_REJECTION_WARNING: rate(0.20),
    TESTIO_THRESHOLD_REJECTION_CRITICAL: rate(0.35),
    TESTIO_THRESHOLD_AUTO_ACCEPTANCE_WARNING: rate(0.20),
    TESTIO_THRESHOLD_AUTO_ACCEPTANCE_CRITICAL: rate(0.40),
    TESTIO_THRESHOLD_REVIEW_WARNING: rate(0.80),
    TESTIO_THRESHOLD_REVIEW_CRITICAL: rate(0.60),
  }).transform((s) => ({ ...s, home }));
}

/** The validated, frozen settings every module receives. */
export interface Config {
  readonly token: string | undefined;
  readonly baseUrl: string;
  readonly dbPath: string;
  readonly dataDir: string;
  readonly reportsDir: string;
  readonly productIds: readonly number[] | null;
  readonly syncSince: string | null;
  readonly refreshIntervalSeconds: number;
  readonly cacheTtlSeconds: number;
  readonly maxConcurrentRequests: number;
  readonly httpTimeoutSeconds: number;
  readonly maxPages: number;
  readonly skipMigrations: boolean;
  readonly httpToken: string | undefined;
  readonly logLevel: typeof LOG_LEVELS[number];
  readonly logFormat: "text" | "json";
  readonly enabledTools: readonly string[];
  readonly disabledTools: readonly string[];
  readonly thresholds: Thresholds;
}

/** Parses the text of a `.env` file: `KEY=value`, `export KEY=value`, quotes, `#` comments. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[m[1]] = value;
  }
  return out;
}

function readEnvFile(path: string, required: boolean, label = "--env-file"): Record<string, string> {
  try {
    return parseDotenv(Deno.readTextFileSync(path));
  } catch (err) {
    if (!required && (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotCapable)) {
      return {};
    }
    throw new ConfigError([`${label} ${path}: cannot be read (${(err as Error).message})`], {
      action: "Pass the path of a readable KEY=value file",
      cause: err,
    });
  }
}

/**
 * The per-user settings file `setup` writes: `$HOME/.testio-mcp/.env`, or null without HOME.
 *
 * @example
 * ```ts
 * homeEnvPath({ HOME: "/home/me" }); // "/home/me/.testio-mcp/.env"
 * ```
 */
export function homeEnvPath(env: Record<string, string | undefined>): string | null {
  return env.HOME ? `${env.HOME}/.testio-mcp/.env` : null;
}

/** Where settings come from. */
export interface ConfigSources {
  /** The process environment (or a test's stand-in). */
  env: Record<string, string | undefined>;
  /** An explicit `--env-file PATH`. */
  envFile?: string;
  /**
   * Read `.env` from this folder; `null` disables it and the home file `~/.testio-mcp/.env` (tests
   * stay hermetic). Default: the working directory.
   */
  dotenvDir?: string | null;
  /** Flag values that override everything (e.g. `--product-ids`). */
  overrides?: Record<string, string | undefined>;
}

/**
 * Builds the {@link Config}.
 *
 * @throws {ConfigError} with one line per invalid variable.
 */
export function loadConfig(sources: ConfigSources): Config {
  const dotenvDir = sources.dotenvDir === undefined ? "." : sources.dotenvDir;
  const dotenv = dotenvDir === null ? {} : readEnvFile(`${dotenvDir}/.env`, false, ".env");
  const homeFile = dotenvDir === null ? null : homeEnvPath(sources.env);
  const homeEnv = homeFile ? readEnvFile(homeFile, false, "settings file") : {};
  const fileEnv = sources.envFile ? readEnvFile(sources.envFile, true) : {};
  const merged: Record<string, string | undefined> = { ...homeEnv, ...dotenv, ...fileEnv };
  for (const [k, v] of Object.entries(sources.env)) if (v !== undefined) merged[k] = v;
  for (const [k, v] of Object.entries(sources.overrides ?? {})) if (v !== undefined) merged[k] = v;

  const parsed = makeSchema(merged).safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "settings");
      const raw = merged[key];
      const shown = raw === undefined
        ? "(unset)"
        : SECRET_SETTINGS.has(key)
        ? "(hidden)"
        : JSON.stringify(raw);
      return `${key}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(issues, { action: "Fix the variables above in your environment or .env file" });
  }
  const s = parsed.data;
  const issues: string[] = [];
  if (s.TESTIO_ENABLED_TOOLS.length && s.TESTIO_DISABLED_TOOLS.length) {
    issues.push("TESTIO_ENABLED_TOOLS and TESTIO_DISABLED_TOOLS: set one or the other, not both");
  }
  const thresholds = {
    rejection_rate: {
      warning: s.TESTIO_THRESHOLD_REJECTION_WARNING,
      critical: s.TESTIO_THRESHOLD_REJECTION_CRITICAL,
      direction: "above" as const,
    },
    auto_acceptance_rate: {
      warning: s.TESTIO_THRESHOLD_AUTO_ACCEPTANCE_WARNING,
      critical: s.TESTIO_THRESHOLD_AUTO_ACCEPTANCE_CRITICAL,
      direction: "above" as const,
    },
    review_rate: {
      warning: s.TESTIO_THRESHOLD_REVIEW_WARNING,
      critical: s.TESTIO_THRESHOLD_REVIEW_CRITICAL,
      direction: "below" as const,
    },
  };
  const names = {
    rejection_rate: "TESTIO_THRESHOLD_REJECTION",
    auto_acceptance_rate: "TESTIO_THRESHOLD_AUTO_ACCEPTANCE",
    review_rate: "TESTIO_THRESHOLD_REVIEW",
  };
  for (const [key, t] of Object.entries(thresholds) as [keyof typeof names, Threshold][]) {
    const ok = t.direction === "above" ? t.warning < t.critical : t.warning > t.critical;
    if (!ok) {
      issues.push(
        `${names[key]}_WARNING=${t.warning} / _CRITICAL=${t.critical}: warning must be ${
          t.direction === "above" ? "below" : "above"
        } critical (${key} is bad when ${t.direction})`,
      );
    }
  }
  let dbPath: string;
  let reportsDir: string;
  try {
    dbPath = expandHome(s.TESTIO_DB_PATH, s.home);
    reportsDir = expandHome(s.TESTIO_REPORTS_DIR, s.home);
  } catch (err) {
    throw new ConfigError([`TESTIO_DB_PATH: ${(err as Error).message}`], { cause: err });
  }
  if (issues.length) throw new ConfigError(issues, { action: "Fix the variables above" });

  const slash = dbPath.lastIndexOf("/");
  return Object.freeze({
    token: s.TESTIO_CUSTOMER_API_TOKEN,
    baseUrl: s.TESTIO_CUSTOMER_API_BASE_URL.replace(/\/+$/, ""),
    dbPath,
    dataDir: slash > 0 ? dbPath.slice(0, slash) : ".",
    reportsDir,
    productIds: s.TESTIO_PRODUCT_IDS && s.TESTIO_PRODUCT_IDS.length
      ? Object.freeze(s.TESTIO_PRODUCT_IDS)
      : null,
    syncSince: s.TESTIO_SYNC_SINCE ?? null,
    refreshIntervalSeconds: s.TESTIO_REFRESH_INTERVAL_SECONDS,
    cacheTtlSeconds: s.TESTIO_CACHE_TTL_SECONDS,
    maxConcurrentRequests: s.TESTIO_MAX_CONCURRENT_REQUESTS,
    httpTimeoutSeconds: s.TESTIO_HTTP_TIMEOUT_SECONDS,
    maxPages: s.TESTIO_MAX_PAGES,
    skipMigrations: s.TESTIO_SKIP_MIGRATIONS,
    httpToken: s.TESTIO_HTTP_TOKEN,
    logLevel: s.TESTIO_LOG_LEVEL,
    logFormat: s.TESTIO_LOG_FORMAT,
    enabledTools: Object.freeze(s.TESTIO_ENABLED_TOOLS),
    disabledTools: Object.freeze(s.TESTIO_DISABLED_TOOLS),
    thresholds: Object.freeze(thresholds),
  });
}

/** Settings in force, secrets masked, for `doctor`-style output. */
export function describeConfig(config: Config): Record<string, unknown> {
  const mask = (v: string | undefined) => (v ? `set (${v.length} chars)` : "not set");
  return {
    TESTIO_CUSTOMER_API_TOKEN: mask(config.token),
    TESTIO_CUSTOMER_API_BASE_URL: config.baseUrl,
    TESTIO_DB_PATH: config.dbPath,
    TESTIO_PRODUCT_IDS: config.productIds ?? "all",
    TESTIO_SYNC_SINCE: config.syncSince ?? "none",
    TESTIO_REFRESH_INTERVAL_SECONDS: config.refreshIntervalSeconds,
    TESTIO_CACHE_TTL_SECONDS: config.cacheTtlSeconds,
    TESTIO_MAX_CONCURRENT_REQUESTS: config.maxConcurrentRequests,
    TESTIO_HTTP_TIMEOUT_SECONDS: config.httpTimeoutSeconds,
    TESTIO_MAX_PAGES: config.maxPages,
    TESTIO_SKIP_MIGRATIONS: config.skipMigrations,
    TESTIO_HTTP_TOKEN: mask(config.httpToken),
    TESTIO_LOG_LEVEL: config.logLevel,
    TESTIO_LOG_FORMAT: config.logFormat,
    TESTIO_REPORTS_DIR: config.reportsDir,
  };
}
