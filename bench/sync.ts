/**
 * The sync benchmark (`deno task bench:sync`):
 *
 * 1. A full sync of scale M into an empty cache, the fake API (another process) adding 25 ms to every
 *    request, at most 10 requests at a time: wall time, requests, and the floor, requests × latency ÷
 *    concurrency, the time a perfectly parallel client would need.
 * 2. An incremental sync right after, when nothing is new: requests by kind, test-list requests per
 *    product.
 * 3. Peak memory of a full L sync: `main.ts sync --force` spawned against `main.ts fake-api --scale L`
 *    (both real processes); VmHWM of the sync process sampled from `/proc` every 100 ms.
 *
 * `--skip-l` leaves out part 3 (two to five minutes on two cores); `--skip-m` parts 1 and 2. The suite
 * is replaced as a whole, so record with both parts.
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { taskFlags } from "../src/task_flags.ts";
import { openApp } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import type { SyncSummary } from "../src/sync/types.ts";
import { DATASET_NOW } from "./dataset.ts";
import { type ChildFakeApi, type FakeApiStats, spawnFakeApi } from "./lib/fake_api.ts";
import { formatMs, summarize } from "./lib/measure.ts";
import { cacheReady, readWhileWriting } from "./lib/reader.ts";
import { type Figure, saveSuite } from "./lib/results.ts";
import { childEnv, procStatusMb, ROOT } from "./lib/stdio.ts";

const LATENCY_MS = 25;
const CONCURRENCY = 10;
/** The V8 flags of the `sync` task (deno.json). */
const SYNC_V8_FLAGS = (taskFlags("sync", Deno.env.get("HOME") ?? "") ?? []).filter((f) =>
  f.startsWith("--v8-flags=")
);

/** CPU time (user + system) this process has used, in ms, from /proc; null elsewhere. */
function cpuMs(pid: number | "self" = "self"): number | null {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** The 1-minute load average (how busy the machine was), null where /proc lacks it. */
function loadAverage(): number | null {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return null;
  }
}

function envFor(
  api: { baseUrl: string; token: string },
  dbPath: string,
  dir: string,
): Record<string, string> {
  return {
    TESTIO_CUSTOMER_API_TOKEN: api.token,
    TESTIO_CUSTOMER_API_BASE_URL: api.baseUrl,
    TESTIO_DB_PATH: dbPath,
    TESTIO_REPORTS_DIR: `${dir}/reports`,
    TESTIO_MAX_CONCURRENT_REQUESTS: String(CONCURRENCY),
    TESTIO_LOG_LEVEL: "warn",
  };
}

async function syncOnce(
  api: ChildFakeApi,
  env: Record<string, string>,
  mode: "full" | "incremental",
): Promise<
  { summary: SyncSummary; wallMs: number; cpuMs: number | null; apiCpuMs: number | null; stats: FakeApiStats }
> {
  const config = loadConfig({ env, dotenvDir: null });
  await using app = openApp(config, createLogger({ level: "warn", secrets: [api.token] }));
  await api.reset();
  const cpuBefore = cpuMs();
  const apiBefore = cpuMs(api.pid);
  const started = performance.now();
  const summary = await app.engine.run({ mode, trigger: "test" });
  const wallMs = performance.now() - started;
  const cpuAfter = cpuMs();
  const apiAfter = cpuMs(api.pid);
  if (summary.status === "failed" || summary.status === "cancelled") {
    throw new Error(`${mode} sync ${summary.status}: ${summary.error ?? summary.warnings.join("; ")}`);
  }
  return {
    summary,
    wallMs,
    cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    apiCpuMs: apiBefore === null || apiAfter === null ? null : apiAfter - apiBefore,
    stats: await api.stats(),
  };
}

/** Parts 1 and 2: full M sync against a slow API, then an incremental one with nothing new. */
async function syncM(figures: Record<string, Figure>, log: (line: string) => void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-bench-sync-" });
  try {
    await using api = await spawnFakeApi({ scale: "M", seed: 1, now: DATASET_NOW, latencyMs: LATENCY_MS });
    const env = envFor(api, `${dir}/cache.db`, dir);
    const full = await syncOnce(api, env, "full");
    const floorMs = (full.stats.requests * LATENCY_MS) / CONCURRENCY;
    figures["full_m.wall_ms"] = Math.round(full.wallMs);
    figures["full_m.requests"] = full.stats.requests;
    figures["full_m.requests_reported_by_sync"] = full.summary.requests_made;
    figures["full_m.latency_ms"] = LATENCY_MS;
    figures["full_m.concurrency"] = CONCURRENCY;
    figures["full_m.max_in_flight_seen_by_api"] = full.stats.maxConcurrent;
    figures["full_m.floor_ms"] = Math.round(floorMs);
    figures["full_m.ratio"] = Math.round((full.wallMs / floorMs) * 100) / 100;
    figures["full_m.cpu_ms_of_sync_process"] = full.cpuMs;
    // The fake API serving the same requests, on the machine's other core.
    figures["full_m.cpu_ms_of_fake_api_process"] = full.apiCpuMs;
    figures["full_m.requests_by_kind"] = JSON.stringify(full.stats.byKind);
    figures["full_m.tests / bugs synced"] = `${
      full.summary.tests_discovered + full.summary.tests_updated
    } / ${full.summary.bugs_synced}`;
    log(
      `full M sync: ${formatMs(full.wallMs)} for ${full.stats.requests} requests; floor ${
        formatMs(floorMs)
      } ` +
        `→ ratio ${(full.wallMs / floorMs).toFixed(2)} (max ${full.stats.maxConcurrent} in flight)`,
    );

    const inc = await syncOnce(api, env, "incremental");
    const products = full.summary.products_synced;
    const testLists = inc.stats.byKind.tests ?? 0;
    figures["incremental_m.wall_ms"] = Math.round(inc.wallMs);
    figures["incremental_m.requests"] = inc.stats.requests;
    figures["incremental_m.requests_by_kind"] = JSON.stringify(inc.stats.byKind);
    figures["incremental_m.products"] = products;
    figures["incremental_m.test_list_requests"] = testLists;
    figures["incremental_m.test_list_per_product"] = Math.round((testLists / Math.max(products, 1)) * 100) /
      100;
    log(
      `incremental M sync: ${formatMs(inc.wallMs)}, ${inc.stats.requests} requests ` +
        `(${testLists} test-list requests for ${products} products) ${JSON.stringify(inc.stats.byKind)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Reads lines from a child's stdout until `match` finds one. */
async function firstLine(stream: ReadableStream<Uint8Array>, match: RegExp): Promise<RegExpExecArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const m = match.exec(buffer);
    if (m) {
      reader.releaseLock();
      return m;
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before a line matching ${match}`);
    buffer += value;
  }
}

/**
 * Part 3: `main.ts sync --force` at L with the shipped V8 flags, both sides real processes, the fake
 * API adding `latencyMs` per request: wall ÷ floor, CPU per bug, peak RSS, and `list_tests` /
 * `get_test_summary` latencies from this process while the sync writes.
 */
async function syncL(
  figures: Record<string, Figure>,
  log: (line: string) => void,
  latencyMs: number,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-bench-sync-l-" });
  const fake = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "fake-api", "--scale", "L", "--latency-ms", String(latencyMs)],
    env: childEnv({}),
    clearEnv: true,
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    const m = await firstLine(
      fake.stdout,
      /TESTIO_CUSTOMER_API_BASE_URL=(\S+) TESTIO_CUSTOMER_API_TOKEN=(\S+)/,
    );
    const env = envFor({ baseUrl: m[1], token: m[2] }, `${dir}/cache.db`, dir);
    const started = performance.now();
    const sync = new Deno.Command(Deno.execPath(), {
      // The V8 flags `deno task sync` and the npm package's `sync` run with.
      args: ["run", "-A", ...SYNC_V8_FLAGS, `${ROOT}main.ts`, "sync", "--force", "--json"],
      env: childEnv(env),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    let hwm = 0;
    let cpu: number | null = null;
    const apiCpuBefore = cpuMs(fake.pid);
    const sampler = setInterval(() => {
      hwm = Math.max(hwm, procStatusMb(sync.pid, "VmHWM") ?? 0);
      cpu = cpuMs(sync.pid) ?? cpu;
    }, 100);
    let running = true;
    const output = sync.output().finally(() => (running = false));
    // Reads beside the writer, from this process, once the cache has tests with bugs.
    while (running && !cacheReady(`${dir}/cache.db`)) await new Promise((r) => setTimeout(r, 200));
    const reads = running ? await readWhileWriting(`${dir}/cache.db`, () => running) : null;
    const out = await output;
    clearInterval(sampler);
    const wallMs = performance.now() - started;
    const apiCpuAfter = cpuMs(fake.pid);
    if (!out.success) {
      const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
      throw new Error(`main.ts sync exited with ${out.code}:\n${stderr}`);
    }
    const summary = JSON.parse(new TextDecoder().decode(out.stdout)) as SyncSummary;
    const floorMs = (summary.requests_made * latencyMs) / CONCURRENCY;
    figures["l.peak_rss_mb"] = Math.round(hwm * 10) / 10;
    figures["l.wall_ms"] = Math.round(wallMs);
    figures["l.latency_ms"] = latencyMs;
    figures["l.floor_ms"] = Math.round(floorMs);
    figures["l.ratio"] = floorMs ? Math.round((wallMs / floorMs) * 100) / 100 : null;
    figures["l.cpu_ms_of_sync_process"] = cpu;
    figures["l.cpu_us_per_bug"] = cpu === null
      ? null
      : Math.round((cpu * 1000) / Math.max(summary.bugs_synced, 1));
    figures["l.cpu_ms_of_fake_api_process"] = apiCpuBefore === null || apiCpuAfter === null
      ? null
      : apiCpuAfter - apiCpuBefore;
    figures["l.load_average_1min_at_end"] = loadAverage();
    figures["l.requests"] = summary.requests_made;
    figures["l.tests / bugs synced"] = `${
      summary.tests_discovered + summary.tests_updated
    } / ${summary.bugs_synced}`;
    figures["l.database_mb"] = Math.round(Deno.statSync(`${dir}/cache.db`).size / 1e5) / 10;
    for (const [tool, times] of Object.entries(reads ?? {})) {
      const stats = times.length ? summarize(times) : null;
      figures[`l.during_sync.${tool}.calls`] = times.length;
      figures[`l.during_sync.${tool}.p50_ms`] = stats && Math.round(stats.p50 * 100) / 100;
      figures[`l.during_sync.${tool}.p95_ms`] = stats && Math.round(stats.p95 * 100) / 100;
      figures[`l.during_sync.${tool}.max_ms`] = stats && Math.round(stats.max * 100) / 100;
    }
    log(
      `full L sync (spawned, ${latencyMs} ms latency): ${
        formatMs(wallMs)
      }, ${summary.requests_made} requests, ` +
        `floor ${formatMs(floorMs)} → ratio ${(wallMs / floorMs).toFixed(2)}; ${summary.bugs_synced} bugs, ` +
        `CPU ${cpu} ms (${figures["l.cpu_us_per_bug"]} µs/bug), peak RSS ${hwm.toFixed(0)} MB; reads while ` +
        `writing p95: list_tests ${figures["l.during_sync.list_tests.p95_ms"]} ms, get_test_summary ` +
        `${figures["l.during_sync.get_test_summary.p95_ms"]} ms`,
    );
  } finally {
    fake.kill("SIGTERM");
    await fake.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "skip-l": { type: "boolean", default: false },
      "skip-m": { type: "boolean", default: false },
      "l-latency-ms": { type: "string", default: "100" },
    },
  });
  const figures: Record<string, Figure> = {};
  const log = (line: string) => console.log(line);
  if (!values["skip-m"]) await syncM(figures, log);
  if (!values["skip-l"]) await syncL(figures, log, Number(values["l-latency-ms"]));
  saveSuite("sync", {
    method:
      `M: \`SyncEngine.run\` in this process, fake API in a child process adding ${LATENCY_MS} ms per ` +
      `request, TESTIO_MAX_CONCURRENT_REQUESTS=${CONCURRENCY}; requests as counted by the fake API; floor = ` +
      `requests × ${LATENCY_MS} ms ÷ ${CONCURRENCY}. Incremental: the next run on the same cache. L: ` +
      `\`main.ts sync --force\` (the sync task's V8 flags: ${
        SYNC_V8_FLAGS.join(" ") || "none"
      }) spawned against \`main.ts fake-api --scale L --latency-ms ` +
      `${
        values["l-latency-ms"]
      }\`, floor = requests × latency ÷ ${CONCURRENCY}, CPU from /proc, VmHWM sampled ` +
      "every 100 ms; list_tests / get_test_summary timed from the bench process every 50 ms while it writes.",
    figures,
  });
}
