/**
 * docs/tools.md is generated from the registered tool schemas and docs/commands.md from the commands'
 * help texts; this test fails when either is stale, and shows that a schema change without
 * regeneration is caught.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { ALL_TOOLS } from "../src/mcp/tools/index.ts";
import { toolJsonSchemas } from "../src/mcp/tool.ts";
import { loadCommands } from "../main.ts";
import { generateDocs, renderCommandDocs, renderToolDocs, typeOf } from "../scripts/gen_tool_docs.ts";
import { ROOT } from "./helpers/mcp.ts";

Deno.test("tool docs", async (t) => {
  const generated = await generateDocs(ROOT);
  for (const [path, expected] of Object.entries(generated)) {
    await t.step(`${path} is up to date`, async () => {
      let actual = "";
      try {
        actual = await Deno.readTextFile(`${ROOT}${path}`);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      if (actual !== expected) {
        assert.fail(
          `${path} is stale: a tool's schema, description or annotations, or a command's help, changed. ` +
            "Run `deno task docs` and commit the result.",
        );
      }
    });
  }

  await t.step("every tool, argument and output field is documented", () => {
    const text = renderToolDocs();
    for (const tool of ALL_TOOLS) {
      assert.ok(text.includes(`## \`${tool.name}\``), tool.name);
      const { inputSchema, outputSchema } = toolJsonSchemas(tool);
      for (const arg of Object.keys(inputSchema.properties as object)) {
        assert.ok(text.includes(`| \`${arg}\` |`), `${tool.name}: argument ${arg}`);
      }
      for (const field of Object.keys(outputSchema.properties as object)) {
        assert.ok(text.includes(`| \`${field}\` |`), `${tool.name}: output ${field}`);
      }
    }
  });

  await t.step("every command's help is in the command reference", async () => {
    const commands = await loadCommands();
    const text = renderCommandDocs(commands);
    for (const c of commands) assert.ok(text.includes(`## \`${c.name}\``) && text.includes(c.usage), c.name);
  });

  await t.step("a schema change without regeneration changes the expected text", () => {
    const [first, ...rest] = ALL_TOOLS;
    const changed = {
      ...first,
      input: (first.input as z.ZodObject).extend({ brand_new_filter: z.string().optional() }),
    };
    assert.notEqual(renderToolDocs([changed, ...rest]), renderToolDocs());
    assert.notEqual(
      renderToolDocs([{ ...first, description: first.description + " More." }, ...rest]),
      renderToolDocs(),
    );
  });

  await t.step("types read as a person writes them", () => {
    assert.equal(typeOf({ type: "integer", minimum: 1, maximum: 200 }), "integer 1–200");
    assert.equal(
      typeOf({ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 }),
      "integer",
    );
    assert.equal(typeOf({ anyOf: [{ type: "string" }, { type: "null" }] }), "string | null");
    assert.equal(typeOf({ type: "array", items: { type: "string", enum: ["a", "b"] } }), "(`a` | `b`)[]");
    assert.equal(
      typeOf({ anyOf: [{ type: "boolean" }, { type: "string", enum: ["true", "false"] }] }),
      "boolean",
    );
    assert.equal(
      typeOf({ type: "object", additionalProperties: { type: "integer" } }),
      "{ [key]: integer }",
    );
  });
});
