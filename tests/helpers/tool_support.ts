/**
 * Support for the tool tests: calls that check every answer against the tool's own output schema,
 * three-part error assertions, and read-only SQL on the fixture's cache for independent expectations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncedFixture } from "./fixture.ts";
 * import { inProcessServer } from "./mcp.ts";
 *
 * await using fx = await syncedFixture({ scale: "S" });
 * await using mcp = await inProcessServer(fx);
 * using sql = readCache(fx.dbPath);
 * const out = await callOk<{ bugs: unknown[]; pagination: Pagination }>(mcp, "list_bugs", { product_id: 1000 });
 * assert.equal(out.pagination.total_count, sql.n("SELECT count(*) AS n FROM bugs WHERE product_id = 1000"));
 * ```
 */
import assert from "node:assert/strict";
import type { CallToolResult } from "../../src/mcp/sdk.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import { type Database, openDatabase, type Params } from "../../src/db/database.ts";

/** Anything that can call a tool (in-process or spawned server). */
export interface ToolCaller {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** The pagination block of list outputs. */
export interface Pagination {
  page: number;
  per_page: number;
  total_count: number;
  has_more: boolean;
}

/** Finds a tool definition by name or alias. */
export function toolNamed(name: string) {
  const tool = ALL_TOOLS.find((t) => t.name === name || (t.aliases ?? []).includes(name));
  assert.ok(tool, `no tool named ${name}`);
  return tool;
}

/**
 * Asserts a successful result whose `structuredContent` parses with the tool's zod output schema and
 * whose text holds the same JSON; returns that JSON (what a remote client receives).
 */
export function checkResult<T>(name: string, result: CallToolResult): T {
  const first = result.content[0];
  const text = first && first.type === "text" ? first.text : "";
  assert.ok(!result.isError, `${name} failed: ${text}`);
  assert.ok(result.structuredContent, `${name} returned no structuredContent`);
  toolNamed(name).output.parse(result.structuredContent);
  // Compared as JSON: in-process transports hand over objects (with SQLite's null prototypes) unserialised.
  const data = JSON.parse(text);
  assert.deepEqual(data, JSON.parse(JSON.stringify(result.structuredContent)), `${name}: text differs`);
  return data as T;
}

/** Calls a tool, expecting success; see {@link checkResult}. */
export async function callOk<T = Record<string, unknown>>(
  server: ToolCaller,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  return checkResult<T>(name, await server.call(name, args));
}

/**
 * Calls a tool expecting an error result with the three parts (what / why / next), each line
 * non-empty, and every fragment present (case-insensitive). Returns the text.
 */
export async function callError(
  server: ToolCaller,
  name: string,
  args: Record<string, unknown>,
  ...fragments: string[]
): Promise<string> {
  const result = await server.call(name, args);
  const first = result.content[0];
  const text = first && first.type === "text" ? first.text : "";
  assert.equal(
    result.isError,
    true,
    `${name} ${JSON.stringify(args)} should fail, got ${text.slice(0, 300)}`,
  );
  const lines = text.split("\n");
  assert.equal(lines.length, 3, `three parts expected: ${text}`);
  assert.match(lines[0], /^❌ \S/);
  assert.match(lines[1], /^ℹ️ \S/);
  assert.match(lines[2], /^💡 \S/);
  assert.doesNotMatch(text, /\n\s+at /, "no stack traces");
  for (const f of fragments) {
    assert.ok(text.toLowerCase().includes(f.toLowerCase()), `'${f}' missing from: ${text}`);
  }
  return text;
}

/** Read-only SQL on a cache file, for expectations computed apart from the tools. */
export interface CacheReader extends Disposable {
  readonly db: Database;
  all<T>(sql: string, params?: Params): T[];
  /** The `n` column of the first row. */
  n(sql: string, params?: Params): number;
  /** The first column of every row. */
  col<T = number>(sql: string, params?: Params): T[];
}

/** Opens `path` read-only. */
export function readCache(path: string): CacheReader {
  const db = openDatabase(path, { readOnly: true });
  const all = <T>(sql: string, params: Params = {}) => db.prepare(sql).all(params) as unknown as T[];
  return {
    db,
    all,
    n: (sql, params = {}) => (db.prepare(sql).get(params) as { n: number }).n,
    col: <T>(sql: string, params: Params = {}) =>
      all<Record<string, T>>(sql, params).map((r) => Object.values(r)[0]),
    [Symbol.dispose]: () => db[Symbol.dispose](),
  };
}

/** Asserts `values` are ordered (`desc` or `asc`) by the given comparison key. */
export function assertSorted<T>(values: readonly T[], order: "asc" | "desc", what: string): void {
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1];
    const b = values[i];
    const ok = order === "asc" ? !(a! > b!) : !(a! < b!);
    assert.ok(ok, `${what} not ${order} at ${i}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
  }
}

/** Pages through a list tool and returns every row (for comparing a whole listing with SQL). */
export async function allRows<T>(
  server: ToolCaller,
  name: string,
  key: string,
  args: Record<string, unknown>,
): Promise<T[]> {
  const rows: T[] = [];
  for (let page = 1; page < 1000; page++) {
    const out = await callOk<Record<string, unknown> & { pagination: Pagination }>(server, name, {
      ...args,
      page,
      per_page: 200,
    });
    rows.push(...(out[key] as T[]));
    if (!out.pagination.has_more) break;
  }
  return rows;
}
