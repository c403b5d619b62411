/**
 * Full-text search on a hand-built cache: BM25 ranking with titles first, English stems matched at
 * query time through the vocabulary (both ways, bounded), prefix search on words as written,
 * entity/product/date filters, snippets built from the source rows, hostile input (always results or
 * a clean input error), the triggers that keep the index current on insert/update/delete (cascades
 * included), and the index across migration 0006 and its down script.
 */
import assert from "node:assert/strict";
import { fc } from "./helpers/test_deps.ts";
import { handBuiltCache } from "./helpers/report_fixtures.ts";
import {
  MAX_SIMPLE_TERMS,
  MAX_WORD_FORMS,
  parseSimpleQuery,
  rawQueryWords,
  type SearchQuery,
  SearchRepo,
  snippetOf,
  stemOf,
  stemStarts,
  toFtsQuery,
} from "../src/db/repos/search.ts";
import { InputError } from "../src/errors.ts";
import { migrateDown, migrateUp, MIGRATIONS } from "../src/db/migrations.ts";
import { openDatabase } from "../src/db/database.ts";

function seed(fx: ReturnType<typeof handBuiltCache>) {
  fx.product(1, "Shop", "An online shop with a checkout");
  fx.product(2, "Bank", "Banking app");
  fx.feature({
    id: 11,
    product_id: 1,
    title: "Checkout",
    description: "Paying for the basket",
    user_stories: ["As a buyer I can pay with PayPal"],
  });
  fx.test({
    id: 10,
    product_id: 1,
    title: "Regression of the payment flow",
    goal: "Find crashes in checkout",
    end_at: "2025-03-02T10:00:00Z",
  });
  fx.test({
    id: 20,
    product_id: 2,
    title: "Login smoke test",
    goal: "Sign-in works",
    end_at: "2025-05-02T10:00:00Z",
  });
  fx.bugs(10, [
    {
      id: 100,
      title: "Checkout button does nothing",
      steps: ["Open basket", "Tap checkout"],
      reported_at: "2025-03-01T10:00:00Z",
    },
    {
      id: 101,
      title: "Price is shown twice",
      steps: ["Open the checkout page"],
      actual_result: "The total appears twice",
      reported_at: "2025-03-01T11:00:00Z",
    },
    {
      id: 102,
      title: "Crash when rotating",
      expected_result: "No crash",
      reported_at: "2025-03-02T09:00:00Z",
    },
  ]);
  fx.bugs(20, [{
    id: 200,
    title: "Password field hides the café logo",
    steps: ["Open login"],
    reported_at: "2025-05-01T10:00:00Z",
  }]);
}

const simple = (query: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({
  query,
  mode: "simple",
  limit: 20,
  ...extra,
});

Deno.test("search: ranking, prefix, filters", async (t) => {
  using fx = handBuiltCache();
  seed(fx);
  using search = new SearchRepo(fx.db);
  const ids = (q: SearchQuery) => search.search(q).results.map((r) => `${r.entity_type}:${r.id}`);

  await t.step("a title hit outranks a body hit", () => {
    const r = search.search(simple("checkout", { entities: ["bug"] }));
    assert.deepEqual(r.results.map((x) => x.id), [100, 101]);
    assert.ok(r.results[0].score > r.results[1].score);
    assert.deepEqual(r.results.map((x) => x.rank), [1, 2]);
    assert.equal(r.total, 2);
    assert.equal(r.query_used, '"checkout"');
  });

  await t.step("every entity kind is indexed, with snippets", () => {
    const r = search.search(simple("checkout"));
    assert.deepEqual(r.results.map((x) => x.entity_type).sort(), [
      "bug",
      "bug",
      "feature",
      "product",
      "test",
    ]);
    const feature = r.results.find((x) => x.entity_type === "feature")!;
    assert.equal(feature.title, "Checkout");
    assert.equal(feature.product_id, 1);
    const product = r.results.find((x) => x.entity_type === "product")!;
    assert.match(product.snippet, /\*\*checkout\*\*/);
    assert.deepEqual(ids(simple("paypal")), ["feature:11"], "user stories are part of the feature");
  });

  await t.step("stemming both ways: 'crashes' finds 'crash', 'crash' finds 'crashes'", () => {
    assert.deepEqual(ids(simple("crashes")).sort(), ["bug:102", "test:10"]);
    assert.deepEqual(ids(simple("crash")).sort(), ["bug:102", "test:10"]);
    assert.deepEqual(ids(simple("crashed")).sort(), ["bug:102", "test:10"], "a form not in the index");
    assert.equal(search.search(simple("crashes")).query_used, '("crashes" OR "crash")');
    assert.deepEqual(ids(simple("payments")), ["test:10"], "payments finds payment");
    assert.deepEqual(ids(simple("pays")), ["feature:11"], "pays finds pay and paying");
    assert.equal(search.search(simple("pays")).query_used, '("pays" OR "pay" OR "paying")');
    assert.deepEqual(ids(simple("CRASHING when")), ["bug:102"], "case does not matter");
  });

  await t.step("diacritics: 'cafe' finds 'café', and so do 'Café' and 'cafés'", () => {
    assert.deepEqual(ids(simple("cafe")), ["bug:200"]);
    assert.deepEqual(ids(simple("Café")), ["bug:200"]);
    assert.deepEqual(ids(simple("cafés")), ["bug:200"]);
    assert.deepEqual(ids(simple("CAF*")), ["bug:200"]);
  });

  await t.step("stemmed hits get snippets from the source text", () => {
    const [bug] = search.search(simple("crashes", { entities: ["bug"] })).results;
    assert.equal(bug.snippet, "**Crash** when rotating");
    const [test] = search.search(simple("crash", { entities: ["test"] })).results;
    assert.equal(test.title, "Regression of the payment flow");
    assert.equal(test.snippet, "Find **crashes** in checkout");
    const [feature] = search.search(simple("paypal")).results;
    assert.equal(feature.snippet, "Paying for the basket As a buyer I can pay with **PayPal**");
  });

  await t.step("simple mode keeps a trailing * as prefix search", () => {
    assert.deepEqual(ids(simple("passw*")), ["bug:200"]);
    assert.equal(search.search(simple("passw*")).query_used, '"passw"*');
    assert.deepEqual(ids(simple("passw")), [], "without * a partial word does not match");
    assert.deepEqual(ids(simple("ch* button")), ["bug:100"]);
  });

  await t.step("prefixes match words as written, not stems (pay* finds payment, navigat* navigation)", () => {
    fx.test({
      id: 30,
      product_id: 1,
      title: "Payment provider switch",
      goal: "Navigation after paying; the player keeps playing",
      end_at: "2025-03-03T10:00:00Z",
    });
    // Stemmed, these would read "pai*" and "plai*", and miss.
    assert.deepEqual(ids(simple("pay*")).sort(), ["feature:11", "test:10", "test:30"]);
    assert.deepEqual(ids(simple("play*")), ["test:30"]);
    assert.deepEqual(ids(simple("navigat*")), ["test:30"]);
    assert.deepEqual(ids(simple("paym* navigation")), ["test:30"], "a word and a prefix together");
    assert.deepEqual(ids(simple("providers pay*")), ["test:30"], "the word is still stemmed");
    const body = search.search(simple("navigat*")).results[0];
    assert.equal(body.snippet, "**Navigation** after paying; the player keeps playing");
    assert.ok(body.score > 0);
    assert.equal(search.search(simple("switch*")).results[0].snippet, "Payment provider **switch**");
    assert.equal(
      search.search(simple("pla*", { entities: ["test"] })).results[0].snippet,
      "Navigation after paying; the **player** keeps **playing**",
    );
    assert.deepEqual(search.search(simple("zzz* navigat*")).warnings, [
      "No result contains every word; showing results that contain any of them",
    ]);
  });

  await t.step("all words must match; otherwise any word, with a warning", () => {
    const r = search.search(simple("checkout button"));
    assert.deepEqual(r.results.map((x) => x.id), [100]);
    assert.deepEqual(r.warnings, []);
    const any = search.search(simple("button sign"));
    assert.deepEqual(any.results.map((x) => `${x.entity_type}:${x.id}`).sort(), ["bug:100", "test:20"]);
    assert.equal(any.query_used, '"button" OR "sign"');
    assert.match(any.warnings[0], /any of them/);
  });

  await t.step("filters: entity types, products, dates (inclusive; dateless entities left out)", () => {
    assert.deepEqual(ids(simple("checkout", { entities: ["product", "feature"] })).sort(), [
      "feature:11",
      "product:1",
    ]);
    assert.deepEqual(ids(simple("open", { productIds: [2] })), ["bug:200"]);
    assert.deepEqual(ids(simple("open", { productIds: [1] })).sort(), ["bug:100", "bug:101"]);
    assert.deepEqual(
      ids(simple("checkout", { from: "2025-03-01T11:00:00Z", to: "2025-03-02T10:00:00Z" })).sort(),
      [
        "bug:101",
        "test:10",
      ],
    );
    assert.deepEqual(ids(simple("checkout", { productIds: [] })), []);
  });

  await t.step("limit keeps the best hits; total counts all", () => {
    const r = search.search(simple("checkout", { limit: 2 }));
    assert.equal(r.results.length, 2);
    assert.equal(r.total, 5);
  });

  await t.step("filters combine, and total counts the filtered matches", () => {
    const r = search.search(simple("open", { productIds: [1], entities: ["bug"], limit: 1 }));
    assert.equal(r.total, 2);
    assert.equal(r.results.length, 1);
    assert.deepEqual(
      ids(simple("checkout", { productIds: [1], entities: ["bug", "test"], from: "2025-03-02T00:00:00Z" })),
      ["test:10"],
    );
    assert.equal(search.search(simple("checkout", { to: "2025-03-01T10:00:00Z" })).total, 1);
    assert.deepEqual(ids(simple("checkout", { productIds: [1, 2], entities: ["product"] })), ["product:1"]);
    assert.deepEqual(ids(simple("checkout", { productIds: [2] })), []);
    assert.equal(search.search(simple("checkout crashes")).total, 1);
  });

  await t.step("product and date filters agree with filtering every match by hand", () => {
    // Small products (6 and 3 rows) against a word with 1 match ("rotating") read each match's row;
    // against words with 3 to 6 matches they read the products' rows: both plans run here.
    const hit = (r: { entity_type: string; id: number }) => `${r.entity_type}:${r.id}`;
    const dated = new Map([
      ["test:10", "2025-03-02T10:00:00Z"],
      ["test:20", "2025-05-02T10:00:00Z"],
      ["test:30", "2025-03-03T10:00:00Z"],
      ["bug:100", "2025-03-01T10:00:00Z"],
      ["bug:101", "2025-03-01T11:00:00Z"],
      ["bug:102", "2025-03-02T09:00:00Z"],
      ["bug:200", "2025-05-01T10:00:00Z"],
    ]);
    const ranges: [string | null, string | null][] = [[null, null], ["2025-03-01T11:00:00Z", null], [
      null,
      "2025-03-02T09:00:00Z",
    ]];
    for (const word of ["rotating", "open", "checkout", "crashes", "pay*"]) {
      const every = search.search(simple(word, { limit: 100 })).results;
      for (const productIds of [[1], [2], [1, 2], [3]]) {
        for (const [from, to] of ranges) {
          const expected = every.filter((r) =>
            productIds.includes(r.product_id!) &&
            (from === null && to === null ||
              (dated.has(hit(r)) && (from === null || dated.get(hit(r))! >= from) &&
                (to === null || dated.get(hit(r))! <= to)))
          ).map(hit);
          const r = search.search(simple(word, { productIds, from, to, limit: 100 }));
          const label = `${word} ${productIds} ${from}–${to}`;
          assert.deepEqual(r.results.map(hit), expected, label);
          assert.equal(r.total, expected.length, label);
        }
      }
    }
  });

  await t.step("raw mode passes FTS5 syntax through; words match as written", () => {
    assert.deepEqual(ids({ query: "checkout NOT button", mode: "raw", limit: 20, entities: ["bug"] }), [
      "bug:101",
    ]);
    assert.deepEqual(ids({ query: 'title:"price is shown"', mode: "raw", limit: 20 }), ["bug:101"]);
    assert.deepEqual(ids({ query: "NEAR(total twice, 2)", mode: "raw", limit: 20 }), ["bug:101"]);
    assert.deepEqual(ids({ query: "crash OR login", mode: "raw", limit: 20, entities: ["test"] }), [
      "test:20",
    ], "no stemming: crash does not find crashes");
    assert.deepEqual(ids({ query: "crash* OR login", mode: "raw", limit: 20, entities: ["test"] }).sort(), [
      "test:10",
      "test:20",
    ]);
    assert.deepEqual(ids({ query: "pay*", mode: "raw", limit: 20 }).sort(), [
      "feature:11",
      "test:10",
      "test:30",
    ]);
    const hit = search.search({ query: "title:price OR twice", mode: "raw", limit: 20 }).results[0];
    assert.equal(hit.snippet, "**Price** is shown **twice**");
  });
});

Deno.test("search: hostile input gives results or a clean input error", async (t) => {
  using fx = handBuiltCache();
  seed(fx);
  using search = new SearchRepo(fx.db);
  const hostile = [
    '"',
    '""',
    '"checkout',
    'checkout"',
    "NEAR(",
    "NEAR(checkout",
    "*",
    "**",
    "checkout*",
    "*checkout",
    "OR",
    "AND",
    "NOT",
    "checkout OR",
    "OR checkout",
    "checkout AND NOT",
    "(",
    ")",
    "checkout)",
    "title:checkout",
    "entity_type:bug",
    "-checkout",
    "+checkout",
    "^checkout",
    "{title content}: checkout",
    "'; DROP TABLE bugs; --",
    "\\",
    "\u0000",
    "checkout\u0000button",
    "💥 checkout",
    "a".repeat(10_240),
    "checkout ".repeat(1_200),
    "x OR ".repeat(2_000),
  ];

  await t.step("simple mode: never a SQLite error", () => {
    for (const q of hostile) {
      try {
        const r = search.search(simple(q));
        assert.ok(Array.isArray(r.results));
        assert.ok(r.total >= r.results.length);
      } catch (err) {
        assert.ok(err instanceof InputError, `${JSON.stringify(q.slice(0, 40))}: ${err}`);
        assert.ok(err.hint && err.action);
      }
    }
    assert.deepEqual(search.search(simple('"checkout')).results.length, 5, "a stray quote is just text");
    assert.deepEqual(toFtsQuery("NEAR( checkout").query, '"NEAR(" AND "checkout"');
    assert.deepEqual(toFtsQuery('checkout OR "x" pay*').query, '"checkout" AND "OR" AND """x""" AND "pay"*');
    assert.equal(
      search.search(simple("checkout crashes")).query_used,
      '"checkout" AND ("crashes" OR "crash")',
    );
    assert.deepEqual(search.search(simple("checkout\u0000button")).results.map((r) => r.id), [100]);
  });

  await t.step("raw mode: syntax errors become input errors", () => {
    let errors = 0;
    for (const q of hostile) {
      try {
        search.search({ query: q, mode: "raw", limit: 20 });
      } catch (err) {
        assert.ok(err instanceof InputError, `${JSON.stringify(q.slice(0, 40))}: ${err}`);
        errors++;
      }
    }
    assert.ok(errors > 10);
    assert.throws(
      () => search.search({ query: "NEAR(", mode: "raw", limit: 5 }),
      /is not valid: fts5: syntax error/,
    );
    assert.throws(() => search.search({ query: '"checkout', mode: "raw", limit: 5 }), InputError);
    assert.throws(() => search.search({ query: "   ", mode: "raw", limit: 5 }), /empty/);
    assert.throws(
      () => search.search({ query: "entity_type:bug", mode: "raw", limit: 5 }),
      (err: unknown) => err instanceof InputError && /no such column: entity_type/.test(err.message),
      "the index has only title and content",
    );
    assert.throws(() => search.search({ query: "checkout AND", mode: "raw", limit: 5 }), InputError);
  });

  await t.step("simple-mode queries are always valid FTS5 (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: "grapheme" }), (text) => {
        let query: string;
        try {
          query = toFtsQuery(text).query;
        } catch (err) {
          assert.ok(err instanceof InputError);
          return;
        }
        search.search({ query, mode: "raw", limit: 1 });
      }),
      { numRuns: 300 },
    );
  });

  await t.step("query words and the snippets of prefix hits", () => {
    assert.deepEqual(parseSimpleQuery(' pay*  "check-out"  *** café** '), [
      { text: "pay", prefix: true },
      { text: '"check-out"', prefix: false },
      { text: "café", prefix: true },
    ]);
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    assert.equal(
      snippetOf("Title", `${long} Crème brûlée ${long}`, [{ text: "creme", prefix: false }, {
        text: "brul",
        prefix: true,
      }]),
      "…w37 w38 w39 **Crème** **brûlée** w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10…",
    );
    assert.equal(snippetOf("Sign-up form", "", [{ text: "sign-u", prefix: true }]), "**Sign**-**up** form");
    assert.equal(snippetOf("", "", [{ text: "x", prefix: true }]), "");
    assert.equal(
      snippetOf("Crashed twice", "", [{ text: "crashes", prefix: false, variants: ["crash", "crashed"] }]),
      "**Crashed** twice",
    );
    assert.deepEqual(rawQueryWords('title:"price is" AND NOT {title content}: pay* NEAR(a b, 2)'), [
      { text: "price", prefix: false },
      { text: "is", prefix: false },
      { text: "pay", prefix: true },
      { text: "a", prefix: false },
      { text: "b", prefix: false },
      { text: "2", prefix: false },
    ]);
  });

  await t.step("stems: which words are expanded, and where their forms start", () => {
    assert.equal(stemOf("Crashes"), "crash");
    assert.equal(stemOf("cafés"), "cafe");
    assert.equal(stemOf("pays"), "pai");
    assert.equal(stemOf("ok"), null, "stems under 3 letters match as written");
    assert.equal(stemOf("e-mail"), null, "the tokenizer makes a phrase of it");
    assert.equal(stemOf("ios17"), null);
    assert.equal(stemOf("ошибки"), null);
    assert.deepEqual(stemStarts("crash"), ["crash"]);
    assert.deepEqual(stemStarts("pai"), ["pai", "pay"]);
    assert.deepEqual(stemStarts("hope"), ["hope", "hopi"]);
    assert.deepEqual(stemStarts("affabl"), ["affabl", "affabi"]);
    for (const word of ["happy", "happiness", "hoping", "hoped", "affability", "relational", "paying"]) {
      const stem = stemOf(word)!;
      assert.ok(stemStarts(stem).some((s) => word.startsWith(s)), `${word} (${stem})`);
    }
  });

  await t.step("too many words is an input error", () => {
    assert.equal(toFtsQuery(Array(MAX_SIMPLE_TERMS).fill("w").join(" ")).terms, MAX_SIMPLE_TERMS);
    assert.throws(() => toFtsQuery(Array(MAX_SIMPLE_TERMS + 1).fill("w").join(" ")), /at most 32/);
  });

  await t.step("the data is untouched", () => {
    assert.equal(fx.repos.bugs.count(), 4);
  });
});

Deno.test("search index: triggers keep it current; survives a migration round trip", async (t) => {
  using fx = handBuiltCache();
  seed(fx);
  using search = new SearchRepo(fx.db);
  const ids = (q: string) => search.search(simple(q)).results.map((r) => `${r.entity_type}:${r.id}`).sort();

  await t.step("the index holds one row per entity, and no copy of the text", () => {
    assert.deepEqual(search.counts(), { product: 2, feature: 1, test: 2, bug: 4 });
    search.integrityCheck();
    assert.deepEqual(
      fx.db.prepare("SELECT title, content FROM search_index WHERE rowid = 100 * 4 + 3").all().map((r) => ({
        ...r,
      })),
      [{ title: null, content: null }],
    );
  });

  await t.step(
    "a rowid lookup on the contentless index tells indexed bugs apart (BugsRepo relies on it)",
    () => {
      const indexed = (rowid: number) =>
        fx.db.prepare("SELECT 1 FROM search_index WHERE rowid = ?").get(rowid) !== undefined;
      assert.ok(indexed(100 * 4 + 3));
      assert.ok(!indexed(100 * 4 + 2), "no test 100");
      fx.bugs(20, [{ id: 200, title: "Password field hides the café logo" }, {
        id: 201,
        title: "Paywall twice",
      }]);
      fx.bugs(20, [{ id: 200, title: "Password field hides the café logo" }, {
        id: 201,
        title: "Paywall twice",
      }]);
      assert.ok(indexed(201 * 4 + 3));
      assert.deepEqual(search.counts().bug, 5, "a bug written twice is indexed once");
      assert.deepEqual(ids("paywall"), ["bug:201"]);
      fx.bugs(20, [{ id: 200, title: "Password field hides the café logo" }]);
      assert.ok(!indexed(201 * 4 + 3), "a deleted bug's row is gone");
      assert.deepEqual(search.counts().bug, 4);
      search.integrityCheck();
    },
  );

  await t.step("updates replace the indexed text", () => {
    fx.bugs(10, [
      { id: 100, title: "Pay button greyed out", reported_at: "2025-03-01T10:00:00Z" },
      { id: 101, title: "Price is shown twice", reported_at: "2025-03-01T11:00:00Z" },
      { id: 102, title: "Crash when rotating", reported_at: "2025-03-02T09:00:00Z" },
    ]);
    assert.deepEqual(ids("greyed"), ["bug:100"]);
    assert.deepEqual(ids("nothing"), [], "the old title is gone");
    assert.deepEqual(ids("grey*"), ["bug:100"]);
    assert.deepEqual(ids("noth*"), []);
    fx.product(2, "Bank", "Mobile banking with instant transfers");
    assert.deepEqual(ids("transfers"), ["product:2"]);
    fx.test({ id: 20, product_id: 2, title: "Sign-up smoke test", end_at: "2025-05-03T10:00:00Z" });
    assert.deepEqual(ids("signup"), []);
    assert.deepEqual(ids("sign up"), ["test:20"]);
    assert.ok(!ids("login").includes("test:20"));
    assert.deepEqual(
      search.search(simple("smoke", { from: "2025-05-03T00:00:00Z" })).results.map((r) => r.id),
      [20],
      "the date follows end_at",
    );
    fx.test({ id: 20, product_id: 2, title: "Sign-up smoke test", end_at: "2025-05-04T10:00:00Z" });
    assert.deepEqual(
      search.search(simple("smoke", { from: "2025-05-04T00:00:00Z" })).results.map((r) => r.id),
      [20],
      "a new end_at needs no re-indexing: the date is read from the test",
    );
    fx.feature({
      id: 11,
      product_id: 1,
      title: "Checkout",
      user_stories: ["As a buyer I can pay with Klarna"],
    });
    assert.deepEqual(ids("klarna"), ["feature:11"]);
    assert.deepEqual(ids("paypal"), []);
    assert.deepEqual(ids("klar*"), ["feature:11"]);
    assert.deepEqual(ids("payp*"), []);
    assert.deepEqual(search.counts(), { product: 2, feature: 1, test: 2, bug: 4 });
    search.integrityCheck();
  });

  await t.step("deletes remove rows, also through cascades", () => {
    fx.bugs(10, [{ id: 101, title: "Price is shown twice" }]);
    assert.deepEqual(ids("greyed"), []);
    assert.deepEqual(search.counts().bug, 2);
    fx.db.exec("DELETE FROM tests WHERE id = 10"); // cascades to bug 101
    assert.deepEqual(ids("price"), []);
    assert.deepEqual(ids("regression"), []);
    fx.db.exec("DELETE FROM products WHERE id = 1"); // cascades to feature 11
    assert.deepEqual(ids("checkout"), []);
    assert.deepEqual(search.counts(), { product: 1, feature: 0, test: 1, bug: 1 });
    assert.deepEqual(ids("pric*"), []);
    search.integrityCheck();
  });

  await t.step("down/up migration round trip: the index is rebuilt empty and fills again", () => {
    const down = migrateDown(fx.db, MIGRATIONS.length);
    assert.equal(down.length, MIGRATIONS.length);
    assert.throws(() => fx.db.prepare("SELECT count(*) FROM search_index").get(), /no such table/);
    migrateUp(fx.db);
    assert.deepEqual(search.counts(), { product: 0, feature: 0, test: 0, bug: 0 });
    seed(fx);
    assert.deepEqual(search.counts(), { product: 2, feature: 1, test: 2, bug: 4 });
    assert.deepEqual(ids("crashes"), ["bug:102", "test:10"]);
    assert.deepEqual(ids("checkout button"), ["bug:100"]);
    assert.deepEqual(ids("passw*"), ["bug:200"]);
    search.integrityCheck();
  });

  await t.step("0006 down restores the two indexes of 0003 with their content; up builds one again", () => {
    const from6 = MIGRATIONS.filter((m) => m.version >= 6).map((m) => m.version).reverse();
    assert.deepEqual(migrateDown(fx.db, from6.length), from6);
    const count = (sql: string) => (fx.db.prepare(sql).get() as { n: number }).n;
    // Both old indexes are back, filled from the source rows: the stemmed one with its entity
    // columns, the word one with its prefix indexes.
    assert.equal(count("SELECT count(*) AS n FROM search_index"), 9);
    assert.equal(count("SELECT count(*) AS n FROM search_words"), 9);
    assert.deepEqual(
      fx.db.prepare(`SELECT entity_type, entity_id, product_id, date FROM search_index
        WHERE search_index MATCH 'crashing' ORDER BY rowid`).all().map((r) => ({ ...r })),
      [
        { entity_type: "test", entity_id: 10, product_id: 1, date: "2025-03-02T10:00:00Z" },
        { entity_type: "bug", entity_id: 102, product_id: 1, date: "2025-03-02T09:00:00Z" },
      ],
      "porter stems, entity columns and dates",
    );
    assert.equal(count(`SELECT count(*) AS n FROM search_words WHERE search_words MATCH '"pay"*'`), 2);
    fx.db.exec("INSERT INTO search_index (search_index) VALUES ('integrity-check')");
    fx.db.exec("INSERT INTO search_words (search_words) VALUES ('integrity-check')");
    // The triggers of 0001 and 0003 are back: a bug written under that schema (plain SQL stands in
    // for the code of that version, which indexed new bugs itself) and a renamed product.
    fx.db.exec(
      `INSERT INTO bugs (id, test_id, product_id, title, status, reported_at)
      VALUES (201, 20, (SELECT product_id FROM tests WHERE id = 20), 'Paywall shown twice', 'forwarded',
        '2025-05-01T10:00:00Z')`,
    );
    fx.db.exec(`INSERT INTO search_index (rowid, entity_type, entity_id, product_id, date, title, content)
      SELECT id * 4 + 3, 'bug', id, product_id, reported_at, title, '' FROM bugs WHERE id = 201`);
    fx.db.exec(`INSERT INTO search_words (rowid, title, content)
      SELECT id * 4 + 3, title, '' FROM bugs WHERE id = 201`);
    fx.db.exec("DELETE FROM bugs WHERE test_id = 20 AND id <> 201");
    fx.db.exec("UPDATE products SET name = 'Savings' WHERE id = 2");
    assert.equal(count(`SELECT count(*) AS n FROM search_words WHERE search_words MATCH 'savings'`), 1);

    assert.deepEqual(migrateUp(fx.db), from6.reverse());
    assert.deepEqual(search.counts(), { product: 2, feature: 1, test: 2, bug: 4 });
    assert.deepEqual(ids("payw*"), ["bug:201"]);
    assert.deepEqual(ids("pass*"), [], "bug 200 was deleted before the upgrade");
    assert.deepEqual(ids("savings"), ["product:2"]);
    assert.deepEqual(ids("crashing"), ["bug:102", "test:10"]);
    assert.deepEqual(
      fx.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'search%' AND type = 'table' ORDER BY 1")
        .all().map((r) => r.name),
      [
        "search_index",
        "search_index_config",
        "search_index_data",
        "search_index_docsize",
        "search_index_idx",
        "search_vocab",
      ],
      "one index, its shadow tables and its vocabulary",
    );
    search.integrityCheck();
  });
});

Deno.test("search: a word with more indexed forms than the bound", () => {
  using fx = handBuiltCache();
  // 34 words of an English dictionary that share the Porter stem "commun".
  const forms = `communism communal communalism communality communalize communalized communalizes
    communalizing communally commune communed communes communicate communicated communicates
    communicating communication communicational communications communicative communicatively
    communicativeness communicativenesses communicator communicators communing communities community
    communization communizations communize communized communizes communizing`.split(/\s+/);
  assert.equal(forms.length, 34);
  assert.ok(forms.every((w) => stemOf(w) === "commun"));
  fx.product(1, "Forms", forms.join(" "));
  fx.product(2, "Community", "Only the one word");
  using search = new SearchRepo(fx.db);
  const r = search.search(simple("communities"));
  assert.deepEqual(r.results.map((h) => h.id).sort(), [1, 2]);
  const searched = [...r.query_used.matchAll(/"([a-z]+)"/g)].map((m) => m[1]);
  assert.equal(searched.length, MAX_WORD_FORMS);
  assert.equal(searched[0], "communities", "the word itself is always searched");
  assert.ok(searched.includes("commune") && !searched.includes("communicativenesses"), "shortest first");
  assert.deepEqual(r.warnings, [
    '"communities" has 34 forms in the index; the 32 shortest were searched',
  ]);
});

Deno.test("migration 0006: down restores exactly the schema of 0005", async () => {
  const dir = await Deno.makeTempDir({ prefix: "testio-search-mig-" });
  try {
    using db = openDatabase(`${dir}/cache.db`);
    const schema = () =>
      db.prepare(
        `SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'
         ORDER BY type, name`,
      ).all().map((r) => `${r.type} ${r.name} ${r.sql}`);
    const upTo6 = MIGRATIONS.filter((m) => m.version <= 6);
    migrateUp(db, upTo6.filter((m) => m.version < 6));
    const before = schema();
    migrateUp(db, upTo6);
    assert.notDeepEqual(schema(), before);
    assert.deepEqual(migrateDown(db, 1, upTo6), [6]);
    assert.deepEqual(schema(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
