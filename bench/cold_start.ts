/**
 * `deno run -A bench/cold_start.ts`: what a first start costs on a machine that has never run the
 * server. Starts `deno task demo` with an empty DENO_DIR and an empty HOME, connects an MCP client
 * over stdio and times the first answer (`initialize` and `tools/list`); then counts the npm
 * packages Deno downloaded and the size of the cache.
 *
 * `--task NAME` measures another task (default `demo`); `--warm` runs `deno task warm` first and
 * reports its time separately, as the README's install steps do. `--npm` measures the npm package
 * instead: `deno task pack`, `npm install` of the tarball into an empty prefix with an empty npm
 * cache, then `testio-mcp demo` until its first answer (Node only on PATH).
 *
 * @example
 * ```sh
 * deno run -A bench/cold_start.ts            # cold `deno task demo`
 * deno run -A bench/cold_start.ts --warm     # `deno task warm`, then `deno task demo`
 * deno run -A bench/cold_start.ts --npm      # npm install of the packed tarball, then `testio-mcp demo`
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { connectStdio } from "../tests/helpers/stdio_process.ts";
import { installPackage } from "../tests/helpers/npm_package.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** npm packages (name@version folders) in a Deno cache. */
export async function npmPackages(denoDir: string): Promise<number> {
  const registry = `${denoDir}/npm/registry.npmjs.org`;
  let count = 0;
  const countVersions = async (dir: string) => {
    for await (const v of Deno.readDir(dir)) if (v.isDirectory) count++;
  };
  try {
    for await (const e of Deno.readDir(registry)) {
      if (!e.isDirectory) continue;
      if (e.name.startsWith("@")) {
        for await (const s of Deno.readDir(`${registry}/${e.name}`)) {
          if (s.isDirectory) await countVersions(`${registry}/${e.name}/${s.name}`);
        }
      } else {
        await countVersions(`${registry}/${e.name}`);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return count;
}

/** Bytes under `dir`, each file once however many hard links it has (as `du` counts). */
export async function treeSize(dir: string, seen = new Set<number>()): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) total += await treeSize(path, seen);
    else if (e.isFile) {
      const info = await Deno.lstat(path);
      if (info.ino !== null && seen.has(info.ino)) continue;
      if (info.ino !== null) seen.add(info.ino);
      total += info.size;
    }
  }
  return total;
}

/** Cold install of the npm package and the first answer of `testio-mcp demo`. */
async function npmColdStart(): Promise<Record<string, number>> {
  await using pkg = await installPackage();
  const firstAnswer = async () => {
    const started = performance.now();
    await using server = await connectStdio(pkg.bin, ["demo"], pkg.env, pkg.dir);
    await server.client.listTools();
    return performance.now() - started;
  };
  const firstAnswerMs = await firstAnswer();
  // What a client meets once the package is installed (after `npx -y testio-mcp --version`).
  const nextStartMs = await firstAnswer();
  return {
    npm_install_ms: Math.round(pkg.installMs),
    first_answer_ms: Math.round(firstAnswerMs),
    install_and_first_answer_ms: Math.round(pkg.installMs + firstAnswerMs),
    next_start_answer_ms: Math.round(nextStartMs),
    installed_mb: Math.round((await treeSize(`${pkg.dir}/prefix`)) / 1e5) / 10,
    downloaded_mb: Math.round((await treeSize(pkg.npmCache)) / 1e5) / 10,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      task: { type: "string", default: "demo" },
      warm: { type: "boolean", default: false },
      npm: { type: "boolean", default: false },
    },
  });
  if (values.npm) {
    console.log(JSON.stringify(await npmColdStart()));
    Deno.exit(0);
  }
  const denoDir = await Deno.makeTempDir({ prefix: "testio-mcp-cold-deno-" });
  const home = await Deno.makeTempDir({ prefix: "testio-mcp-cold-home-" });
  const env = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: home,
    DENO_DIR: denoDir,
    NO_COLOR: "1",
    // What a machine behind a TLS-inspecting proxy needs for Deno's own downloads.
    DENO_TLS_CA_STORE: "mozilla,system",
  };
  try {
    let warmMs = 0;
    if (values.warm) {
      const t0 = performance.now();
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "warm"],
        cwd: ROOT,
        env,
        clearEnv: true,
        stdout: "null",
        stderr: "piped",
      }).output();
      warmMs = performance.now() - t0;
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    }
    const t0 = performance.now();
    await using server = await connectStdio(Deno.execPath(), ["task", values.task!], env, ROOT);
    const connectedMs = performance.now() - t0;
    const { tools } = await server.client.listTools();
    const firstAnswerMs = performance.now() - t0;
    const result = {
      task: values.task,
      warm_ms: values.warm ? Math.round(warmMs) : null,
      initialize_ms: Math.round(connectedMs),
      tools_list_ms: Math.round(firstAnswerMs),
      tools: tools.length,
      npm_packages: await npmPackages(denoDir),
      deno_dir_mb: Math.round((await treeSize(denoDir)) / 1e5) / 10,
    };
    console.log(JSON.stringify(result));
  } finally {
    await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}
