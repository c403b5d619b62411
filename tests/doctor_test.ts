/**
 * `doctor`: a healthy synced installation, the API verdicts (valid, 401, unreachable, offline, no
 * token), the cache states (missing, pending migrations, newer schema, damaged file) and that the
 * report never prints a secret and never changes the cache.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { loadConfig } from "../src/config.ts";
import { diagnose, type DoctorReport } from "../src/cli/doctor.ts";
import { openDatabase } from "../src/db/database.ts";
import { LATEST_VERSION, MIGRATIONS, migrationStatus } from "../src/db/migrations.ts";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, closedPort, runCommand } from "./helpers/stdio_process.ts";

async function doctorCli(env: Record<string, string>, args: string[] = []) {
  return await runCommand(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "doctor", ...args], {
    env: await childEnv(env),
    cwd: env.HOME,
  });
}

function report(env: Record<string, string>, offline = false): Promise<DoctorReport> {
  return diagnose(loadConfig({ env, dotenvDir: null }), { env, offline });
}

Deno.test("doctor", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });

  await t.step(
    "a synced cache and a valid token: exit 0, counts, schema, syncs, secrets masked",
    async () => {
      const r = await doctorCli(fx.env, ["--json"]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const rep = JSON.parse(r.stdout) as DoctorReport;
      assert.equal(rep.ok, true);
      assert.equal(rep.api.status, "valid");
      assert.equal(rep.api.products_visible, fx.api.dataset.products.length);
      assert.equal(rep.database.schema_version, LATEST_VERSION);
      assert.equal(rep.database.counts?.products, fx.api.dataset.products.length);
      assert.ok((rep.database.counts?.bugs ?? 0) > 0);
      assert.ok(rep.database.size_bytes > 0);
      assert.ok(rep.database.last_completed_at);
      assert.ok(rep.database.recent_syncs.length >= 1);
      assert.equal(rep.database.sync_running, null);
      assert.match(String(rep.settings.TESTIO_CUSTOMER_API_TOKEN), /^set \(\d+ chars\)$/);
      assert.ok(!r.stdout.includes(fx.api.token), "the token is never printed");
    },
  );

  await t.step("the text report reads as one", async () => {
    const r = await doctorCli(fx.env);
    assert.equal(r.code, 0, r.stderr);
    for (
      const part of ["Settings in force:", `Database: ${fx.dbPath}`, "✓ token valid", "No problems found."]
    ) {
      assert.ok(r.stdout.includes(part), `has '${part}'`);
    }
    assert.ok(!r.stdout.includes(fx.api.token));
  });

  await t.step("a rejected token is a problem (exit 1) with the way out", async () => {
    const r = await doctorCli({ ...fx.env, TESTIO_CUSTOMER_API_TOKEN: "revoked-token-xyz" }, ["--json"]);
    assert.equal(r.code, 1);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(rep.api.status, "unauthorized");
    assert.equal(rep.api.http_status, 401);
    // Run from a checkout, the hint names the task.
    assert.match(rep.problems[0].next, /'deno task setup'/);
    assert.ok(!r.stdout.includes("revoked-token-xyz"));
  });

  await t.step("an unreachable API is reported, the cache still described", async () => {
    const env = { ...fx.env, TESTIO_CUSTOMER_API_BASE_URL: `http://127.0.0.1:${closedPort()}/customer/v2` };
    const rep = await report(env);
    assert.equal(rep.api.status, "unreachable");
    assert.equal(rep.ok, false);
    assert.equal(rep.database.counts?.products, fx.api.dataset.products.length);
  });

  await t.step("--offline skips the API; no token is a problem", async () => {
    assert.equal((await report(fx.env, true)).api.status, "skipped");
    const { TESTIO_CUSTOMER_API_TOKEN: _token, ...noToken } = fx.env;
    const rep = await report(noToken);
    assert.equal(rep.api.status, "no_token");
    assert.equal((await report(noToken, true)).api.status, "no_token", "offline too");
    assert.match(rep.problems.map((p) => p.what).join("\n"), /TESTIO_CUSTOMER_API_TOKEN is not set/);
  });

  await t.step("a missing cache is a note, and doctor does not create it", async () => {
    const path = `${fx.dir}/missing/cache.db`;
    const rep = await report({ ...fx.env, TESTIO_DB_PATH: path }, true);
    assert.equal(rep.database.exists, false);
    assert.match(rep.notes.map((n) => n.what).join("\n"), /does not exist yet/);
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  });

  await t.step("pending migrations are a note, and doctor does not apply them", async () => {
    const path = `${fx.dir}/blank.db`;
    openDatabase(path)[Symbol.dispose]();
    const rep = await report({ ...fx.env, TESTIO_DB_PATH: path }, true);
    assert.equal(rep.ok, true);
    assert.deepEqual(rep.database.pending_migrations, MIGRATIONS.map((m) => m.version));
    assert.match(rep.notes.map((n) => n.what).join("\n"), /pending/);
    using db = openDatabase(path);
    assert.equal(migrationStatus(db).current, 0);
  });

  await t.step("a schema newer than the program is a problem", async () => {
    const path = `${fx.dir}/newer.db`;
    await Deno.copyFile(fx.dbPath, path);
    const raw = new DatabaseSync(path);
    raw.exec("INSERT INTO schema_migrations VALUES (999, 'future', 'x', '2030-01-01T00:00:00Z')");
    raw.close();
    const rep = await report({ ...fx.env, TESTIO_DB_PATH: path }, true);
    assert.equal(rep.ok, false);
    assert.match(rep.problems[0].what, /schema version 999, newer than this program knows/);
    assert.match(rep.problems[0].next, /Upgrade testio-mcp/);
  });

  await t.step("a damaged cache file is a problem with the way out", async () => {
    const path = `${fx.dir}/damaged.db`;
    await Deno.writeTextFile(path, "this is not a database, just text that happens to be here");
    const rep = await report({ ...fx.env, TESTIO_DB_PATH: path }, true);
    assert.equal(rep.ok, false);
    assert.match(rep.problems[0].what, /cannot be used: .* is not a SQLite database/);
    assert.match(rep.problems[0].next, /Point TESTIO_DB_PATH at a new file name \(or move that file away\)/);
  });

  await t.step("a settings file other users can read is a note", async () => {
    await Deno.mkdir(`${fx.dir}/.testio-mcp`, { recursive: true });
    const path = `${fx.dir}/.testio-mcp/.env`;
    await Deno.writeTextFile(path, "TESTIO_LOG_LEVEL=warn\n", { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    const rep = await report(fx.env, true);
    assert.equal(rep.settings_files.find((f) => f.kind === "home")?.mode, "644");
    assert.match(rep.notes.map((n) => n.next).join("\n"), /chmod 600/);
    await Deno.remove(path);
  });

  await t.step("invalid settings: exit 2, with --json too", async () => {
    const r = await doctorCli({ ...fx.env, TESTIO_MAX_CONCURRENT_REQUESTS: "500" }, ["--json"]);
    assert.equal(r.code, 2);
    assert.match(JSON.parse(r.stdout).settings_errors[0], /TESTIO_MAX_CONCURRENT_REQUESTS="500"/);
    const text = await doctorCli({ ...fx.env, TESTIO_MAX_CONCURRENT_REQUESTS: "500" });
    assert.equal(text.code, 2);
    assert.match(text.stderr, /TESTIO_MAX_CONCURRENT_REQUESTS/);
  });
});
