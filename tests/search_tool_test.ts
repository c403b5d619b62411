/**
 * The `search` tool over data synced from the fake TestIO API: hits checked against the synced text
 * itself, English word forms (stems) in simple mode and words as written in raw mode, filters, prefix
 * search, and hostile arguments that must come back as results or a three-part input error — never
 * an internal error.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import { failure, ok } from "./helpers/report_fixtures.ts";
import { type SearchHit as Hit, stemOf } from "../src/db/repos/search.ts";

interface Answer {
  results: Hit[];
  total: number;
  query_used: string;
  data_as_of: string | null;
  warnings?: string[];
}

Deno.test("search tool on fake-API data", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  await using mcp = await inProcessServer(fx);
  using db = openDatabase(fx.dbPath, { readOnly: true });
  const bugs = db.prepare(
    "SELECT id, product_id, title, steps, actual_result, expected_result, reported_at FROM bugs",
  ).all() as unknown as {
    id: number;
    product_id: number;
    title: string;
    steps: string;
    actual_result: string | null;
    expected_result: string | null;
    reported_at: string | null;
  }[];
  const search = async (args: Record<string, unknown>) =>
    ok<Answer>("search", await mcp.call("search", args));

  // A word that appears in some bug titles but not in most: found by counting title words.
  const counts = new Map<string, number>();
  for (const b of bugs) {
    for (const w of new Set(b.title.toLowerCase().match(/[a-z]{6,}/g) ?? [])) {
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const word =
    [...counts.entries()].filter(([, n]) => n >= 3 && n <= 60).sort((a, b) =>
      a[1] - b[1] || (a[0] < b[0] ? -1 : 1)
    )[0][0];
  const text = (b: (typeof bugs)[number]) =>
    [b.title, ...(JSON.parse(b.steps) as string[]), b.actual_result ?? "", b.expected_result ?? ""].join(" ")
      .toLowerCase();

  await t.step("every bug containing the word is found, and every hit contains its stem", async () => {
    const r = await search({ query: word, entities: "bug", limit: 100 });
    const exact = bugs.filter((b) => new RegExp(`\\b${word}\\b`).test(text(b))).map((b) => b.id);
    const found = new Set(r.results.map((h) => h.id));
    assert.ok(r.total <= 100, `pick a rarer word than ${word}`);
    for (const id of exact) assert.ok(found.has(id), `bug ${id} contains "${word}" but was not found`);
    const stem = word.slice(0, 4);
    for (const h of r.results) {
      assert.ok(
        text(bugs.find((b) => b.id === h.id)!).includes(stem),
        `bug ${h.id} does not contain ${stem}`,
      );
    }
    assert.deepEqual(r.results.map((h) => h.rank), r.results.map((_, i) => i + 1));
    const scores = r.results.map((h) => h.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), "best first");
    assert.ok(r.results.some((h) => h.snippet.includes("**")), "snippets highlight matches");
    assert.ok(r.data_as_of);
  });

  await t.step("title hits come before content-only hits for the word", async () => {
    const r = await search({ query: word, entities: ["bug"], limit: 100 });
    const inTitle = r.results.map((h) => new RegExp(`\\b${word.slice(0, 5)}`, "i").test(h.title));
    const firstContentOnly = inTitle.indexOf(false);
    if (firstContentOnly >= 0) {
      assert.ok(inTitle.slice(firstContentOnly).every((x) => !x), JSON.stringify(inTitle));
    }
  });

  await t.step("English word forms match both ways; raw mode matches words as written", async () => {
    // The words of every bug as the index reads them (diacritics removed, lowercase), grouped by stem.
    const tokens = new Map(bugs.map((b) => [
      b.id,
      new Set(text(b).normalize("NFD").replace(/\p{M}/gu, "").match(/[\p{L}\p{N}]+/gu) ?? []),
    ]));
    const forms = new Map<string, Set<string>>();
    for (const words of tokens.values()) {
      for (const w of words) {
        const stem = stemOf(w);
        if (stem !== null) forms.set(stem, (forms.get(stem) ?? new Set()).add(w));
      }
    }
    const having = (words: readonly string[]) =>
      bugs.filter((b) => words.some((w) => tokens.get(b.id)!.has(w))).map((b) => b.id).sort((a, b) => a - b);
    const [, group] = [...forms].filter(([, ws]) => ws.size >= 2)
      .map(([stem, ws]) => [stem, [...ws].sort()] as const)
      .sort((a, b) => having(a[1]).length - having(b[1]).length || (a[0] < b[0] ? -1 : 1))[0];
    const expected = having(group);
    assert.ok(expected.length <= 100, `pick a rarer stem than ${group}`);
    for (const form of group) {
      const r = await search({ query: form, entities: "bug", limit: 100 });
      assert.equal(r.total, expected.length, `${form} finds every bug with ${group.join(", ")}`);
      assert.deepEqual(r.results.map((h) => h.id).sort((a, b) => a - b), expected);
      for (const other of group) {
        assert.ok(r.query_used.includes(`"${other}"`), `${r.query_used} has ${other}`);
      }
      for (const h of r.results) {
        const marked = [...h.snippet.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1].toLowerCase());
        assert.ok(marked.length && marked.every((w) => stemOf(w) === stemOf(form)), h.snippet);
      }
      const raw = await search({ query: form, match_mode: "raw", entities: "bug", limit: 100 });
      assert.equal(raw.total, having([form]).length, `raw ${form}: only the form as written`);
      assert.equal(raw.query_used, form);
    }
  });

  await t.step("prefix search in simple mode", async () => {
    const prefix = word.slice(0, 4);
    const r = await search({ query: `${prefix}*`, limit: 100 });
    assert.equal(r.query_used, `"${prefix}"*`);
    assert.ok(r.total >= (await search({ query: word, limit: 1 })).total);
  });

  await t.step("filters: entities, product ids and dates hold for every hit", async () => {
    const product = bugs[0].product_id;
    const r = await search({
      query: `${word.slice(0, 3)}*`,
      product_ids: String(product),
      entities: "bug,test",
      limit: 100,
    });
    assert.ok(r.results.length > 0);
    assert.ok(
      r.results.every((h) =>
        h.product_id === product && (h.entity_type === "bug" || h.entity_type === "test")
      ),
    );
    const dated = await search({
      query: `${word.slice(0, 3)}*`,
      entities: ["bug"],
      start_date: "2026-10-01",
      end_date: "2026-10-31",
      limit: 100,
    });
    for (const h of dated.results) {
      const at = bugs.find((b) => b.id === h.id)!.reported_at!;
      assert.ok(at >= "2026-10-01T00:00:00.000Z" && at <= "2026-10-31T23:59:59.999Z", at);
    }
  });

  await t.step("hostile arguments: results or a three-part input error", async () => {
    const queries = [
      '"',
      "NEAR(",
      "*",
      "OR",
      "checkout OR",
      '"unbalanced',
      "a".repeat(1000),
      "💥",
      "'; DROP TABLE bugs; --",
    ];
    for (const mode of ["simple", "raw"]) {
      for (const query of queries) {
        const r = await mcp.call("search", { query, match_mode: mode });
        if (r.isError) {
          const e = failure(r);
          assert.doesNotMatch(e.what, /Internal error/, `${mode} ${query.slice(0, 20)}`);
        } else ok("search", r);
      }
    }
    const long = failure(await mcp.call("search", { query: "a".repeat(10_240) }));
    assert.match(long.what, /'query' must be at most 1000 characters/);
    const quote = failure(await mcp.call("search", { query: '"' }));
    assert.match(quote.what, /no words to look for/);
    const near = failure(await mcp.call("search", { query: "NEAR(", match_mode: "raw" }));
    assert.match(near.what, /not valid: fts5: syntax error/);
    assert.match(near.next, /match_mode simple/);
    for (const limit of [0, 101]) {
      assert.match(failure(await mcp.call("search", { query: "x", limit })).what, /'limit' must be 1–100/);
    }
    assert.match(
      failure(await mcp.call("search", { query: "x", entities: "user" })).what,
      /unknown value "user"/,
    );
    assert.equal((db.prepare("SELECT count(*) AS n FROM bugs").get() as { n: number }).n, bugs.length);
  });

  await t.step("TESTIO_PRODUCT_IDS bounds the results", async () => {
    const only = bugs[0].product_id;
    await using scoped = await inProcessServer(fx, { TESTIO_PRODUCT_IDS: String(only) });
    const r = ok<Answer>(
      "search",
      await scoped.call("search", { query: `${word.slice(0, 3)}*`, limit: 100 }),
    );
    assert.ok(r.results.length > 0 && r.results.every((h) => h.product_id === only));
  });
});
