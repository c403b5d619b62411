/**
 * The MCP App views: the HTML the server embeds is what `deno task views` builds from src/views
 * (stale output fails here), each stays within its size budget and loads nothing from the network,
 * tools/list links the views from their tools, and resources/read serves them as MCP App HTML.
 */
import assert from "node:assert/strict";
import {
  buildView,
  markPureDeclarations,
  MAX_VIEW_BYTES,
  stopBuilder,
  VIEW_SOURCES,
  viewPath,
} from "../scripts/build_views.ts";
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
