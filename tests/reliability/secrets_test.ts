/**
 * The API token (and the HTTP bearer token) never leak: a recognisable token goes through syncs, every
 * tool, every error path (HTTP 401 from the API with the right token and with a wrong one, bad
 * arguments, unknown ids) and every log level in both formats, and then it appears nowhere: not in
 * stdout, not in stderr, not in any byte of the database, its WAL and shared-memory files, not in the
 * sync events, not in exported report files (every file under the data folder is scanned).
 */
import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import { fakeFixture } from "../helpers/fixture.ts";
import { ROOT } from "../helpers/mcp.ts";
import { childEnv, runCommand } from "../helpers/stdio_process.ts";
import { spawnRawServer, THREE_PART, type ToolReply } from "./rpc.ts";

const TOKEN = `tio-SECRET-${crypto.randomUUID()}`;
const WRONG_TOKEN = `tio-WRONG-${crypto.randomUUID()}`;
const HTTP_TOKEN = `http-SECRET-${crypto.randomUUID()}`;
const SECRETS = [TOKEN, WRONG_TOKEN, HTTP_TOKEN];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(path));
    else if (e.isFile) out.push(path);
  }
  return out;
}

function leaks(where: string, text: string): string[] {
  return SECRETS.filter((s) => text.includes(s)).map((s) => `${where} holds ${s.slice(0, 10)}…`);
}

Deno.test("secrets: the tokens appear in no output, log, database byte, sync event or report", async (t) => {
  await using fx = await fakeFixture({ scale: "S", token: TOKEN, env: { TESTIO_HTTP_TOKEN: HTTP_TOKEN } });
  const data = fx.api.dataset;
  const outputs: [string, string][] = [];
  const cli = async (args: string[], env: Record<string, string>) => {
    const r = await runCommand(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, ...args], {
      env: await childEnv({ ...fx.env, ...env }),
      cwd: fx.dir,
    });
    outputs.push([`${args.join(" ")} stdout`, r.stdout], [`${args.join(" ")} stderr`, r.stderr]);
    return r;
  };

  await t.step("sync at every log level, in both formats", async () => {
    const debugJson = await cli(["sync", "--json"], { TESTIO_LOG_LEVEL: "debug", TESTIO_LOG_FORMAT: "json" });
    assert.equal(debugJson.code, 0, debugJson.stderr);
    assert.match(debugJson.stderr, /"level":"debug"/, "debug lines were written");
    const infoText = await cli(["sync", "--force"], { TESTIO_LOG_LEVEL: "info", TESTIO_LOG_FORMAT: "text" });
    assert.equal(infoText.code, 0, infoText.stderr);
    for (const args of [["sync", "--status"], ["sync", "--dry-run", "--json"], ["migrate", "status"]]) {
      const r = await cli(args, { TESTIO_LOG_LEVEL: "warn" });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  await t.step("HTTP 401: the API refuses the right token, then a wrong one", async () => {
    fx.api.setFaults({ failNext: [401] });
    const refused = await cli(["sync", "--json"], { TESTIO_LOG_LEVEL: "error", TESTIO_LOG_FORMAT: "json" });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 401/);
    const wrong = await cli(["sync"], {
      TESTIO_CUSTOMER_API_TOKEN: WRONG_TOKEN,
      TESTIO_LOG_LEVEL: "debug",
      TESTIO_LOG_FORMAT: "text",
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /HTTP 401/);
    const doctor = await cli(["doctor"], {
      TESTIO_CUSTOMER_API_TOKEN: WRONG_TOKEN,
      TESTIO_LOG_LEVEL: "debug",
    });
    assert.notEqual(doctor.code, 0);
  });

  await t.step("every tool, good and bad arguments, API errors, debug JSON logs", async () => {
    await using server = await spawnRawServer({
      ...fx.env,
      TESTIO_LOG_LEVEL: "debug",
      TESTIO_LOG_FORMAT: "json",
    }, {
      cwd: fx.dir,
    });
    const product = data.products[0].id;
    const test = data.testsOf(product).find((x) => data.bugCountOf(x.id) > 0)!;
    const running = data.testsOf(product).find((x) => x.status === "running") ?? test;
    const bug = data.bugsOf(test.id)[0];
    const feature = data.featuresOf(product)[0].feature.id;
    const good: [string, Record<string, unknown>][] = [
      ["list_products", {}],
      ["list_tests", { product_id: product }],
      ["list_features", { product_id: product }],
      ["list_user_stories", { product_id: product }],
      ["list_bugs", { product_id: product }],
      ["list_users", {}],
      ["get_product_summary", { product_id: product }],
      ["get_test_summary", { test_id: test.id }],
      ["get_test_status", { test_id: test.id }],
      ["get_feature_summary", { feature_id: feature }],
      ["get_bug_summary", { bug_id: bug.id }],
      ["get_user_summary", { username: bug.author.name }],
      ["generate_quality_report", {
        product_ids: [product],
        format: "markdown",
        output_file: "leak-check.md",
      }],
      ["generate_quality_report", {
        product_ids: [product],
        include_tests: true,
        output_file: "leak-check.json",
      }],
      ["query_metrics", { metrics: ["bug_count"], dimensions: ["severity"] }],
      ["get_analytics_capabilities", {}],
      ["search", { query: "login" }],
      ["sync_data", { mode: "full" }],
      ["get_server_diagnostics", { include_sync_events: true, sync_event_limit: 50 }],
      ["get_problematic_tests", {}],
    ];
    const { result } = await server.request("tools/list");
    const names = (result!.tools as { name: string }[]).map((x) => x.name).sort();
    assert.deepEqual([...new Set(good.map(([n]) => n))].sort(), names, "every tool is called");
    const replies: ToolReply[] = [];
    const call = async (name: string, args: unknown) => {
      const r = await server.callTool(name, args);
      assert.ok(!("rpcError" in r), `${name}: ${JSON.stringify(r)}`);
      replies.push(r);
      return r;
    };
    for (const [name, args] of good) {
      const r = await call(name, args);
      assert.ok(!r.isError, `${name}: ${r.content[0]?.text}`);
    }
    // The WAL while the server is up holds the latest writes (the sync above): scan it live.
    outputs.push([
      "live -wal",
      await Deno.readFile(`${fx.dbPath}-wal`).then((b) => new TextDecoder().decode(b)),
    ]);
    // Bad arguments, some carrying the token itself: error texts echo bad values, redacted.
    for (const name of names) {
      for (
        const args of [{ bogus: 1, product_id: -1, test_id: "x", bug_id: [] }, {
          product_id: TOKEN,
          query: 7,
        }]
      ) {
        const r = await call(name, { ...args, test_id: TOKEN, feature_id: TOKEN, bug_id: TOKEN });
        assert.ok(r.isError && THREE_PART.test(r.content[0].text!), name);
      }
    }
    for (
      const [name, args] of [["get_test_summary", { test_id: 999_999_999 }], ["get_bug_summary", {
        bug_id: 1,
      }]]
    ) {
      assert.ok((await call(name as string, args)).isError);
    }
    // API errors behind tools: a refused sync, a refused refresh of a stale test, a refused health check.
    fx.api.setFaults({ failNext: [401, 401, 401, 401, 401, 401] });
    assert.match((await call("sync_data", { mode: "full" })).content[0].text!, /401/);
    {
      using db = openDatabase(fx.dbPath);
      db.exec(`UPDATE tests SET synced_at = '2000-01-01T00:00:00Z' WHERE id = ${running.id}`);
    }
    fx.api.setFaults({ failNext: [401, 401] });
    await call("get_test_summary", { test_id: running.id });
    fx.api.setFaults({ failNext: [401] });
    await call("get_server_diagnostics", {});
    fx.api.clearFaults();
    const closed = await server.closeStdin();
    assert.equal(closed.status.code, 0);
    outputs.push(["serve stderr", server.stderr()]);
    outputs.push(["serve stdout (replies)", JSON.stringify(replies)]);
    outputs.push(["serve stdout (stray lines)", server.strayLines.join("\n")]);
    assert.match(server.stderr(), /"level":"debug"/);
  });

  await t.step("nothing anywhere holds a token", async () => {
    const found: string[] = [];
    for (const [where, text] of outputs) found.push(...leaks(where, text));
    let events = 0;
    let bytesScanned = 0;
    {
      using db = openDatabase(fx.dbPath, { readOnly: true });
      const rows = db.prepare("SELECT * FROM sync_events").all();
      events = rows.length;
      assert.ok(rows.length >= 4, "the syncs were recorded");
      assert.ok(rows.some((e) => /401/.test(String(e.error))), "a refused sync was recorded with its error");
      found.push(...leaks("sync_events", JSON.stringify(rows)));
    }
    const files = await filesUnder(fx.dir);
    assert.ok(
      files.some((f) => f.endsWith("leak-check.md")) && files.some((f) => f.endsWith("leak-check.json")),
    );
    assert.ok(files.some((f) => f.endsWith("cache.db")));
    // The database's own bytes, its -wal and -shm files (when left), reports, anything else written.
    for (const file of files) {
      const bytes = await Deno.readFile(file);
      bytesScanned += bytes.length;
      found.push(
        ...leaks(file.slice(fx.dir.length), new TextDecoder("utf-8", { fatal: false }).decode(bytes)),
      );
      found.push(...leaks(`${file.slice(fx.dir.length)} (latin1)`, new TextDecoder("latin1").decode(bytes)));
    }
    assert.deepEqual(found, []);
    const outputBytes = outputs.reduce((n, [, text]) => n + text.length, 0);
    console.error(
      `secrets: ${SECRETS.length} tokens checked in ${outputs.length} outputs (${outputBytes} chars), ` +
        `${events} sync events, ${files.length} files (${bytesScanned} bytes)`,
    );
  });
});
