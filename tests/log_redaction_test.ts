import assert from "node:assert/strict";
import { createLogger, Redactor } from "../src/log.ts";
import { formatCliError } from "../src/cli/errors.ts";
import { UpstreamError } from "../src/errors.ts";

const TOKEN = "tok_live_8f3a9c0d2e71b4";

Deno.test("token redaction", async (t) => {
  await t.step("the exact token and any Authorization header value are replaced", () => {
    const r = new Redactor([TOKEN]);
    assert.equal(r.redact(`GET /products?token=${TOKEN}`), "GET /products?token=[REDACTED]");
    assert.equal(r.redact("authorization: Token abc.def"), "authorization: Token [REDACTED]");
    assert.equal(r.redact('"Authorization": "Bearer xyz"'), '"Authorization": "Bearer [REDACTED]"');
    assert.equal(r.redact("nothing secret"), "nothing secret");
  });

  await t.step("log lines in both formats never carry the token, in messages or fields", () => {
    for (const format of ["text", "json"] as const) {
      const lines: string[] = [];
      const log = createLogger({ level: "debug", format, secrets: [TOKEN], sink: (l) => lines.push(l) });
      log.debug(`calling with ${TOKEN}`, { url: `https://x/?t=${TOKEN}`, nested: { deep: [TOKEN] } });
      log.error("failed", { token: "anything", headers: { Authorization: `Token ${TOKEN}` } });
      log.child({ who: TOKEN }).warn("child");
      assert.equal(lines.length, 3);
      for (const line of lines) assert.ok(!line.includes(TOKEN), `${format}: ${line}`);
      assert.ok(lines.every((l) => l.includes("[REDACTED]")), format);
      if (format === "json") { for (const l of lines) JSON.parse(l); }
    }
  });

  await t.step("levels filter lines", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", sink: (l) => lines.push(l) });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    assert.equal(lines.length, 2);
  });

  await t.step("CLI error output is redacted", () => {
    const err = new UpstreamError(`HTTP 500 for products with ${TOKEN}`, 500, "products", {
      hint: `see ${TOKEN}`,
    });
    const text = formatCliError(err, [TOKEN]);
    assert.ok(!text.includes(TOKEN));
    assert.match(text, /error: HTTP 500 for products with \[REDACTED\]/);
    assert.match(text, /cause: see \[REDACTED\]/);
  });
});
