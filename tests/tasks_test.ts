/** deno.json reads well: `deno task` lists what every task does. */
import assert from "node:assert/strict";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, runCommand } from "./helpers/stdio_process.ts";
import { taskDescription } from "./helpers/tasks.ts";

Deno.test("every task says what it does", async () => {
  const tasks = Object.keys(
    (JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as { tasks: object }).tasks,
  );
  assert.ok(tasks.length > 0);
  for (const name of tasks) assert.ok(taskDescription(name)?.trim(), `task '${name}' has a description`);
  const listed = await runCommand(Deno.execPath(), ["task"], {
    env: await childEnv({ NO_COLOR: "1" }),
    cwd: ROOT,
  });
  const text = listed.stdout + listed.stderr;
  for (const name of tasks) assert.ok(text.includes(taskDescription(name)!), `deno task lists ${name}`);
});
