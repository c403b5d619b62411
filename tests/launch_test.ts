/**
 * How the program was started, and what follows from it: the command hints name the command the way
 * the person runs it, and the MCP client launch `setup` prints keeps the tasks' least privilege.
 */
import assert from "node:assert/strict";
import { clientLaunch, commandHint, detectLaunch, type Launch } from "../src/launch.ts";
import { launchFlags, taskFlags } from "../src/task_flags.ts";
import { COMMANDS } from "../main.ts";
import { readPermissionSets, readTasks } from "../scripts/tasks.ts";
import { ROOT } from "./helpers/mcp.ts";

const DENO = "/usr/bin/deno";

Deno.test("launch: how the program was started", () => {
  const kind = (execPath: string, mainModule: string) => detectLaunch({ execPath, mainModule }).kind;
  assert.equal(kind("/opt/bin/testio-mcp", "file:///x/main.ts"), "binary");
  assert.equal(kind("C:\\bin\\testio-mcp.exe", "file:///C:/x/main.ts"), "binary");
  assert.equal(kind(DENO, "file:///src/testio%20mcp/main.ts"), "checkout");
  assert.equal(kind(DENO, "file:///d/testio-mcp.js"), "bundle");
  assert.equal(
    kind(DENO, "file:///root/.npm/_npx/1a2b/node_modules/testio-mcp/dist/testio-mcp.js"),
    "npx",
  );
  assert.equal(kind(DENO, "file:///usr/lib/node_modules/testio-mcp/dist/testio-mcp.js"), "npm");
  assert.equal(
    detectLaunch({ execPath: DENO, mainModule: "file:///src/testio%20mcp/main.ts" }).main,
    "/src/testio mcp/main.ts",
  );
});

Deno.test("launch: hints name the command the way it is run", () => {
  const at = (kind: Launch["kind"], execPath = DENO): Launch => ({
    kind,
    execPath,
    main: "/d/testio-mcp.js",
  });
  assert.equal(commandHint("sync --force", at("checkout")), "deno task sync --force");
  assert.equal(commandHint("serve", at("checkout")), "deno task start");
  assert.equal(commandHint("migrate up", at("binary", "/opt/bin/testio-mcp")), "testio-mcp migrate up");
  assert.equal(commandHint("sync", at("binary", "C:\\t\\testio-mcp.exe")), "testio-mcp sync");
  assert.equal(commandHint("demo", at("npx")), "npx -y testio-mcp demo");
  assert.equal(commandHint("demo", at("npm")), "testio-mcp demo");
  assert.equal(commandHint("sync", at("bundle")), "deno run … testio-mcp.js sync");
});

Deno.test("launch: every command a hint can name has a task in a checkout", async () => {
  const tasks = await readTasks(ROOT);
  const sets = await readPermissionSets(ROOT);
  const flags = launchFlags(tasks, sets);
  for (const command of Object.values(flags)) {
    assert.ok(!command.some((f) => /^(-P|--permission-set)=/.test(f)), "permission sets are written out");
  }
  for (const { name } of COMMANDS) {
    const task =
      commandHint(name, { kind: "checkout", execPath: DENO, main: `${ROOT}main.ts` }).split(" ")[2];
    assert.ok(tasks[task], `deno task ${task} exists (for ${name})`);
    assert.ok(flags[name], `a task runs main.ts ${name}`);
  }
  // Two tasks running the same command must grant the same.
  for (const [name, text] of Object.entries(tasks)) {
    const m = /main\.ts (\S+)$/.exec(text);
    if (m) assert.deepEqual(launchFlags({ [name]: text }, sets)[m[1]], flags[m[1]], `task ${name}`);
  }
});

Deno.test("launch: what an MCP client starts keeps the tasks' least privilege", () => {
  const home = "/home/me";
  const checkout = clientLaunch({ kind: "checkout", execPath: DENO, main: "/src/t/main.ts" }, home);
  assert.deepEqual(checkout, { command: DENO, args: ["task", "--cwd", "/src/t", "start"] });
  assert.deepEqual(clientLaunch({ kind: "binary", execPath: "/opt/testio-mcp", main: "" }, home), {
    command: "/opt/testio-mcp",
    args: ["serve"],
  });
  assert.deepEqual(clientLaunch({ kind: "npx", execPath: DENO, main: "" }, home), {
    command: "npx",
    args: ["-y", "testio-mcp"],
  });
  const bundle = clientLaunch({ kind: "bundle", execPath: DENO, main: "/d/testio-mcp.js" }, home);
  assert.deepEqual(bundle.args, [
    "run",
    "--no-config",
    ...taskFlags("serve", home)!,
    "/d/testio-mcp.js",
    "serve",
  ]);
  assert.ok(bundle.args.includes(`--allow-write=${home}/.testio-mcp`), "HOME is expanded");
  for (const launch of [checkout, bundle]) {
    for (const blanket of ["--allow-read", "--allow-write", "--allow-env", "-A", "--allow-all"]) {
      assert.ok(!launch.args.includes(blanket), `no ${blanket}`);
    }
  }
});
