/**
 * Benchmark caches: scale S, M or L synced from the fake TestIO API (pinned seed and clock) with the
 * real sync engine into `bench/data/<scale>-seed<N>.db`, kept between runs. A cache is rebuilt when it
 * is missing or when its fingerprint (schema migrations, the data the fake API serves, this builder)
 * changed. The build time, the sync summary, the size and the row counts are recorded beside it in
 * `<scale>-seed<N>.json`.
 *
 * The fake API runs in a child process, so the build time is the sync's own.
 *
 * @example
 * ```sh
 * deno run -A bench/dataset.ts L            # build (or reuse) the L cache, record it in RESULTS.md
 * deno run -A bench/dataset.ts M --rebuild  # force a rebuild
 * ```
 * ```ts
 * const { path, meta } = await ensureDataset("M");
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { openApp } from "../src/app.ts";
import { createLogger } from "../src/log.ts";
import { openDatabase } from "../src/db/database.ts";
import { LATEST_VERSION, MIGRATIONS } from "../src/db/migrations.ts";
import { generateDataset, type Scale } from "../src/testio/fake/mod.ts";
import type { SyncSummary } from "../src/sync/types.ts";
import { spawnFakeApi } from "./lib/fake_api.ts";
import { saveSuite } from "./lib/results.ts";

/** The data clock of every benchmark dataset (the same instant as the test fixtures). */
export const DATASET_NOW = new Date("2026-11-01T00:00:00Z");

/** Bumped when this builder changes what it writes. */
const BUILDER_VERSION = 1;

/** Where the caches live (gitignored). */
export const DATA_DIR = new URL("./data/", import.meta.url).pathname;

/** What is recorded beside a cache. */
export interface DatasetMeta {
  scale: Scale;
  seed: number;
  /** The data clock of the fake API. */
  now: string;
  schemaVersion: number;
  fingerprint: string;
  builtAt: string;
  /** Wall time of the full sync that built the cache, ms. */
  buildMs: number;
  sync: SyncSummary;
  /** Size of the database file after the final checkpoint. */
  bytes: number;
  rows: { products: number; tests: number; bugs: number; features: number };
  /** What the fake API served. */
  source: { products: number; tests: number; bugs: number };
  /** The test with the most bugs, and its bug count in the cache. */
  largestTest: { id: number; bugs: number };
  /** The product with the most tests, and its test count. */
  largestProduct: { id: number; tests: number };
}

/** A cache ready for benchmarks. */
export interface Dataset {
  path: string;
  meta: DatasetMeta;
}

/** The path of a scale's cache. */
export function datasetPath(scale: Scale, seed = 1): string {
  return `${DATA_DIR}${scale}-seed${seed}.db`;
}

function metaPath(scale: Scale, seed: number): string {
  return `${DATA_DIR}${scale}-seed${seed}.json`;
}

/**
 * SHA-256 over what decides a cache's content: the migrations, this builder's version and the data
 * the fake API serves (every product with its features and user stories, every 10th test, the bugs
 * of every 100th test), so editing the generator's code without changing its output keeps the cache.
 */
export function datasetFingerprint(scale: Scale, seed: number): string {
  const hash = createHash("sha256");
  hash.update(`builder ${BUILDER_VERSION}\n`);
  for (const m of MIGRATIONS) hash.update(`migration ${m.version}\n${m.up}\n`);
  const data = generateDataset({ scale, seed, now: DATASET_NOW, bugCacheLimit: 0 });
  hash.update(JSON.stringify(data.counts));
  for (const product of data.products) {
    hash.update(JSON.stringify(product));
    hash.update(JSON.stringify(data.featuresOf(product.id)));
    hash.update(JSON.stringify(data.userStoriesOf(product.id)));
  }
  data.allTestIds().forEach((id, i) => {
    if (i % 10 === 0) hash.update(JSON.stringify(data.test(id)));
    if (i % 100 === 0) hash.update(JSON.stringify(data.bugsOf(id)));
  });
  return hash.digest("hex").slice(0, 16);
}

function readMeta(scale: Scale, seed: number): DatasetMeta | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(metaPath(scale, seed))) as DatasetMeta;
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm", ".sync.lock"]) {
    try {
      Deno.removeSync(path + suffix);
    } catch {
      // not there
    }
  }
}

/** Row counts and the largest test/product of a cache. */
function inspect(path: string): Pick<DatasetMeta, "rows" | "largestTest" | "largestProduct" | "bytes"> {
  using db = openDatabase(path, { readOnly: true });
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const largestTest = db.prepare(
    "SELECT id, bug_count AS bugs FROM tests ORDER BY bug_count DESC, id LIMIT 1",
  )
    .get() as { id: number; bugs: number } | undefined;
  const largestProduct = db.prepare(
    "SELECT id, test_count AS tests FROM products ORDER BY test_count DESC, id LIMIT 1",
  ).get() as { id: number; tests: number } | undefined;
  return {
    rows: {
      products: n("SELECT count(*) AS n FROM products"),
      tests: n("SELECT count(*) AS n FROM tests"),
      bugs: n("SELECT count(*) AS n FROM bugs"),
      features: n("SELECT count(*) AS n FROM features"),
    },
    largestTest: largestTest ?? { id: 0, bugs: 0 },
    largestProduct: largestProduct ?? { id: 0, tests: 0 },
    bytes: Deno.statSync(path).size,
  };
}

/** Options of {@link buildDataset}. */
export interface BuildOptions {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** Syncs a fresh cache for `scale` from the fake API and records its metadata. */
export async function buildDataset(scale: Scale, seed = 1, options: BuildOptions = {}): Promise<Dataset> {
  const say = options.log ?? ((line: string) => console.error(line));
  Deno.mkdirSync(DATA_DIR, { recursive: true });
  const path = datasetPath(scale, seed);
  const building = `${path}.building`;
  removeDb(building);
  await using api = await spawnFakeApi({ scale, seed, now: DATASET_NOW });
  say(
    `dataset ${scale}: syncing ${api.counts.products} products, ${api.counts.tests} tests, ` +
      `${api.counts.bugs} bugs from the fake API (pid ${api.pid})…`,
  );
  const config = loadConfig({
    env: {
      TESTIO_CUSTOMER_API_TOKEN: api.token,
      TESTIO_CUSTOMER_API_BASE_URL: api.baseUrl,
      TESTIO_DB_PATH: building,
      TESTIO_REPORTS_DIR: `${DATA_DIR}reports`,
      // A benchmark cache must hold every test, however many pages a product has.
      TESTIO_MAX_PAGES: "10000",
      TESTIO_LOG_LEVEL: "warn",
    },
    dotenvDir: null,
  });
  const log = createLogger({ level: "warn", secrets: [api.token] });
  let summary: SyncSummary;
  let buildMs: number;
  {
    await using app = openApp(config, log);
    let lastSay = performance.now();
    const started = performance.now();
    summary = await app.engine.run({
      mode: "full",
      trigger: "test",
      onProgress: (p) => {
        if (performance.now() - lastSay < 10_000) return;
        lastSay = performance.now();
        say(
          `  ${((performance.now() - started) / 1000).toFixed(0)} s: ${p.phase} ${p.done}/${p.total ?? "?"}`,
        );
      },
    });
    buildMs = performance.now() - started;
  }
  if (summary.status === "failed" || summary.status === "cancelled") {
    throw new Error(
      `dataset ${scale}: sync ${summary.status}: ${summary.error ?? summary.warnings.join("; ")}`,
    );
  }
  const facts = inspect(building);
  if (facts.rows.tests !== api.counts.tests || facts.rows.bugs !== api.counts.bugs) {
    throw new Error(
      `dataset ${scale}: the cache holds ${facts.rows.tests} tests / ${facts.rows.bugs} bugs, the fake API ` +
        `${api.counts.tests} / ${api.counts.bugs}; sync warnings: ${summary.warnings.slice(0, 5).join("; ")}`,
    );
  }
  removeDb(path);
  Deno.renameSync(building, path);
  removeDb(building);
  const meta: DatasetMeta = {
    scale,
    seed,
    now: DATASET_NOW.toISOString(),
    schemaVersion: LATEST_VERSION,
    fingerprint: datasetFingerprint(scale, seed),
    builtAt: new Date().toISOString(),
    buildMs: Math.round(buildMs),
    sync: summary,
    ...facts,
    source: { products: api.counts.products, tests: api.counts.tests, bugs: api.counts.bugs },
  };
  Deno.writeTextFileSync(metaPath(scale, seed), JSON.stringify(meta, null, 2) + "\n");
  recordDataset(meta);
  say(
    `dataset ${scale}: built in ${(buildMs / 1000).toFixed(1)} s (${summary.requests_made} requests), ` +
      `${(facts.bytes / 1e6).toFixed(1)} MB`,
  );
  return { path, meta };
}

/** Writes a cache's build facts to the "datasets" suite of `bench/results.json`. */
export function recordDataset(meta: DatasetMeta): void {
  const s = meta.scale;
  saveSuite("datasets", {
    method: "Each cache is a full sync (`SyncEngine.run`, mode full) from the fake API running in a child " +
      "process, no added latency, default concurrency; the time is the sync's wall time, on a machine that " +
      "may be running other work.",
    figures: {
      [`${s}.built_at`]: meta.builtAt,
      [`${s}.sync_s`]: Math.round(meta.buildMs / 100) / 10,
      [`${s}.requests`]: meta.sync.requests_made,
      [`${s}.products / tests / bugs`]: `${meta.rows.products} / ${meta.rows.tests} / ${meta.rows.bugs}`,
      [`${s}.mb`]: Math.round(meta.bytes / 1e5) / 10,
      [`${s}.largest test (bugs)`]: `${meta.largestTest.id} (${meta.largestTest.bugs})`,
      [`${s}.largest product (tests)`]: `${meta.largestProduct.id} (${meta.largestProduct.tests})`,
    },
  });
}

/** The cache of `scale`, built first when missing or out of date. */
export async function ensureDataset(
  scale: Scale,
  seed = 1,
  options: BuildOptions & { rebuild?: boolean } = {},
): Promise<Dataset> {
  const path = datasetPath(scale, seed);
  const meta = readMeta(scale, seed);
  if (
    !options.rebuild && meta && exists(path) && meta.fingerprint === datasetFingerprint(scale, seed) &&
    meta.schemaVersion === LATEST_VERSION
  ) {
    return { path, meta };
  }
  return await buildDataset(scale, seed, options);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { seed: { type: "string", default: "1" }, rebuild: { type: "boolean", default: false } },
  });
  const scales = (positionals.length ? positionals : ["S", "M"]).map((s) => s.toUpperCase());
  for (const scale of scales) {
    if (!["S", "M", "L"].includes(scale)) throw new Error(`scale must be S, M or L: got '${scale}'`);
    const { path, meta } = await ensureDataset(scale as Scale, Number(values.seed), {
      rebuild: values.rebuild,
    });
    recordDataset(meta);
    console.log(JSON.stringify({ path, buildMs: meta.buildMs, bytes: meta.bytes, rows: meta.rows }));
  }
}
