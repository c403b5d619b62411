/**
 * The memory and size benchmark (`deno task bench:memory`):
 *
 * 1. RSS of a spawned `main.ts serve --no-sync` on the L cache before and after 10,000 `tools/call`
 *    requests over stdio (a rotating mix of list_products, list_tests, get_test_summary, list_bugs
 *    and get_product_summary over many products, pages and tests), sampled from `/proc/<pid>/status`.
 * 2. Database bytes per 1,000 tests (with their bugs) of the M and L caches, with the largest tables
 *    and indexes behind the figure (SQLite's `dbstat`).
 *
 * `--scale M` runs part 1 on M instead of L; `--calls N` changes the number of calls;
 * `--server-v8-flags=--max-semi-space-size=1,--max-old-space-size=64` runs the server with those V8
 * flags (recorded beside the default run); `--skip-size` leaves out part 2.
 * @module
 */
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/database.ts";
import type { Scale } from "../src/testio/fake/mod.ts";
import { DATASET_NOW, ensureDataset } from "./dataset.ts";
import { benchEnv } from "./lib/context.ts";
import { spawnFakeApi } from "./lib/fake_api.ts";
import { MEMORY_FLAGS } from "../src/cli/permissions.ts";
import { type Figure, saveSuite } from "./lib/results.ts";
import { procStatusMb, spawnServer } from "./lib/stdio.ts";

/** The V8 flags `deno task start` and the compiled binary run with, as `--server-v8-flags` takes them. */
const SHIPPED_V8_FLAGS = MEMORY_FLAGS.map((f) => f.replace(/^--v8-flags=/, "")).join(",");

/** Part 1: RSS of `serve` after `calls` tool calls; `v8Flags` go to the server's V8. */
async function serveRss(
  scale: Scale,
  calls: number,
  v8Flags: string[],
  figures: Record<string, Figure>,
): Promise<void> {
  const dataset = await ensureDataset(scale);
  await using api = await spawnFakeApi({ scale, seed: dataset.meta.seed, now: DATASET_NOW });
  await using server = await spawnServer(benchEnv(dataset, api), v8Flags);
  // The run with the shipped flags is "serve"; runs with other flags are kept beside it, not over it.
  const serve = v8Flags.join(",") === SHIPPED_V8_FLAGS
    ? "serve"
    : `serve[${v8Flags.length ? v8Flags.join(" ") : "V8 defaults"}]`;
  const productIds: number[] = [];
  const testIds: number[] = [];
  {
    using db = openDatabase(dataset.path, { readOnly: true });
    for (const r of db.prepare("SELECT id FROM products ORDER BY id").all()) productIds.push(Number(r.id));
    for (const r of db.prepare("SELECT id FROM tests ORDER BY bug_count DESC, id LIMIT 500").all()) {
      testIds.push(Number(r.id));
    }
  }
  const mix = (i: number): [string, Record<string, unknown>] => {
    const product = productIds[i % productIds.length];
    switch (i % 5) {
      case 0:
        return ["list_products", { page: 1 + (i % 2), sort_by: i % 3 ? "title" : "bug_count" }];
      case 1:
        return ["list_tests", { product_id: product, page: 1 + (i % 3) }];
      case 2:
        return ["get_test_summary", { test_id: testIds[i % testIds.length] }];
      case 3:
        return ["list_bugs", { product_id: product, page: 1 + (i % 2) }];
      default:
        return ["get_product_summary", { product_id: product }];
    }
  };
  // The first calls load the modules and prepare the statements every later call reuses.
  for (let i = 0; i < 50; i++) await server.call(...mix(i));
  const before = procStatusMb(server.pid, "VmRSS");
  const started = performance.now();
  for (let i = 0; i < calls; i++) await server.call(...mix(i));
  const seconds = (performance.now() - started) / 1000;
  const after = procStatusMb(server.pid, "VmRSS");
  const peak = procStatusMb(server.pid, "VmHWM");
  const requests = (await api.stats()).requests;
  figures[`${serve}.scale`] = scale;
  figures[`${serve}.calls`] = calls;
  figures[`${serve}.seconds`] = Math.round(seconds * 10) / 10;
  figures[`${serve}.rss_before_mb`] = before === null ? null : Math.round(before * 10) / 10;
  figures[`${serve}.rss_after_mb`] = after === null ? null : Math.round(after * 10) / 10;
  figures[`${serve}.peak_rss_mb`] = peak === null ? null : Math.round(peak * 10) / 10;
  figures[`${serve}.api_requests`] = requests;
  console.log(
    `${serve} on ${scale}: RSS ${before?.toFixed(0)} MB after warm-up, ${
      after?.toFixed(0)
    } MB after ${calls} calls ` +
      `(peak ${peak?.toFixed(0)} MB, ${seconds.toFixed(1)} s, ${requests} API requests)`,
  );
}

/** Part 2: bytes per 1,000 tests, and the objects behind them. */
async function sizes(scale: Scale, figures: Record<string, Figure>): Promise<void> {
  const { path, meta } = await ensureDataset(scale);
  const perThousand = (meta.bytes / meta.rows.tests) * 1000 / 1e6;
  figures[`size.${scale}.bytes`] = meta.bytes;
  figures[`size.${scale}.tests / bugs`] = `${meta.rows.tests} / ${meta.rows.bugs}`;
  figures[`size.${scale}.mb_per_1000_tests`] = Math.round(perThousand * 100) / 100;
  figures[`size.${scale}.bytes_per_bug`] = Math.round(meta.bytes / meta.rows.bugs);
  using db = openDatabase(path, { readOnly: true });
  const objects = db.prepare(
    "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8",
  ).all() as { name: string; bytes: number }[];
  figures[`size.${scale}.largest_objects`] = objects
    .map((o) => `${o.name} ${(o.bytes / 1e6).toFixed(1)} MB (${Math.round((o.bytes / meta.bytes) * 100)}%)`)
    .join(", ");
  // The same cache after VACUUM: what the file holds without the slack of pages split while the
  // sync's concurrent batches inserted out of order.
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-bench-size-" });
  try {
    db.exec(`VACUUM INTO '${dir}/compact.db'`);
    const compact = Deno.statSync(`${dir}/compact.db`).size;
    const compactPerThousand = (compact / meta.rows.tests) * 1000 / 1e6;
    figures[`size.${scale}.mb_per_1000_tests_compacted`] = Math.round(compactPerThousand * 100) / 100;
    console.log(
      `size ${scale}: ${(meta.bytes / 1e6).toFixed(1)} MB for ${meta.rows.tests} tests → ` +
        `${perThousand.toFixed(1)} MB per 1,000 tests (${compactPerThousand.toFixed(1)} MB after VACUUM)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      scale: { type: "string", default: "L" },
      calls: { type: "string", default: "10000" },
      // The flags `deno task start` and the compiled binary run with; pass an empty value for V8's defaults.
      "server-v8-flags": {
        type: "string",
        default: MEMORY_FLAGS.map((f) => f.replace(/^--v8-flags=/, "")).join(","),
      },
      "skip-size": { type: "boolean", default: false },
    },
  });
  const scale = values.scale.toUpperCase() as Scale;
  if (!["S", "M", "L"].includes(scale)) throw new Error(`--scale must be S, M or L: got '${values.scale}'`);
  const figures: Record<string, Figure> = {};
  const v8Flags = values["server-v8-flags"].split(",").map((f) => f.trim()).filter(Boolean);
  await serveRss(scale, Number(values.calls), v8Flags, figures);
  if (!values["skip-size"]) { for (const s of ["M", "L"] as const) await sizes(s, figures); }
  saveSuite("memory", {
    method:
      "RSS: VmRSS/VmHWM from /proc of a spawned `main.ts serve --no-sync` (stdio, SDK client), after 50 " +
      "warm-up calls and after the measured calls. Size: file size of the synced cache after the final " +
      "checkpoint ÷ tests × 1,000; objects from SQLite's dbstat.",
    figures,
  });
}
