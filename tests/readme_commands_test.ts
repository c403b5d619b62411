/**
 * The README's commands are true as written: every command has a `deno task` of its name, every
 * `deno task …` the README names exists, and every flag, action and placeholder the README gives a
 * command appears in that command's `--help` (which `docs/commands.md` is generated from).
 */
import assert from "node:assert/strict";
import { COMMANDS, main } from "../main.ts";
import { captureIO } from "./helpers/cli_io.ts";
import { ROOT } from "./helpers/mcp.ts";

const README = Deno.readTextFileSync(`${ROOT}README.md`);
const COMMANDS_DOC = Deno.readTextFileSync(`${ROOT}docs/commands.md`);
const TASKS = Object.keys(
  (JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)) as { tasks: Record<string, string> }).tasks,
);
/** Task names that are another name of a command. */
const ALIASES: Record<string, string> = { start: "serve" };
const commandOf = (name: string) => ALIASES[name] ?? name;
const isCommand = (name: string) => COMMANDS.some((c) => c.name === commandOf(name));

async function helpOf(command: string): Promise<string> {
  const io = captureIO({});
  assert.equal(await main([command, "--help"], io), 0, `${command} --help`);
  return io.out();
}

/** The rows of the README's command table: names from the first cell, the description after. */
function commandRows(): { names: string[]; text: string }[] {
  const start = README.indexOf("| Command ");
  assert.ok(start >= 0, "the README has a command table");
  const rows = README.slice(start).split("\n\n")[0].split("\n").slice(2);
  return rows.map((row) => {
    const [, first, text] = row.split(/(?<!\\)\|/);
    return { names: [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]), text };
  });
}

/** The words of a help text, for whole-word checks ("N" must not match inside "Nothing"). */
function mentions(help: string, word: string): boolean {
  return new RegExp(`(^|[^\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "m").test(help);
}

/**
 * What the README promises about a command in one code span: its flags, its placeholders (`PRODUCT_ID`,
 * `DATE`) and, when the span starts with one, its action (`retry PRODUCT_ID`, `down [N]`).
 */
function promises(span: string): string[] {
  const tokens = span.replaceAll("\\|", "|").split(/\s+/).filter(Boolean);
  return tokens.flatMap((token, i) => {
    if (token.startsWith("--")) return [token.split("=")[0]];
    return token.replace(/[[\]…]/g, "").split("|").filter((part) =>
      /^[A-Z][A-Z_]*$/.test(part) || (i === 0 && tokens.length > 1 && /^[a-z]+$/.test(part))
    );
  });
}

Deno.test("README commands agree with the program", async (t) => {
  const rows = commandRows();

  await t.step("every command has a README row and a deno task of its name", () => {
    const listed = rows.flatMap((r) => r.names).map(commandOf);
    for (const c of COMMANDS) {
      assert.ok(listed.includes(c.name), `README command table lists ${c.name}`);
      assert.ok(TASKS.includes(c.name), `deno.json has a task '${c.name}'`);
    }
    assert.ok(TASKS.includes("start"), "deno.json has a task 'start'");
  });

  await t.step("every name in the command table is a command or a task", () => {
    for (const name of rows.flatMap((r) => r.names)) {
      assert.ok(isCommand(name) || TASKS.includes(name), `'${name}' in the README table`);
    }
  });

  await t.step("every `deno task NAME` in the README exists", () => {
    const named = [...README.matchAll(/\bdeno(?:@[\d.]+)? task ([a-z][\w:-]*)/g)].map((m) => m[1]);
    assert.ok(named.length > 10);
    for (const name of named) assert.ok(TASKS.includes(name), `deno task ${name}`);
  });

  await t.step(
    "flags, actions and placeholders of each table row appear in the command's --help",
    async () => {
      for (const row of rows) {
        const name = row.names.find(isCommand);
        if (!name) continue;
        const help = await helpOf(commandOf(name));
        const spans = [...row.text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        for (const word of spans.flatMap(promises)) {
          assert.ok(mentions(help, word), `README says '${word}' for ${name}; its --help does not:\n${help}`);
        }
      }
    },
  );

  await t.step("flags of every command line written out in the README appear in its --help", async () => {
    const lines = [...README.matchAll(/\b(?:deno(?:@[\d.]+)? task|testio-mcp) ([a-z][\w-]*)([^`#\n)]*)/g)];
    let checked = 0;
    for (const [, name, rest] of lines) {
      if (!isCommand(name)) continue;
      const help = await helpOf(commandOf(name));
      for (const flag of rest.match(/--[a-z][\w-]*/g) ?? []) {
        assert.ok(mentions(help, flag), `README runs '${name} … ${flag}'; its --help does not list ${flag}`);
        checked++;
      }
    }
    assert.ok(checked >= 4, "the README writes out some command lines with flags");
  });

  await t.step("docs/commands.md holds each command's --help as the program prints it", async () => {
    for (const c of COMMANDS) {
      assert.ok(COMMANDS_DOC.includes((await helpOf(c.name)).trimEnd()), `${c.name}: run 'deno task docs'`);
    }
  });
});

Deno.test("the README-vs-help check catches a renamed placeholder", () => {
  assert.deepEqual(promises("map EVENT_ID TEST_ID…"), ["map", "EVENT_ID", "TEST_ID"]);
  assert.deepEqual(promises("--since DATE\\|all"), ["--since", "DATE"]);
  assert.deepEqual(promises("down [N]"), ["down", "N"]);
  const help = "Usage: testio-mcp problematic map RANGE_ID TEST_ID…\nNothing";
  assert.ok(!mentions(help, "EVENT_ID"));
  assert.ok(mentions(help, "RANGE_ID") && mentions(help, "TEST_ID"));
  assert.ok(!mentions(help, "N"), "whole words only");
});
