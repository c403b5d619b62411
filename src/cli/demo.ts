/**
 * `demo`: the whole product with no account and no network. Starts the fake TestIO API with synthetic
 * data on 127.0.0.1, syncs it into a demo cache beside the real one (never into it), then serves MCP.
 *
 * The demo dataset is pinned: its seed and reference day are stored in the demo cache, so a restart
 * regenerates exactly the same data and reuses the synced cache instead of syncing again.
 */
import { type Command, EXIT, helpText } from "./command.ts";
import { parseServeFlags, serveApp } from "./serve.ts";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { migrateUp } from "../db/migrations.ts";
import { SyncEventsRepo } from "../db/repos/sync_events.ts";
import { InputError } from "../errors.ts";
import { commandLogger, openApp } from "../app.ts";
import { startFakeApi } from "../testio/fake/server.ts";
import { startOfUtcDay } from "../testio/fake/generator.ts";
import type { Scale } from "../testio/fake/dataset.ts";

const DEMO_TOKEN = "demo-token-not-secret";

interface DemoPin {
  seed: number;
  now: string;
}

/** The pin of an already-synced demo cache, if it was made with `seed`. */
function existingPin(dbPath: string, seed: number): DemoPin | undefined {
  try {
    Deno.statSync(dbPath);
  } catch {
    return undefined;
  }
  using db = openDatabase(dbPath);
  migrateUp(db);
  using events = new SyncEventsRepo(db);
  const stored = events.getMeta("demo_pin");
  const pin = stored ? (JSON.parse(stored) as DemoPin) : undefined;
  return pin?.seed === seed && events.lastCompleted() ? pin : undefined;
}

/**
 * Reuses a synced demo cache made with the same seed, or starts a new one pinned to today. The demo
 * cache is ours alone, so a stale or different one is simply deleted.
 */
function preparePin(dbPath: string, seed: number, fresh: boolean): { pin: DemoPin; synced: boolean } {
  const reuse = fresh ? undefined : existingPin(dbPath, seed);
  if (reuse) return { pin: reuse, synced: true };
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(dbPath + suffix);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  const pin = { seed, now: startOfUtcDay().toISOString() };
  using db = openDatabase(dbPath);
  migrateUp(db);
  using events = new SyncEventsRepo(db);
  events.setMeta("demo_pin", JSON.stringify(pin));
  return { pin, synced: false };
}

function banner(
  url: string | null,
  counts: { products: number; tests: number; bugs: number },
  dbPath: string,
) {
  const where = url ? `Streamable HTTP at ${url}` : "stdio (connect an MCP client to this process)";
  return `
testio-mcp demo: ${counts.products} products, ${counts.tests} tests, ${counts.bugs} bugs of synthetic TestIO data
served over ${where}. Cache: ${dbPath}
Try asking your assistant:
  • "Which products are there and how many bugs does each have?"
  • "How is the newest running test of the first product going?"
  • "Which features produce the most rejected bugs this quarter?"
`;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "Serve MCP on built-in synthetic data: a fake TestIO API on loopback, synced into a demo cache.",
  usage:
    "demo [--transport stdio|http] [--host 127.0.0.1] [--port 8080] [--scale S|M|L] [--seed N] [--fresh]",
  help: `Options:
  --transport stdio|http  how to serve MCP (default stdio)
  --host, --port          HTTP bind address and port (default 127.0.0.1:8080)
  --scale S|M|L           size of the synthetic data (default S)
  --seed N                generator seed (default 1)
  --fresh                 rebuild the demo cache instead of reusing it
The demo cache lives beside TESTIO_DB_PATH as demo-<scale>.db; your real cache is never touched.`,
  async run(args, io) {
    const own = ["--scale", "--seed"];
    const serveArgs: string[] = [];
    const demoFlags: Record<string, string> = {};
    let fresh = false;
    for (let i = 0; i < args.length; i++) {
      const [flag, inline] = args[i].split("=", 2);
      if (own.includes(flag)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new InputError(`demo: ${flag} needs a value`);
        demoFlags[flag.slice(2)] = value;
      } else if (flag === "--fresh") fresh = true;
      else serveArgs.push(args[i]);
    }
    const { values, transport, port } = parseServeFlags("demo", serveArgs);
    if (values.help) {
      io.stdout(helpText(demoCommand));
      return EXIT.OK;
    }
    const scale = (demoFlags.scale ?? "S").toUpperCase();
    if (!["S", "M", "L"].includes(scale)) {
      throw new InputError(`--scale must be S, M or L: got '${demoFlags.scale}'`);
    }
    const seed = Number(demoFlags.seed ?? "1");
    if (!Number.isSafeInteger(seed)) {
      throw new InputError(`--seed must be an integer: got '${demoFlags.seed}'`);
    }

    const base = loadConfig({ env: io.env, envFile: values["env-file"] });
    const dbPath = `${base.dataDir}/demo-${scale}.db`;
    const { pin, synced } = preparePin(dbPath, seed, fresh);

    await using api = await startFakeApi({
      scale: scale as Scale,
      seed: pin.seed,
      now: new Date(pin.now),
      token: DEMO_TOKEN,
    });
    const config = loadConfig({
      env: io.env,
      envFile: values["env-file"],
      overrides: {
        TESTIO_CUSTOMER_API_BASE_URL: api.baseUrl,
        TESTIO_CUSTOMER_API_TOKEN: api.token,
        TESTIO_DB_PATH: dbPath,
        TESTIO_PRODUCT_IDS: "",
        TESTIO_SYNC_SINCE: "",
      },
    });
    const log = commandLogger(config);
    await using app = openApp(config, log);
    if (!synced) {
      log.info("syncing the demo data", { scale, db: dbPath });
      const summary = await app.engine.run({ mode: "full", trigger: "cli", signal: io.signal });
      if (summary.status === "failed" || summary.status === "cancelled") {
        io.stderr(`demo sync ${summary.status}: ${summary.error ?? summary.warnings.join("; ")}\n`);
        return EXIT.FAILED;
      }
      log.info("demo data synced", { ms: summary.duration_ms, tests: summary.tests_discovered });
    } else {
      log.info("reusing the synced demo cache", { db: dbPath });
    }
    const counts = {
      products: app.repos.products.count(),
      tests: app.repos.tests.count(),
      bugs: app.repos.bugs.count(),
    };
    return await serveApp(app, {
      transport,
      host: values.host,
      port,
      sync: false,
      banner: banner(transport === "http" ? "{url}" : null, counts, dbPath),
    }, io);
  },
};
