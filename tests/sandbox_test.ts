/**
 * The words of `src/sandbox.ts` for each way the program is started (a checkout, the npm package, the
 * compiled binary), and the error kinds it tells apart, from real refusals of a child process run
 * with narrow permissions.
 */
import assert from "node:assert/strict";
import { commandHint as launchCommand } from "../src/launch.ts";
import { commandHint, widenAdvice } from "../src/sandbox.ts";
import { ROOT } from "./helpers/mcp.ts";
import { runCommand } from "./helpers/stdio_process.ts";

Deno.test("sandbox: advice and command hints follow the way the program was started", () => {
  const path = "/srv/other/cache.db";
  assert.match(widenAdvice("write", path, "TESTIO_DB_PATH", "checkout"), /the task's flags in deno\.json/);
  assert.match(
    widenAdvice("write", path, "TESTIO_DB_PATH", "npm"),
    /the npm package starts Deno with the fixed permissions of the tasks/,
  );
  assert.match(
    widenAdvice("write", path, undefined, "binary"),
    /^Use a build whose baked-in permissions include/,
  );
  for (const launch of ["checkout", "npm", "binary"] as const) {
    assert.match(widenAdvice("read", path, "TESTIO_DB_PATH", launch), /\/srv\/other/);
  }
  // The command itself is worded by src/launch.ts for each way of starting (tests/launch_test.ts).
  assert.equal(commandHint("sync --rebuild"), `\`${launchCommand("sync --rebuild")}\``);
});

Deno.test("sandbox: real refusals under narrow permissions become three-part errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-sandbox-" });
  try {
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { formatCliError } from "${ROOT}src/cli/errors.ts";
for (const f of [
  () => Deno.writeTextFile("${dir}/out/x", "x"),
  () => Deno.readTextFile("/etc/hostname"),
  () => fetch("http://api.example.com/"),
  () => Deno.env.get("PATH"),
]) {
  try { await f(); } catch (e) { console.log(formatCliError(e) + "\\n--"); }
}
`,
    );
    const r = await runCommand(
      Deno.execPath(),
      ["run", `--allow-read=${ROOT},${dir}`, `--allow-write=${dir}/allowed`, "--allow-env=HOME", script],
      { env: { HOME: dir, PATH: Deno.env.get("PATH") ?? "" }, cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const [write, read, net, env] = r.stdout.split("\n--\n");
    assert.match(write, new RegExp(`^error: Cannot go on: this process may not write ${dir}/out/x`));
    assert.match(
      write,
      /cause: +Deno's sandbox refused it: the process was started with --allow-write limited/,
    );
    assert.match(write, new RegExp(`next: +Add --allow-read=${dir}/out and --allow-write=${dir}/out to`));
    assert.match(read, /this process may not read \/etc\/hostname/);
    assert.match(net, /^error: Cannot connect to api\.example\.com:80: this process may not reach that host/);
    assert.match(env, /^error: Deno's sandbox refused an operation: Requires env access to "PATH"$/m);
    assert.doesNotMatch(r.stdout, /run again with/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
