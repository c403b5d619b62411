/**
 * The MCP App views: the HTML the server embeds is what `deno task views` builds from src/views
 * (stale output fails here), each stays within its size budget and loads nothing from the network,
 * tools/list links the views from their tools, and resources/read serves them as MCP App HTML.
 */
import assert from "node:assert/strict";
import {
  buildView,
  lazySchemaDeclarations,
  lazyUplotIntl,
  markPureDeclarations,
  MAX_VIEW_BYTES,
  stopBuilder,
  stripDescriptions,
  VIEW_SOURCES,
  viewPath,
} from "../scripts/build_views.ts";
import { lazySchema } from "../src/views/shared/lazy_schema.ts";
import { z } from "zod";
import { fakeFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";

const VIEW_LINKS: Record<string, string> = {
  generate_quality_report: "ui://testio-mcp/quality-dashboard",
  get_product_summary: "ui://testio-mcp/quality-dashboard",
  query_metrics: "ui://testio-mcp/metrics-explorer",
};

Deno.test("schema modules: only top-level declarations are marked side-effect free", () => {
  const code = [
    "export const A = z.object({ a: z.string() }).passthrough();",
    "var E; (function (E) { E[E.X = 1] = 'X'; })(E || (E = {}));",
    "const B = A.extend({ f: z.string().refine((v) => check(v)) });",
    "class C { m() { return z.number(); } }",
    "register(A);",
  ].join("\n");
  const marked = markPureDeclarations(code).split("\n");
  assert.equal(
    marked[0],
    "export const A = /* @__PURE__ */ z.object({ a: /* @__PURE__ */ z.string() }).passthrough();",
  );
  assert.equal(
    marked[1],
    "var E; (function (E) { E[E.X = 1] = 'X'; })(E || (E = {}));",
    "statements run as they are",
  );
  assert.equal(
    marked[2],
    "const B = /* @__PURE__ */ A.extend({ f: /* @__PURE__ */ z.string().refine((v) => check(v)) });",
    "calls inside functions are not marked",
  );
  assert.equal(marked[3], "class C { m() { return z.number(); } }");
  assert.equal(marked[4], "register(A);");
});

Deno.test("schema modules: descriptions are removed, nothing else", () => {
  const code = [
    'const A = z.string().describe("A name").optional();',
    "const B = z.object({ a: A.describe(`Long\ntext`) }).describe('Shape');",
    "const C = z.string().describe(text);",
    "const D = thing.describe();",
  ].join("\n");
  assert.deepEqual(stripDescriptions(code).split("\n"), [
    "const A = z.string().optional();",
    "const B = z.object({ a: A });",
    "const C = z.string().describe(text);",
    "const D = thing.describe();",
  ]);
});

Deno.test("schema modules: schema definitions are built on first use", async (t) => {
  await t.step("definitions rooted at the zod import, and at other definitions, are wrapped", () => {
    const code = [
      'import { z as Q } from "zod/v4";',
      "export const A = Q.object({ method: Q.literal('a') });",
      "const B = A.extend({ id: Q.number() });",
      "const C = other.thing();",
      "const D = 'x';",
      "const E = (v) => A.safeParse(v).success;",
      "const F = A;",
    ].join("\n");
    const out = lazySchemaDeclarations(code, "/lazy.ts").split("\n");
    assert.equal(out[0], 'import { lazySchema as __lazySchema } from "/lazy.ts";');
    assert.equal(out[2], "export const A = __lazySchema(() => Q.object({ method: Q.literal('a') }));");
    assert.equal(out[3], "const B = __lazySchema(() => A.extend({ id: Q.number() }));");
    assert.deepEqual(out.slice(4), code.split("\n").slice(3), "other declarations are left as they are");
  });
  await t.step("a module without a zod import is left as it is", () => {
    const code = "const A = z.object({});";
    assert.equal(lazySchemaDeclarations(code, "/lazy.ts"), code);
  });
  await t.step("a lazy schema parses, fails, extends and reports its shape like the schema itself", () => {
    let built = 0;
    const Params = lazySchema(() => (built++, z.object({ name: z.string(), n: z.number().optional() })));
    const Message = lazySchema(() => z.object({ method: z.literal("tools/call"), params: Params }));
    const Extended = lazySchema(() => Message.extend({ id: z.number() }));
    assert.equal(built, 0, "nothing is built before it is used");
    assert.equal(Message.shape.method.value, "tools/call");
    assert.equal(built, 0, "reading a shape builds only that schema");
    assert.deepEqual(Message.parse({ method: "tools/call", params: { name: "x" } }), {
      method: "tools/call",
      params: { name: "x" },
    });
    assert.equal(built, 1);
    const bad = Extended.safeParse({ method: "tools/call", params: { name: 1 }, id: 2 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path), [["params", "name"]]);
    assert.ok(Message instanceof z.ZodObject);
    assert.ok(z.union([Message, z.null()]).safeParse(null).success);
    assert.ok(Params.optional().safeParse(undefined).success);
    assert.deepEqual(Object.keys(Params.shape), ["name", "n"]);
    assert.equal(built, 1, "built once");
  });
});

Deno.test("uPlot's Intl objects are created on first use, and a uPlot that no longer matches fails the build", () => {
  const code = [
    "const numFormatter = new Intl.NumberFormat(domEnv ? nav.language : 'en-US');",
    "const fmtNum = val => numFormatter.format(val);",
    "const localTz = new Intl.DateTimeFormat().resolvedOptions().timeZone;",
    "function tzDate(date, tz) { if (tz == 'UTC') return 1; else if (tz == localTz) return 2; }",
  ].join("\n");
  const out = lazyUplotIntl(code);
  assert.doesNotMatch(out, /^const \w+ = new Intl/m);
  assert.match(out, /tz == localTz\(\)/);
  assert.throws(() => lazyUplotIntl(code.replace("localTz", "zone")), /update UPLOT_LAZY_INTL/);
  assert.throws(
    () => lazyUplotIntl(code + "\nconst coll = new Intl.Collator();"),
    /another Intl object/,
  );
});

Deno.test({
  name: "built views",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    try {
      for (const view of VIEW_SOURCES) {
        await t.step(`${view.name} is up to date with its sources (else run 'deno task views')`, async () => {
          const built = await buildView(view);
          const committed = await Deno.readTextFile(viewPath(view.name));
          assert.ok(committed === built, `assets/views/${view.name}.html is stale: run 'deno task views'`);
        });
      }
    } finally {
      await stopBuilder();
    }
    for (const view of VIEW_SOURCES) {
      await t.step(`${view.name} is one self-contained document within ${MAX_VIEW_BYTES} bytes`, async () => {
        const html = await Deno.readTextFile(viewPath(view.name));
        const bytes = new TextEncoder().encode(html).byteLength;
        assert.ok(bytes <= MAX_VIEW_BYTES, `${bytes} bytes`);
        assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(\s*["']?https?:/i);
        // Nothing creates an Intl object while the script loads (the first one costs about 25 ms).
        const intl = html.match(/.{0,12}new Intl\.\w+/g) ?? [];
        assert.ok(intl.every((m) => m.includes("??=")), `Intl objects built at load: ${intl.join(" | ")}`);
      });
    }
  },
});

Deno.test("views are linked from their tools and served as MCP App resources", async () => {
  await using fx = await fakeFixture();
  await using mcp = await inProcessServer(fx);
  const { tools } = await mcp.client.listTools();
  for (const tool of tools) {
    const meta = tool._meta as { ui?: { resourceUri?: string }; "ui/resourceUri"?: string } | undefined;
    const expected = VIEW_LINKS[tool.name];
    assert.equal(meta?.ui?.resourceUri, expected, `${tool.name} _meta.ui.resourceUri`);
    assert.equal(meta?.["ui/resourceUri"], expected, `${tool.name} legacy key`);
  }
  for (const view of VIEW_SOURCES) {
    const uri = `ui://testio-mcp/${view.name}`;
    const { contents } = await mcp.client.readResource({ uri });
    assert.equal(contents.length, 1);
    assert.equal(contents[0].mimeType, "text/html;profile=mcp-app");
    assert.equal(
      "text" in contents[0] ? contents[0].text : null,
      await Deno.readTextFile(viewPath(view.name)),
    );
  }
});
