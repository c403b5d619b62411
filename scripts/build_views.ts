/**
 * `deno task views`: builds each MCP App view (src/views/<name>/main.ts and the shared CSS) into one
 * self-contained HTML document, assets/views/<name>.html, which src/mcp/views.ts embeds through a
 * text import. Scripts and styles are inlined; nothing is loaded from the network.
 *
 * esbuild (from npm) bundles; npm packages are resolved through Deno's own resolution of the imports
 * map (`import.meta.resolve`), so no node_modules folder is needed.
 *
 * `--check` builds in memory and exits 1 when a committed view differs from its sources.
 *
 * @example
 * ```sh
 * deno task views          # rebuild assets/views/*.html
 * deno task views --check  # fail when they are stale
 * ```
 */
import * as esbuild from "npm:esbuild@0.25.12";
import * as acorn from "npm:acorn@8.19.0";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** The views: directory name under src/views/ and page title. */
export const VIEW_SOURCES = [
  { name: "quality-dashboard", dir: "quality_dashboard", title: "TestIO quality dashboard" },
  { name: "metrics-explorer", dir: "metrics_explorer", title: "TestIO metrics explorer" },
] as const;

/** The chart library's own style sheet, inlined before the views' styles. */
const CHART_CSS = "npm:uplot@1.6.32/dist/uPlot.min.css";

/** Largest allowed view, in bytes. */
export const MAX_VIEW_BYTES = 600 * 1024;

const ROOT = new URL("../", import.meta.url);
const VIEWS_DIR = new URL("src/views/", ROOT);

// The packages views import: resolving them here puts them in this module's graph, so that
// import.meta.resolve can answer for them and for their own dependencies.
const PACKAGES = [
  "@modelcontextprotocol/ext-apps",
  "@modelcontextprotocol/ext-apps/app-bridge",
  "npm:uplot@1.6.32",
  "zod",
  "zod/v4",
];

/**
 * Whether a file of an npm package may have side effects, from its package.json `sideEffects` field
 * (esbuild reads that field only for the files it resolves itself). Without this, every zod locale
 * would be bundled.
 */
function sideEffects(file: string): boolean {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    let pkg: { name?: string; sideEffects?: boolean | string[] };
    try {
      pkg = JSON.parse(Deno.readTextFileSync(join(dir, "package.json")));
    } catch {
      continue;
    }
    if (!pkg.name) continue;
    if (pkg.sideEffects === false) return false;
    if (Array.isArray(pkg.sideEffects)) {
      const rel = "./" + relative(dir, file);
      return pkg.sideEffects.some((p) => p === rel || p.replace(/^\.\//, "") === relative(dir, file));
    }
    return true;
  }
  return true;
}

/**
 * The ES module build of a package that has no `exports` map but names one in `module` (Deno resolves
 * such a package to its CommonJS `main`, which esbuild cannot tree-shake); other files as they are.
 */
function preferModule(file: string): string {
  const dir = dirname(file);
  for (const pkgDir of [dir, dirname(dir)]) {
    let pkg: { exports?: unknown; main?: string; module?: string };
    try {
      pkg = JSON.parse(Deno.readTextFileSync(join(pkgDir, "package.json")));
    } catch {
      continue;
    }
    if (pkg.exports || !pkg.module || !pkg.main || join(pkgDir, pkg.main) !== file) return file;
    return join(pkgDir, pkg.module);
  }
  return file;
}

/**
 * The modules that define the protocol's schemas: the SDK's and ext-apps' message shapes, built with
 * Zod when the module loads. A view uses a part of them; the rest would cost start-up time in every
 * view (Zod builds each schema eagerly), so their definitions are marked as side-effect free and
 * esbuild leaves out the ones nothing uses.
 */
const SCHEMA_MODULES = [
  /[\\/]@modelcontextprotocol[\\/]sdk[\\/][^\\/]+[\\/]dist[\\/]esm[\\/]types\.js$/,
  /[\\/]@modelcontextprotocol[\\/]ext-apps[\\/][^\\/]+[\\/]dist[\\/]src[\\/]app\.js$/,
];

/**
 * Marks every call in the initialiser of a top-level `const`/`let`/`var` with `\/* @__PURE__ *\/`,
 * except inside functions and classes (code that runs later, when called). esbuild then drops a
 * declaration nothing uses. Top-level statements other than declarations (an enum's filling
 * function, say) are left as they are, so nothing that must run is dropped.
 */
export function markPureDeclarations(code: string): string {
  const program = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const starts: number[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as acorn.Node & Record<string, unknown>;
    if (typeof n.type !== "string") return;
    if (/Function|Class/.test(n.type)) return;
    if (n.type === "CallExpression" || n.type === "NewExpression") starts.push(n.start);
    for (const [key, value] of Object.entries(n)) if (key !== "type") visit(value);
  };
  for (const statement of program.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (declaration?.type !== "VariableDeclaration") continue;
    for (const d of declaration.declarations) visit(d.init);
  }
  let out = code;
  for (const at of [...new Set(starts)].sort((a, b) => b - a)) {
    out = out.slice(0, at) + "/* @__PURE__ */ " + out.slice(at);
  }
  return out;
}

/**
 * uPlot creates an `Intl.NumberFormat` and an `Intl.DateTimeFormat` when its module loads. The first
 * use of `Intl` in a page loads ICU's locale data (about 25 ms of a view's start in headless
 * Chromium), and the views never call what those two serve (their axes and read-outs format their
 * own numbers; their scales are not time scales). Both are created on first use instead. The build
 * fails if a new uPlot no longer matches, rather than silently keeping the cost.
 */
const UPLOT_LAZY_INTL: [string, string][] = [
  [
    "const numFormatter = new Intl.NumberFormat(domEnv ? nav.language : 'en-US');\n" +
    "const fmtNum = val => numFormatter.format(val);",
    "let numFormatter;\n" +
    "const fmtNum = val => (numFormatter ??= new Intl.NumberFormat(domEnv ? nav.language : 'en-US')).format(val);",
  ],
  [
    "const localTz = new Intl.DateTimeFormat().resolvedOptions().timeZone;",
    "let localTzName;\nconst localTz = () => localTzName ??= new Intl.DateTimeFormat().resolvedOptions().timeZone;",
  ],
  ["else if (tz == localTz)", "else if (tz == localTz())"],
];

/** uPlot's module with its `Intl` objects created on first use (see UPLOT_LAZY_INTL). */
export function lazyUplotIntl(code: string): string {
  let out = code;
  for (const [from, to] of UPLOT_LAZY_INTL) {
    if (out.split(from).length !== 2) {
      throw new Error(`uPlot no longer contains ${JSON.stringify(from)} once: update UPLOT_LAZY_INTL`);
    }
    out = out.replace(from, to);
  }
  if (/\bIntl\.\w+\(/.test(out.replace(/\?\?= new Intl\.\w+\(/g, "").replace(/^\s*\/\/.*$/gm, ""))) {
    throw new Error("uPlot creates another Intl object when it loads: update UPLOT_LAZY_INTL");
  }
  return out;
}

/**
 * Removes `.describe("…")` from schema definitions: a description is documentation for JSON Schema
 * output, which a view never produces, and each one costs a copy of its schema when the module loads
 * (Zod's `describe` clones) and its text in every view.
 */
export function stripDescriptions(code: string): string {
  const program = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const cuts: [number, number][] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as acorn.Node & Record<string, unknown>;
    if (typeof n.type !== "string") return;
    if (n.type === "CallExpression") {
      const call = n as unknown as acorn.CallExpression;
      const callee = call.callee;
      if (
        callee.type === "MemberExpression" && !callee.computed &&
        callee.property.type === "Identifier" && callee.property.name === "describe" &&
        call.arguments.length === 1 &&
        (call.arguments[0].type === "Literal" || call.arguments[0].type === "TemplateLiteral" &&
            call.arguments[0].expressions.length === 0)
      ) {
        cuts.push([callee.object.end, call.end]);
      }
    }
    for (const [key, value] of Object.entries(n)) if (key !== "type") visit(value);
  };
  visit(program);
  let out = code;
  for (const [from, to] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + out.slice(to);
  return out;
}

const LAZY_SCHEMA = new URL("src/views/shared/lazy_schema.ts", ROOT);

/**
 * Wraps each top-level schema definition (`const X = z.object(…)`, or a call on another one, such as
 * `Y.extend(…)`) in `lazySchema(() => …)`, so that it is built the first time it is used. The zod
 * namespace is found from the module's `zod` import; other declarations are left as they are.
 */
export function lazySchemaDeclarations(code: string, helper = LAZY_SCHEMA.pathname): string {
  const program = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const roots = new Set<string>();
  for (const statement of program.body) {
    if (statement.type !== "ImportDeclaration" || !/^zod(\/|$)/.test(String(statement.source.value))) {
      continue;
    }
    for (const spec of statement.specifiers) {
      const imported = spec.type === "ImportSpecifier" && spec.imported.type === "Identifier"
        ? spec.imported.name
        : null;
      if (spec.type === "ImportNamespaceSpecifier" || imported === "z") roots.add(spec.local.name);
    }
  }
  if (!roots.size) return code;
  const rootOf = (node: acorn.Expression | acorn.Super): string | null => {
    let head: acorn.Node = node;
    while (head.type === "CallExpression" || head.type === "MemberExpression") {
      head = head.type === "CallExpression"
        ? (head as acorn.CallExpression).callee
        : (head as acorn.MemberExpression).object;
    }
    return head.type === "Identifier" ? (head as acorn.Identifier).name : null;
  };
  const wraps: [number, number][] = [];
  for (const statement of program.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (declaration?.type !== "VariableDeclaration") continue;
    for (const d of declaration.declarations) {
      if (d.init?.type !== "CallExpression" || d.id.type !== "Identifier") continue;
      const root = rootOf(d.init);
      if (root === null || !roots.has(root)) continue;
      roots.add(d.id.name);
      wraps.push([d.init.start, d.init.end]);
    }
  }
  let out = code;
  for (const [start, end] of wraps.sort((a, b) => b[0] - a[0])) {
    out = `${out.slice(0, start)}__lazySchema(() => ${out.slice(start, end)})${out.slice(end)}`;
  }
  return `import { lazySchema as __lazySchema } from ${JSON.stringify(helper)};\n${out}`;
}

/**
 * Resolves bare specifiers the way Deno does: first through the imports map, then (for a package's
 * own dependencies, absent from the map) relative to the importing file inside Deno's npm cache.
 */
const denoNpm: esbuild.Plugin = {
  name: "deno-npm",
  setup(build) {
    // zod exposes all of its ~40 message locales on the `z` namespace that ext-apps imports, so none
    // can be tree-shaken (120 KB). The views never switch zod's locale: keep English only.
    build.onLoad({ filter: /[\\/]zod[\\/].*[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
      resolveDir: dirname(args.path),
    }));
    // The SDK converts Zod 3 schemas to JSON Schema with zod-to-json-schema (CommonJS, so bundled
    // whole, with all of Zod 3 behind it: about 90 KB to parse at every view start). A view's schemas are
    // Zod 4, which the SDK converts with Zod's own toJSONSchema; the Zod 3 converter is never called.
    build.onResolve(
      { filter: /^zod-to-json-schema$/ },
      () => ({ path: "zod-to-json-schema", namespace: "stub" }),
    );
    build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents: "export function zodToJsonSchema() {\n" +
        '  throw new Error("Zod 3 schemas cannot be converted to JSON Schema in a view; use Zod 4");\n}',
      loader: "js",
    }));
    build.onLoad({ filter: /[\\/]uplot[\\/].*[\\/]uPlot\.esm\.js$/ }, async (args) => ({
      contents: lazyUplotIntl(await Deno.readTextFile(args.path)),
      loader: "js",
    }));
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!SCHEMA_MODULES.some((re) => re.test(args.path))) return undefined;
      return {
        contents: markPureDeclarations(
          lazySchemaDeclarations(stripDescriptions(await Deno.readTextFile(args.path))),
        ),
        loader: "js",
      };
    });
    build.onResolve({ filter: /^[@a-z]/ }, (args) => {
      let path: string;
      try {
        path = fromFileUrl(import.meta.resolve(args.path));
      } catch {
        path = createRequire(args.importer || fromFileUrl(import.meta.url)).resolve(args.path);
      }
      path = preferModule(path);
      return { path, sideEffects: sideEffects(path) };
    });
  },
};

/** Stops esbuild's service process (tests call it so that no child process outlives them). */
export function stopBuilder(): Promise<void> {
  return esbuild.stop();
}

/** Bundles and minifies one entry point for the browser; returns the JavaScript. */
export async function bundleScript(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    legalComments: "none",
    charset: "utf8",
    plugins: [denoNpm],
    define: { "process.env.NODE_ENV": '"production"' },
    pure: ["console.debug"],
    logLevel: "error",
    metafile: Deno.env.get("VIEWS_ANALYZE") === "1",
  });
  if (result.metafile) console.error(await esbuild.analyzeMetafile(result.metafile));
  return result.outputFiles[0].text;
}

// Script text must not close its <script> element early.
const inlineScript = (js: string) => js.replace(/<\/(script)/gi, "<\\/$1");

/** The HTML document of one view. */
export async function buildView(view: (typeof VIEW_SOURCES)[number]): Promise<string> {
  const [js, chartCss, css] = await Promise.all([
    bundleScript(fromFileUrl(new URL(`${view.dir}/main.ts`, VIEWS_DIR))),
    Deno.readTextFile(new URL(import.meta.resolve(CHART_CSS))),
    Deno.readTextFile(new URL("shared/style.css", VIEWS_DIR)),
  ]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${view.title}</title>
<style>
${chartCss.trim()}
${css.trim()}
</style>
</head>
<body>
<main id="app" aria-live="polite"><p class="loading">Loading…</p></main>
<script>
${inlineScript(js.trim())}
</script>
</body>
</html>
`;
}

/** Path of a built view. */
export function viewPath(name: string): URL {
  return new URL(`assets/views/${name}.html`, ROOT);
}

if (import.meta.main) {
  for (const p of PACKAGES) import.meta.resolve(p);
  const check = Deno.args.includes("--check");
  let stale = 0;
  try {
    for (const view of VIEW_SOURCES) {
      const html = await buildView(view);
      const bytes = new TextEncoder().encode(html).byteLength;
      if (bytes > MAX_VIEW_BYTES) {
        console.error(`${view.name}: ${bytes} bytes, over the ${MAX_VIEW_BYTES}-byte limit`);
        Deno.exitCode = 1;
      }
      if (check) {
        const current = await Deno.readTextFile(viewPath(view.name)).catch(() => "");
        if (current !== html) {
          stale++;
          console.error(`${view.name}: assets/views/${view.name}.html is stale; run 'deno task views'`);
        }
      } else {
        await Deno.mkdir(new URL(".", viewPath(view.name)), { recursive: true });
        await Deno.writeTextFile(viewPath(view.name), html);
        console.error(`${view.name}: ${(bytes / 1024).toFixed(1)} KiB`);
      }
    }
  } finally {
    await esbuild.stop();
  }
  if (stale) Deno.exitCode = 1;
}
