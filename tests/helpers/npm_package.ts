/**
 * The npm package installed the way a user installs it: `deno task pack`'s tarball into an empty
 * global prefix with an empty npm cache, so the `deno` dependency (and its platform binary) comes
 * from the registry. Install scripts are skipped (`--ignore-scripts`), as npm 11 does for packages not
 * allowed to run them: the launcher must find the Deno binary without the `deno` package's postinstall.
 *
 * @example
 * ```ts
 * import { runCommand } from "./stdio_process.ts";
 *
 * await using pkg = await installPackage();
 * await runCommand(pkg.bin, ["--version"], { env: pkg.env });
 * ```
 */
import { pack } from "../../scripts/pack.ts";
import { ROOT } from "./mcp.ts";

/** A package installed into a temporary prefix; disposing removes everything. */
export interface InstalledPackage extends AsyncDisposable {
  dir: string;
  tarball: string;
  /** The installed `testio-mcp` command. */
  bin: string;
  /** What a person with Node and nothing else has: PATH (without Deno), HOME. */
  env: Record<string, string>;
  /** The npm cache the install filled (an `npx` run can reuse it). */
  npmCache: string;
  /** How long `npm install` took. */
  installMs: number;
}

/**
 * A PATH for a person with Node and nothing else: a folder with links to node, npm, npx and sh
 * only (the folders of this machine's PATH also hold a global `deno`).
 */
async function nodeOnlyPath(dir: string): Promise<string> {
  const bin = `${dir}/node-bin`;
  await Deno.mkdir(bin);
  const folders = (Deno.env.get("PATH") ?? "").split(":");
  for (const name of ["node", "npm", "npx", "sh"]) {
    const found = folders.map((f) => `${f}/${name}`).find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
    if (!found) throw new Error(`${name} is not on PATH`);
    await Deno.symlink(await Deno.realPath(found), `${bin}/${name}`);
  }
  return bin;
}

/**
 * The network settings of this machine's npm and Node (certificate authority, proxy): a person's
 * npm has them too. npm reads its global config from the prefix, so it is named explicitly.
 */
async function machineNpmSettings(): Promise<Record<string, string>> {
  const out = await new Deno.Command("npm", { args: ["config", "get", "globalconfig"], stdout: "piped" })
    .output();
  const settings: Record<string, string> = {
    npm_config_globalconfig: new TextDecoder().decode(out.stdout).trim(),
  };
  for (
    const name of [
      "NODE_EXTRA_CA_CERTS",
      "HTTPS_PROXY",
      "https_proxy",
      "HTTP_PROXY",
      "http_proxy",
      "NO_PROXY",
      "no_proxy",
    ]
  ) {
    const value = Deno.env.get(name);
    if (value) settings[name] = value;
  }
  return settings;
}

/** Packs the package and installs the tarball into an empty prefix with an empty npm cache. */
export async function installPackage(): Promise<InstalledPackage> {
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-npm-" });
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const tarball = await pack(ROOT, `${dir}/out`);
    const prefix = `${dir}/prefix`;
    const npmCache = `${dir}/npm-cache`;
    await Deno.mkdir(`${dir}/home`);
    const env = {
      PATH: `${prefix}/bin:${await nodeOnlyPath(dir)}`,
      HOME: `${dir}/home`,
      NO_COLOR: "1",
      ...(await machineNpmSettings()),
    };
    const started = performance.now();
    const out = await new Deno.Command("npm", {
      args: [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--cache",
        npmCache,
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
        tarball,
      ],
      env,
      clearEnv: true,
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const installMs = performance.now() - started;
    if (!out.success) throw new Error(`npm install failed:\n${new TextDecoder().decode(out.stderr)}`);
    return {
      dir,
      tarball,
      bin: `${prefix}/bin/testio-mcp`,
      env,
      npmCache,
      installMs,
      [Symbol.asyncDispose]: remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}
