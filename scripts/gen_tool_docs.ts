/**
 * `deno task docs`: writes `docs/tools.md` from the registered tools (name, title, description,
 * annotations, the arguments of the input JSON Schema and the fields of the output schema) and
 * `docs/commands.md` from the commands' own help texts, so neither reference can drift from the code.
 * `tests/tool_docs_test.ts` fails when either file is stale.
 *
 * The markdown goes through `deno fmt`, so the files are exactly what the formatter would produce and
 * `deno fmt --check` stays quiet.
 *
 * @example
 * ```sh
 * deno task docs            # rewrite docs/tools.md and docs/commands.md
 * ```
 * @module
 */
import { loadCommands } from "../main.ts";
import { type Command, helpText } from "../src/cli/command.ts";
import { ALL_TOOLS } from "../src/mcp/tools/index.ts";
import { type ToolDefinition, toolJsonSchemas } from "../src/mcp/tool.ts";

/** Where the generated tool reference lives, relative to the repository root. */
export const TOOLS_DOC = "docs/tools.md";
/** Where the generated command reference lives, relative to the repository root. */
export const COMMANDS_DOC = "docs/commands.md";

type Schema = Record<string, unknown>;

const SAFE_INT = Number.MAX_SAFE_INTEGER;

function asSchema(v: unknown): Schema {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Schema : {};
}

function members(s: Schema): Schema[] | null {
  const list = s.anyOf ?? s.oneOf;
  return Array.isArray(list) ? list.map(asSchema) : null;
}

/** The numeric range of a schema in words, leaving out zod's safe-integer bounds. */
function range(s: Schema): string {
  const min = typeof s.minimum === "number" && s.minimum > -SAFE_INT ? s.minimum : undefined;
  const max = typeof s.maximum === "number" && s.maximum < SAFE_INT ? s.maximum : undefined;
  const gt = typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
  if (min !== undefined && max !== undefined) return ` ${min}–${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (gt !== undefined) return ` > ${gt}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return "";
}

/** A lenient boolean: `true`/`false` or their spellings as strings. */
function isBooleanSpelling(s: Schema): boolean {
  return s.type === "string" && Array.isArray(s.enum) &&
    s.enum.every((v) => typeof v === "string" && /^(true|false)$/i.test(v));
}

/** A short type for a table cell: `integer 1–200`, `` `asc` \| `desc` ``, `string[]`, `object \| null`. */
export function typeOf(schema: unknown): string {
  const s = asSchema(schema);
  const union = members(s);
  if (union) {
    const hasBoolean = union.some((m) => m.type === "boolean");
    const kept = union.filter((m) => !(hasBoolean && isBooleanSpelling(m)));
    return [...new Set(kept.map(typeOf))].join(" | ");
  }
  if (Array.isArray(s.enum)) {
    return s.enum.map((v) => `\`${JSON.stringify(v).replace(/^"|"$/g, "")}\``).join(" | ");
  }
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  switch (s.type) {
    case "array": {
      const item = typeOf(s.items);
      return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
    }
    case "object": {
      const extra = s.additionalProperties;
      if (!s.properties && extra && typeof extra === "object") return `{ [key]: ${typeOf(extra)} }`;
      return "object";
    }
    case "integer":
    case "number":
      return `${s.type}${range(s)}`;
    case "string":
      return typeof s.format === "string" ? `string (${s.format})` : "string";
    case undefined:
      return "any";
    default:
      return String(s.type);
  }
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|").trim() || " ";
}

/** Descriptions often repeat the argument name ("page: 1-based …"); the table already shows it. */
function describe(name: string, schema: Schema): string {
  const d = typeof schema.description === "string" ? schema.description : "";
  return d.startsWith(`${name}: `) ? d.slice(name.length + 2) : d;
}

function argumentRows(input: Schema): string[] {
  const props = Object.entries(asSchema(input.properties));
  if (props.length === 0) return ["This tool takes no arguments."];
  const required = new Set(Array.isArray(input.required) ? input.required : []);
  const rows = props.map(([name, raw]) => {
    const s = asSchema(raw);
    const def = s.default === undefined ? "" : `\`${JSON.stringify(s.default)}\``;
    return `| \`${name}\` | ${cell(typeOf(s))} | ${required.has(name) ? "yes" : "no"} | ${cell(def)} | ${
      cell(describe(name, s))
    } |`;
  });
  return ["| Argument | Type | Required | Default | Description |", "|---|---|---|---|---|", ...rows];
}

/** The object inside `object | null`, an array's item object, or the schema itself. */
function objectOf(s: Schema): Schema | null {
  if (s.type === "object" && s.properties) return s;
  const union = members(s);
  if (union) {
    const objects = union.map(objectOf).filter((m): m is Schema => m !== null);
    return objects.length === 1 ? objects[0] : null;
  }
  return null;
}

function fieldRows(schema: Schema, prefix: string, out: string[]): void {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, raw] of Object.entries(asSchema(schema.properties))) {
    const s = asSchema(raw);
    const path = `${prefix}${name}`;
    const optional = required.has(name) ? "" : " (optional)";
    out.push(`| \`${path}\` | ${cell(typeOf(s) + optional)} | ${cell(describe(name, s))} |`);
    const nested = objectOf(s);
    if (nested) fieldRows(nested, `${path}.`, out);
    const items = s.type === "array" ? objectOf(asSchema(s.items)) : null;
    if (items) fieldRows(items, `${path}[].`, out);
  }
}

function annotationLine(def: ToolDefinition): string {
  const a = def.annotations;
  const words = [
    a.readOnlyHint ? "read-only" : "writes",
    a.destructiveHint ? "destructive" : "non-destructive",
    a.idempotentHint ? "idempotent" : "not idempotent",
    a.openWorldHint ? "may call the TestIO API" : "local cache only",
  ];
  const flags = (["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const)
    .filter((k) => a[k] !== undefined).map((k) => `\`${k}: ${a[k]}\``);
  return `**Annotations:** ${words.join(", ")} (${flags.join(", ")})`;
}

function toolSection(def: ToolDefinition): string[] {
  const { inputSchema, outputSchema } = toolJsonSchemas(def);
  const fields: string[] = ["| Field | Type | Description |", "|---|---|---|"];
  fieldRows(outputSchema, "", fields);
  return [
    `## \`${def.name}\``,
    "",
    `**${def.title}**${
      def.aliases?.length ? ` (alias: ${def.aliases.map((n) => `\`${n}\``).join(", ")})` : ""
    }`,
    "",
    def.description,
    "",
    annotationLine(def),
    "",
    "### Arguments",
    "",
    ...argumentRows(inputSchema),
    "",
    "### Output",
    "",
    ...fields,
    "",
  ];
}

/** The markdown of the tool reference, before formatting. */
export function renderToolDocs(tools: readonly ToolDefinition[] = ALL_TOOLS): string {
  const lines = [
    "<!-- Generated by scripts/gen_tool_docs.ts from the registered tool schemas. Do not edit by hand: run `deno task docs`. -->",
    "",
    "# Tool reference",
    "",
    `The ${tools.length} MCP tools this server registers (\`TESTIO_ENABLED_TOOLS\` / \`TESTIO_DISABLED_TOOLS\` ` +
    "narrow the set). Every result carries `structuredContent` matching the output schema and the same " +
    "JSON as text; errors are `isError` results in three parts: what went wrong, the likely cause, what " +
    "to do next. Ids accept an integer or a numeric string; id and string lists accept an array or CSV.",
    "",
    ...tools.map((t) => `- [\`${t.name}\`](#${t.name}): ${t.title}`),
    "",
    ...tools.flatMap(toolSection),
  ];
  return lines.join("\n");
}

/** The markdown of the command reference, before formatting: every command's help, verbatim. */
export function renderCommandDocs(commands: readonly Command[]): string {
  const lines = [
    "<!-- Generated by scripts/gen_tool_docs.ts from the commands' help texts. Do not edit by hand: run `deno task docs`. -->",
    "",
    "# Commands",
    "",
    "`testio-mcp [command] [flags]` with the compiled binary; from a checkout, `deno run -A main.ts [command] " +
    "[flags]` or the `deno task` of the same name (least-privilege permissions). The default command is " +
    "`serve`. `testio-mcp --version` prints the version, `testio-mcp --help` the list below, and every " +
    "command takes `--help`. An unknown flag is an error with exit code 2.",
    "",
    "Exit codes shared by every command: 0 success, 1 failure, 2 bad arguments or invalid settings, 3 " +
    "another sync holds the lock. Settings come from the environment, `--env-file PATH`, `.env` in the " +
    "working directory and `~/.testio-mcp/.env`, in that order of precedence (see the README).",
    "",
    "| Command | What it does |",
    "|---|---|",
    ...commands.map((c) => `| [\`${c.name}\`](#${c.name}) | ${cell(c.summary)} |`),
    "",
    ...commands.flatMap((c) => [`## \`${c.name}\``, "", "```text", helpText(c).trimEnd(), "```", ""]),
  ];
  return lines.join("\n");
}

/** Formats markdown exactly as `deno fmt` does for this repository (its deno.json settings). */
export async function formatMarkdown(text: string, root: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** The formatted content of every generated document, by path relative to the repository root. */
export async function generateDocs(root: string): Promise<Record<string, string>> {
  return {
    [TOOLS_DOC]: await formatMarkdown(renderToolDocs(), root),
    [COMMANDS_DOC]: await formatMarkdown(renderCommandDocs(await loadCommands()), root),
  };
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname;
  for (const [path, text] of Object.entries(await generateDocs(root))) {
    await Deno.writeTextFile(`${root}${path}`, text);
    console.error(`wrote ${path}`);
  }
}
