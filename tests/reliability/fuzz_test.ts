/**
 * Property-based fuzzing of every tool's arguments against a spawned server over raw stdio.
 * Arguments come from each tool's advertised JSON input schema (so valid calls reach deep paths,
 * with real ids mixed in), then hostile mutations: SQL and FTS injection, huge strings, unicode and
 * NUL, wrong types, negative and huge numbers, nested objects, unknown and missing keys.
 *
 * Properties: every reply is a clean result (structuredContent plus the same JSON as text) or a
 * three-part error (never an "Internal error"); the server never dies; every stdout line is a
 * JSON-RPC message; injection attempts change nothing in the database (row counts and a checksum of
 * every table, the search index included, are the same before and after).
 */
import assert from "node:assert/strict";
import { fc } from "../helpers/test_deps.ts";
import { openDatabase } from "../../src/db/database.ts";
import { syncedFixture } from "../helpers/fixture.ts";
import { fingerprint, LONG, sized } from "./helpers.ts";
import { spawnRawServer, THREE_PART, type ToolReply } from "./rpc.ts";

const CALLS = sized(400, 5_000);
const SEED = Number(Deno.env.get("TESTIO_FUZZ_SEED") ?? 7);

type Schema = {
  type?: string;
  description?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  maxItems?: number;
};

/** Strings an attacker or a confused client might send. */
const HOSTILE_STRINGS = [
  "' OR 1=1 --",
  "1; DROP TABLE bugs; --",
  '"; DELETE FROM tests; --',
  "') UNION SELECT name, sql FROM sqlite_master --",
  "%' AND 1=1 AND '%'='",
  "1) OR (1=1",
  "title:*",
  "NEAR(a b",
  '"unterminated',
  "*",
  "a OR",
  "NOT",
  "^x",
  "{title content}: x",
  "x AND (",
  "-x",
  "bug* OR test* AND NOT product*",
  "search_index MATCH 'x'",
  "0x41",
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\r\n\t",
  "\u202Eevil",
  "İstanbul ß ﬁ",
  "𝒳😀".repeat(300),
  "e\u0301\u0301\u0301",
  "x".repeat(100_000),
  "9".repeat(400),
  "-1",
  "0",
  "1e308",
  "NaN",
  "2025",
  "last 99999999 years",
  "9999-99-99",
  "today OR 1=1",
  "../../../../etc/passwd.md",
  "/etc/testio-fuzz.md",
  "reports/../../escape.json",
  "~/.testio-fuzz.md",
  "/proc/self/mem.json",
  "C:\\windows\\x.md",
  "con.md",
  "a".repeat(600) + ".md",
  "__proto__",
  "constructor",
];

/** The first entries of {@link HOSTILE_STRINGS}: SQL and FTS5 injection attempts. */
const INJECTIONS = 20;

/** Whether a property schema takes a string (alone or among alternatives). */
function acceptsString(schema: Schema): boolean {
  return schema.type === "string" || (schema.anyOf?.some(acceptsString) ?? false);
}

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  -1,
  0,
  -0,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 31,
  -(2 ** 63),
  [],
  {},
  [[[]]],
  [null],
  [-1, 0, 2 ** 60],
  { a: { b: { c: { d: {} } } } },
  { $gt: "" },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  Array.from({ length: 2000 }, (_, i) => i),
  nested(60),
];

function nested(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

/** Values of the right shape taken from the cache, so some calls reach real rows. */
interface RealIds {
  products: number[];
  tests: number[];
  bugs: number[];
  features: number[];
  sections: number[];
  users: number[];
  usernames: string[];
}

function realFor(name: string, ids: RealIds): fc.Arbitrary<unknown> | null {
  const pick = (xs: (number | string)[]) => xs.length ? fc.constantFrom(...xs) : null;
  if (/^product_ids?$/.test(name)) return pick(ids.products);
  if (/^test_ids?$/.test(name)) return pick(ids.tests);
  if (name === "bug_id") return pick(ids.bugs);
  if (name === "feature_id") return pick(ids.features);
  if (name === "section_id") return pick(ids.sections);
  if (name === "user_id") return pick(ids.users);
  if (name === "username" || name === "reported_by") return pick(ids.usernames);
  return null;
}

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
const hostileValue = fc.oneof(
  fc.constantFrom(...HOSTILE_VALUES),
  hostileString,
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** The words a description lists as allowed: "one or more of a, b, c (…)" or "1–2 of a, b, c". */
function allowedFrom(description: string | undefined): string[] {
  const m = /(?:one or more of|1–2 of|Restrict to)\s+([a-z_]+(?:(?:,\s*|\s+and\/or\s+|\s+or\s+)[a-z_]+)+)/
    .exec(description ?? "");
  return m ? m[1].split(/,\s*|\s+and\/or\s+|\s+or\s+/) : [];
}

/** An arbitrary for values matching `schema` (roughly: enough to pass validation most of the time). */
function fromSchema(schema: Schema, name: string, ids: RealIds): fc.Arbitrary<unknown> {
  const real = realFor(name, ids);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) {
    const options = schema.anyOf.map((s) => fromSchema(s, name, ids));
    const listed = allowedFrom(schema.description);
    if (listed.length) {
      // Lists of words whose allowed values only the description names (statuses, metrics, …).
      const words = fc.uniqueArray(fc.constantFrom(...listed), { minLength: 1, maxLength: 3 });
      options.unshift(words, words.map((w) => w.join(",")));
    }
    return real ? fc.oneof(real, real.map((v) => String(v)), ...options) : fc.oneof(...options);
  }
  switch (schema.type) {
    case "integer": {
      const min = schema.exclusiveMinimum !== undefined
        ? schema.exclusiveMinimum + 1
        : schema.minimum ?? -1e6;
      const max = Math.min(schema.maximum ?? 1e9, 1e12);
      const ints = fc.integer({ min: Math.max(min, -1e12), max });
      return real ? fc.oneof(real, ints) : ints;
    }
    case "number":
      return real ? fc.oneof(real, fc.double({ noNaN: true })) : fc.double({ noNaN: true });
    case "boolean":
      return fc.boolean();
    case "string": {
      if (schema.pattern) return fc.integer({ min: 0, max: 2e9 }).map((n) => ` ${n} `);
      const text = fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 40, 40),
      });
      if (/date|since/.test(name)) {
        const dates = fc.constantFrom(
          "last 30 days",
          "2026-06-01",
          "this year",
          "last quarter",
          "today",
          "all",
        );
        return fc.oneof({ weight: 4, arbitrary: dates }, { weight: 1, arbitrary: text });
      }
      const words = fc.constantFrom("checkout", "login", "crash", "payment", "search", "a*");
      // Free text is where injection lands: every string field gets hostile strings too.
      const texts = [text, words, hostileString, hostileString];
      return real ? fc.oneof(real.map(String), ...texts) : fc.oneof(...texts);
    }
    case "array": {
      const item = schema.items ? fromSchema(schema.items, name, ids) : fc.anything();
      return fc.array(item, { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    }
    case "object": {
      if (schema.properties) return objectFrom(schema, ids);
      const value = typeof schema.additionalProperties === "object"
        ? fromSchema(schema.additionalProperties, name, ids)
        : fc.jsonValue({ maxDepth: 2 });
      const keys = fc.constantFrom(
        "product",
        "feature",
        "severity",
        "status",
        "product_id",
        "month",
        "tester",
      );
      return fc.dictionary(keys, value, { maxKeys: 3 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectFrom(schema: Schema, ids: RealIds): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of props) record[key] = fromSchema(sub, key, ids);
  return fc.record(record, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
}

type Mutation =
  | { kind: "none" }
  | { kind: "replace"; index: number; value: unknown }
  | { kind: "drop"; index: number }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "not_an_object"; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: "none" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("replace" as const), index: fc.nat(), value: hostileValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), index: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("extra" as const),
      key: fc.oneof(
        fc.constantFrom("__proto__", "constructor", "sql", "limit"),
        fc.string({ maxLength: 10 }),
      ),
      value: hostileValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("not_an_object" as const),
      value: fc.constantFrom<unknown>("x", 1, [1, 2], true),
    }),
  },
);

function mutate(args: Record<string, unknown>, schema: Schema, m: Mutation): unknown {
  const keys = Object.keys(schema.properties ?? {});
  const out = { ...args };
  switch (m.kind) {
    case "none":
      return out;
    case "replace":
      if (keys.length) out[keys[m.index % keys.length]] = m.value;
      return out;
    case "drop":
      if (keys.length) delete out[keys[m.index % keys.length]];
      return out;
    case "extra":
      Object.defineProperty(out, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return out;
    case "not_an_object":
      return m.value;
  }
}

function readIds(dbPath: string): RealIds {
  using db = openDatabase(dbPath, { readOnly: true });
  const col = (sql: string) => db.prepare(sql).all().map((r) => Object.values(r)[0]);
  return {
    products: col("SELECT id FROM products") as number[],
    tests: col("SELECT id FROM tests ORDER BY id LIMIT 200") as number[],
    bugs: col("SELECT id FROM bugs ORDER BY id LIMIT 200") as number[],
    features: col("SELECT id FROM features LIMIT 100") as number[],
    sections: col("SELECT id FROM sections") as number[],
    users: col("SELECT id FROM users LIMIT 50") as number[],
    usernames: col("SELECT username FROM users LIMIT 50") as string[],
  };
}

function fingerprintOf(dbPath: string) {
  using db = openDatabase(dbPath, { readOnly: true });
  return fingerprint(db);
}

/** Checks one reply; returns a problem description, or null when it is clean. */
function problemOf(tool: string, args: unknown, reply: ToolReply | { rpcError: unknown }): string | null {
  const shown = `${tool} ${JSON.stringify(args)?.slice(0, 300)}`;
  if ("rpcError" in reply) {
    // The SDK validates `arguments` as a zod record before any tool code runs, and zod's record
    // rejects non-objects and objects with an own `constructor` key (it takes them for class
    // instances): those come back as JSON-RPC errors. Anything else must be a tool reply.
    const plain = args !== null && typeof args === "object" && !Array.isArray(args) &&
      !Object.hasOwn(args, "constructor");
    return plain ? `${shown}: JSON-RPC error ${JSON.stringify(reply.rpcError)}` : null;
  }
  const text = reply.content?.[0]?.text ?? "";
  if (reply.isError) {
    if (!THREE_PART.test(text)) return `${shown}: error without three parts: ${text.slice(0, 300)}`;
    if (/Internal error/.test(text)) return `${shown}: ${text.slice(0, 400)}`;
    return null;
  }
  if (!reply.structuredContent) return `${shown}: result without structuredContent`;
  try {
    assert.deepEqual(JSON.parse(text), reply.structuredContent);
  } catch {
    return `${shown}: text and structuredContent differ`;
  }
  return null;
}

Deno.test(`fuzz: ${CALLS} hostile tool calls against a spawned server`, async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  // The server may write only inside the fixture folder: an output_file elsewhere must fail cleanly.
  await using server = await spawnRawServer({ ...fx.env, TESTIO_LOG_LEVEL: "debug" }, {
    permissions: [
      "--allow-net=127.0.0.1",
      "--allow-read",
      `--allow-write=${fx.dir}`,
      "--allow-env",
      "--allow-sys=hostname",
    ],
  });
  const listed = await server.request("tools/list");
  const tools = (listed.result!.tools as { name: string; inputSchema: Schema }[])
    .filter((tool) => tool.name !== "sync_data");
  assert.ok(tools.length >= 17, "every tool but sync_data is fuzzed");
  const ids = readIds(fx.dbPath);
  const before = fingerprintOf(fx.dbPath);

  const problems: string[] = [];
  const perTool = new Map<string, { calls: number; errors: number }>();
  const call = fc.oneof(
    ...tools.map((tool) =>
      fc.tuple(fc.constant(tool), objectFrom(tool.inputSchema, ids), mutation)
        .map(([tl, args, m]) => ({ tool: tl.name, args: mutate(args, tl.inputSchema, m) }))
    ),
  );

  await t.step("every reply is a clean result or a three-part error", async () => {
    await fc.assert(
      fc.asyncProperty(call, async ({ tool, args }) => {
        const reply = await server.callTool(tool, args);
        const stat = perTool.get(tool) ?? { calls: 0, errors: 0 };
        stat.calls++;
        if (!("rpcError" in reply) && reply.isError) stat.errors++;
        perTool.set(tool, stat);
        const problem = problemOf(tool, args, reply);
        if (problem) problems.push(problem);
        return problem === null && !server.exited;
      }),
      { numRuns: CALLS, seed: SEED, endOnFailure: true },
    );
  });

  let injections = 0;
  await t.step("every string argument of every tool meets every injection string", async () => {
    const injectionStrings = HOSTILE_STRINGS.slice(0, INJECTIONS);
    for (const tool of tools) {
      // A base call that succeeds, so the injected value is what reaches the query.
      let base: Record<string, unknown> = {};
      for (const candidate of fc.sample(objectFrom(tool.inputSchema, ids), { numRuns: 30, seed: SEED })) {
        const reply = await server.callTool(tool.name, candidate);
        if (!("rpcError" in reply) && !reply.isError) {
          base = candidate;
          break;
        }
      }
      for (const [key, prop] of Object.entries(tool.inputSchema.properties ?? {})) {
        if (!acceptsString(prop)) continue;
        for (const value of injectionStrings) {
          const args = { ...base, [key]: value };
          const problem = problemOf(tool.name, args, await server.callTool(tool.name, args));
          if (problem) problems.push(problem);
          injections++;
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  await t.step("the server is alive and stdout carried only JSON-RPC", async () => {
    assert.ok(!server.exited, "the server is still running");
    const reply = await server.callTool("list_products", {});
    assert.ok(!("rpcError" in reply) && !reply.isError, "a plain call still works");
    assert.deepEqual(server.strayLines, [], "stdout lines that are not JSON-RPC");
    assert.deepEqual(problems, []);
  });

  await t.step("injection attempts changed nothing in the database", () => {
    assert.deepEqual(fingerprintOf(fx.dbPath), before);
  });

  await t.step("sync_data with hostile arguments answers cleanly too", async () => {
    const syncTool = (listed.result!.tools as { name: string; inputSchema: Schema }[])
      .find((tool) => tool.name === "sync_data")!;
    const samples = fc.sample(
      fc.tuple(objectFrom(syncTool.inputSchema, ids), mutation).map(([a, m]) =>
        mutate(a, syncTool.inputSchema, m)
      ),
      { numRuns: sized(12, 60), seed: SEED },
    );
    for (const args of samples) {
      const problem = problemOf("sync_data", args, await server.callTool("sync_data", args));
      if (problem) problems.push(problem);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(server.strayLines, []);
    assert.ok(!server.exited);
  });

  const total = [...perTool.values()].reduce((n, s) => n + s.calls, 0);
  const errors = [...perTool.values()].reduce((n, s) => n + s.errors, 0);
  console.error(
    `fuzz: ${total} random calls over ${perTool.size} tools (${errors} error replies, ${
      total - errors
    } results), ${injections} injection calls${LONG ? " (long form)" : ""}`,
  );
});
