/**
 * What a person reads from the command line: outcomes in words, counts that mean what they say, one
 * error style with one next step, and a visible wait when another sync holds the lock. Every case
 * runs the real program as a child process against the fake API.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { prepareSchema } from "../src/db/migrations.ts";
import { silentLogger } from "../src/log.ts";
import { hostName, lockPathOf } from "../src/sync/lock.ts";
import { fakeFixture, type Fixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, type CommandResult, runCommand } from "./helpers/stdio_process.ts";

async function cli(fx: Fixture, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return await runCommand(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, ...args], {
    env: await childEnv({ ...fx.env, ...env }),
    cwd: ROOT,
  });
}

/** Lines of `text` that start with `prefix`. */
function linesStarting(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

Deno.test("sync summaries in words, with counts that mean what they say", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });

  await t.step("a first sync: everything is new, nothing is 'updated'", async () => {
    const r = await cli(fx, ["sync"]);
    assert.equal(r.code, 0, r.stderr);
    const { tests, bugs } = fx.api.dataset.counts;
    assert.ok(bugs >= 1000, "thousands are grouped");
    assert.match(
      r.stderr,
      new RegExp(
        `^Sync completed in [\\d.]+ s \\(event #1\\): 4 products, .*, ${tests} new tests, 0 tests updated, ` +
          `${bugs.toLocaleString("en-US")} bugs, \\d+ API requests$`,
        "m",
      ),
    );
    assert.doesNotMatch(r.stderr, /100% done/);
  });

  await t.step("an incremental sync with nothing new reports 0 tests updated", async () => {
    const r = await cli(fx, ["sync"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Sync completed in .*: .*, 0 new tests, 0 tests updated, 0 bugs,/m);
  });

  await t.step("a changed test counts as updated, an identical one does not", async () => {
    const running = fx.api.dataset.products.flatMap((p) => fx.api.dataset.testsOf(p.id))
      .find((x) => x.status === "running")!;
    fx.api.dataset.setTestStatus(running.id, "locked");
    const r = await cli(fx, ["sync", "--force", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tests_updated, 1);
    assert.match(r.stderr, /, 0 new tests, 1 test updated, /);
  });

  await t.step("warnings: words for people, the status value for JSON", async () => {
    const r = await cli(fx, ["sync", "--product-ids", "99999", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, "completed_with_warnings");
    assert.match(r.stderr, /^Sync completed with 1 warning in [\d.]+ s/m);
    assert.doesNotMatch(r.stderr, /completed_with_warnings/);
    assert.match(r.stderr, /^Warnings:\n {2}- Product 99999 not visible to the API token: skipped$/m);
    const status = await cli(fx, ["sync", "--status"]);
    assert.match(status.stdout, /^Last sync: +#\d+ completed with 1 warning \(cli, incremental\)/m);
    const doctor = await cli(fx, ["doctor", "--offline"]);
    assert.match(doctor.stdout, /^ +#\d+ completed with 1 warning +incremental/m);
    assert.doesNotMatch(status.stdout + doctor.stdout, /completed_with_warnings/);
  });
});

Deno.test("a failure is told once, in one style, with one next step", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });

  await t.step("a rejected token", async () => {
    const r = await cli(fx, ["sync"], { TESTIO_CUSTOMER_API_TOKEN: "not-the-token" });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Sync failed after [\d.]+ s \(event #1\)/m);
    assert.equal(r.stderr.match(/HTTP 401/g)?.length, 1, r.stderr);
    assert.equal(linesStarting(r.stderr, "error: ").length, 1, r.stderr);
    assert.match(r.stderr, /^error: TestIO API rejected the token \(HTTP 401\)/m);
    assert.equal(linesStarting(r.stderr, "  next:  ").length, 1, r.stderr);
    assert.match(r.stderr, /^ {2}next: {2}.*TESTIO_CUSTOMER_API_TOKEN/m);
    assert.ok(!r.stderr.includes("not-the-token"), "the token is never printed");
  });

  await t.step("bad arguments and unknown commands use the same style", async () => {
    for (
      const args of [
        ["sync", "--bogus"],
        ["sync", "--wait", "-1"],
        ["no-such-command"],
        ["problematic", "map"],
        ["problematic", "clear"],
        ["migrate", "down", "x"],
        ["demo", "--scale", "XL"],
      ]
    ) {
      const r = await cli(fx, args);
      assert.equal(r.code, 2, args.join(" "));
      const [first, ...rest] = r.stderr.trimEnd().split("\n");
      assert.match(first, /^error: /, args.join(" "));
      assert.ok(rest.every((l) => /^ {2}(cause|next): /.test(l)), r.stderr);
      assert.equal(rest.filter((l) => l.startsWith("  next:")).length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /^Error:/m);
    }
  });
});

Deno.test("a busy sync says whom it waits for, then exits 3", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  {
    using db = openDatabase(fx.dbPath);
    prepareSchema(db, false, silentLogger());
  }
  // A lock held by a live process on this host (this test): it is not stale.
  const holder = { pid: Deno.pid, host: hostName(), started_at: new Date().toISOString() };
  Deno.writeTextFileSync(lockPathOf(fx.dbPath)!, JSON.stringify(holder));
  const r = await cli(fx, ["sync", "--wait", "1"]);
  assert.equal(r.code, 3, r.stderr);
  const [wait] = r.stderr.split("\n");
  assert.equal(
    wait,
    `Another sync holds the lock (pid ${holder.pid} on ${holder.host}, started ${holder.started_at}): ` +
      "waiting up to 1 s for it to finish (--wait SECONDS changes this)",
  );
  assert.match(r.stderr, /^error: Sync already in progress \(pid \d+ on .+\)/m);
});
