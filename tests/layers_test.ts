/**
 * The layers of `src/`, lowest first, and the rule between them: a module imports only from its own
 * layer or from layers below it. This list is the one place the order is written (the README's
 * architecture section explains it in words). A new folder or top-level file in `src/` must be placed
 * here before the test passes; a layer that does not exist yet (say, `views`) is simply skipped.
 */
import assert from "node:assert/strict";
import { ROOT } from "./helpers/mcp.ts";

/** Each inner list is one layer; its rooms are folders (or top-level files without `.ts`) of `src/`. */
export const LAYERS: readonly (readonly string[])[] = [
  ["domain"], // the shared vocabulary: statuses, severities, bug classes, rates, metrics
  ["errors", "version"], // error classes; the version string
  ["log"], // the stderr logger
  ["dates"], // date phrases → UTC bounds
  ["config"], // settings → a frozen Config
  ["sandbox", "launch", "task_flags"], // file-system refusals in words; how the program was started; task flags
  ["testio"], // the API client and payload schemas; fake/ holds the fake API
  ["db"], // SQLite, migrations, one repository per entity
  ["sync"], // the sync engine, freshness, locks
  ["reports"], // pure computations over repository rows
  ["views"], // MCP App views: browser code built into HTML the server embeds
  ["mcp"], // server, tools, resources, prompts, transports
  ["app"], // opening the cache and its services for a command
  ["cli"], // one module per command
  ["main"], // main.ts: parse arguments, dispatch a command
];

/**
 * Lower rooms a room still must not import: tools never call the API client (they ask sync's
 * freshness layer, then read the repositories), and reports are pure functions over repository rows.
 */
export const NOT_BELOW: Readonly<Record<string, readonly string[]>> = {
  mcp: ["testio"],
  reports: ["testio", "sync"],
};

const RANK = new Map(LAYERS.flatMap((rooms, rank) => rooms.map((room) => [room, rank] as const)));

/** The room of a path relative to the repository root: `src/db/repos/x.ts` → `db`, `main.ts` → `main`. */
export function roomOf(path: string): string | null {
  if (path === "main.ts") return "main";
  const m = /^src\/([^/]+?)(?:\.ts)?(?:\/|$)/.exec(path);
  return m ? m[1] : null;
}

/** Every relative import of a module: static `import`/`export … from`, side-effect imports and `import()`. */
export function importsOf(source: string): string[] {
  // Drop comments first: JSDoc examples show imports that are not edges.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  const patterns = [
    /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) if (m[1].startsWith(".")) found.push(m[1]);
  }
  return found;
}

/** Resolves a relative specifier against the importing file (both relative to the repository root). */
function resolve(from: string, specifier: string): string {
  return new URL(specifier, `file:///${from}`).pathname.slice(1);
}

/** One import that breaks the rule. */
export interface BadEdge {
  from: string;
  to: string;
  why: string;
}

/** The imports among `files` (path relative to the root → source) that run upwards or leave the code. */
export function badEdges(files: ReadonlyMap<string, string>): BadEdge[] {
  const bad: BadEdge[] = [];
  for (const [from, source] of files) {
    const fromRoom = roomOf(from);
    const fromRank = fromRoom === null ? undefined : RANK.get(fromRoom);
    if (fromRank === undefined) {
      bad.push({ from, to: "", why: `${from} is in no layer: add its room to LAYERS` });
      continue;
    }
    for (const specifier of importsOf(source)) {
      const to = resolve(from, specifier);
      if (/^(tests|bench|scripts)\//.test(to)) {
        bad.push({ from, to, why: "the program imports test, benchmark or script code" });
        continue;
      }
      const toRoom = roomOf(to);
      if (toRoom === null) continue; // data outside the code, such as migrations/*.sql
      const toRank = RANK.get(toRoom);
      if (toRank === undefined) {
        bad.push({ from, to, why: `${to} is in no layer: add its room to LAYERS` });
      } else if (toRank > fromRank) {
        bad.push({ from, to, why: `${fromRoom} sits below ${toRoom} and must not import it` });
      } else if (NOT_BELOW[fromRoom!]?.includes(toRoom)) {
        bad.push({ from, to, why: `${fromRoom} must not import ${toRoom}` });
      }
    }
  }
  return bad;
}

async function readSources(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set("main.ts", await Deno.readTextFile(`${ROOT}main.ts`));
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.(ts|tsx)$/.test(entry.name)) files.set(path, await Deno.readTextFile(`${ROOT}${path}`));
    }
  };
  await walk("src");
  return files;
}

Deno.test("layers", async (t) => {
  const files = await readSources();

  await t.step("every import of src/ points to its own layer or one below", () => {
    const bad = badEdges(files);
    assert.deepEqual(bad.map((e) => `${e.from} → ${e.to}: ${e.why}`), []);
  });

  await t.step("the scan sees real edges, in every form", () => {
    const edges = importsOf(files.get("main.ts")!);
    assert.ok(edges.includes("./src/cli/serve.ts"), "dynamic import() of a command");
    const repos = importsOf(files.get("src/db/repos/index.ts")!);
    assert.ok(repos.includes("./products.ts"), "static import");
    assert.ok(importsOf('export { x } from "../y.ts";').includes("../y.ts"), "re-export");
    assert.deepEqual(importsOf('/**\n * import { x } from "../../mcp/z.ts";\n */\nconst a = 1;'), []);
  });

  await t.step("an upward edge, a forbidden edge, an unplaced room and a test import are caught", () => {
    const bad = badEdges(
      new Map([
        ["src/db/repos/x.ts", 'import type { Y } from "../../mcp/context.ts";'],
        ["src/reports/y.ts", 'const m = await import("../cli/serve.ts");'],
        ["src/newroom/z.ts", "export const z = 1;"],
        ["src/sync/w.ts", 'import { f } from "../../tests/helpers/mcp.ts";'],
        [
          "src/mcp/ok.ts",
          'import { x } from "../domain/bugs.ts";\nimport { y } from "../db/repos/index.ts";',
        ],
        ["src/mcp/tools/t.ts", 'import { TestIOClient } from "../../testio/client.ts";'],
      ]),
    );
    assert.deepEqual(bad.map((e) => e.from), [
      "src/db/repos/x.ts",
      "src/reports/y.ts",
      "src/newroom/z.ts",
      "src/sync/w.ts",
      "src/mcp/tools/t.ts",
    ]);
  });
});
