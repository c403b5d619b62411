/**
 * `deno task pack`: the npm package `testio-mcp`, as a tarball that `npx -y testio-mcp` or
 * `npm install -g` installs on a machine with Node and nothing else.
 *
 * The package holds the bundle (`deno task bundle`: the npm packages and every text import, such as
 * migrations and views, inlined), `launch.json` (each command's permission and V8 flags, read from
 * the deno.json task that runs it), the launcher `bin/testio-mcp.cjs` (runs the bundle with the Deno
 * binary of the `deno` npm package and those flags) and a `package.json` whose name, version,
 * description and license come from deno.json, so the two never disagree.
 *
 * @example
 * ```sh
 * deno task pack                      # dist/testio-mcp-<version>.tgz
 * deno task pack --out /tmp/pkg       # /tmp/pkg/testio-mcp-<version>.tgz
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { launchFlags, type PermissionSet } from "../src/task_flags.ts";
import { PACKAGE_NAME } from "../src/launch.ts";
import { VERSION } from "../src/version.ts";
import { readPermissionSets, readTask, readTasks } from "./tasks.ts";

/** Where the bundle sits inside the package. */
export const BUNDLE_PATH = "dist/testio-mcp.js";
/** Where the launcher sits inside the package (the `bin` entry). */
export const BIN_PATH = "bin/testio-mcp.cjs";

/** What the launcher reads: the bundle and the flags of each command. */
export interface LaunchManifest {
  bundle: string;
  defaultCommand: string;
  flags: Record<string, string[]>;
}

interface DenoConfig {
  name?: string;
  version: string;
  description?: string;
  license?: string;
}

/**
 * The package.json of the npm package, from deno.json. The `deno` dependency is the version that
 * built the bundle, pinned: the bundle runs on the runtime it was made for.
 */
export function packageJson(config: DenoConfig, denoVersion: string): Record<string, unknown> {
  if (!config.description) throw new Error("deno.json needs a description for package.json");
  return {
    name: PACKAGE_NAME,
    version: config.version,
    description: config.description,
    ...(config.license ? { license: config.license } : {}),
    keywords: ["mcp", "mcp-server", "model-context-protocol", "testio"],
    bin: { [PACKAGE_NAME]: BIN_PATH },
    files: ["bin/", "dist/", "launch.json", "README.md"],
    engines: { node: ">=18" },
    dependencies: { deno: denoVersion },
  };
}

/** The flags of every command, from the deno.json tasks that run them (permission sets written out). */
export function launchManifest(
  tasks: Record<string, string>,
  sets: Record<string, PermissionSet>,
): LaunchManifest {
  const flags = launchFlags(tasks, sets);
  if (!flags.serve) throw new Error("no deno.json task runs main.ts serve");
  return { bundle: BUNDLE_PATH, defaultCommand: "serve", flags };
}

async function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const out = await new Deno.Command(command, { args, ...options, stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${command} ${args.join(" ")} failed with exit code ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

/** Builds the package in a temporary folder and packs it into `outDir`; returns the tarball's path. */
export async function pack(root: string, outDir: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`)) as DenoConfig;
  if (config.version !== VERSION) {
    throw new Error(`deno.json has version ${config.version} but src/version.ts has ${VERSION}`);
  }
  const stage = await Deno.makeTempDir({ prefix: "testio-mcp-pack-" });
  try {
    const bundle = await readTask(root, "bundle");
    const args = [...bundle.args];
    args[args.indexOf("--output") + 1] = `${stage}/${BUNDLE_PATH}`;
    await run(Deno.execPath(), args, { cwd: root, env: bundle.env });

    await Deno.mkdir(`${stage}/bin`);
    await Deno.copyFile(`${root}npm/launcher.cjs`, `${stage}/${BIN_PATH}`);
    await Deno.chmod(`${stage}/${BIN_PATH}`, 0o755);
    await Deno.copyFile(`${root}README.md`, `${stage}/README.md`);
    const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
    await Deno.writeTextFile(
      `${stage}/launch.json`,
      json(launchManifest(await readTasks(root), await readPermissionSets(root))),
    );
    await Deno.writeTextFile(`${stage}/package.json`, json(packageJson(config, Deno.version.deno)));

    await Deno.mkdir(outDir, { recursive: true });
    const packed = await run("npm", ["pack", "--json", "--pack-destination", outDir, stage], { cwd: stage });
    const [{ filename }] = JSON.parse(packed) as { filename: string }[];
    return `${outDir.replace(/\/$/, "")}/${filename}`;
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string", default: "dist" } } });
  const root = new URL("../", import.meta.url).pathname;
  const out = values.out!.startsWith("/") ? values.out! : `${Deno.cwd()}/${values.out}`;
  console.log(await pack(root, out));
}
