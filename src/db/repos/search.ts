/**
 * Full-text search over products, features, tests and bugs. One contentless FTS5 index,
 * `search_index` (migration 0006), kept current by triggers (new bugs by BugsRepo). It holds the words
 * as written (lowercased, diacritics removed), no copy of the text and no entity columns: rowid is
 * entity id * 4 + kind (0 product, 1 feature, 2 test, 3 bug), products and features lifted above
 * every test and bug by {@link TOP_ROWIDS} (migration 0009), and the type, product, date, title and
 * snippet text come from the source tables by that key. Ranking is BM25 with the title weighted 10×
 * over the content.
 *
 * English stemming happens at query time: a simple-mode word matches every indexed word with the same
 * Porter stem ("crashes" → `("crashes" OR "crash" OR "crashed")`), found in the index's vocabulary
 * (`search_vocab`). Prefix terms match words as written (`pay*` finds "payment" and "paying").
 *
 * Two query modes: `simple` turns free text into a safe FTS5 query (every word quoted, so operators
 * and stray quotes are plain text; a trailing `*` keeps prefix search), `raw` passes FTS5 syntax
 * through unchanged (words match as written, without stemming) and reports syntax errors as input
 * errors.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using search = new SearchRepo(db);
 * search.search({ query: "checkout pay*", mode: "simple", limit: 20 });
 * ```
 */
import { stemmer } from "stemmer";
import { int, Repository } from "./base.ts";
import {
  after,
  fold,
  FTS_SYNTAX,
  ftsOf,
  parseSimpleQuery,
  rawQueryWords,
  type SimpleTerm,
  snippetOf,
  stemOf,
  stemStarts,
  withoutControls,
} from "./search_text.ts";

export * from "./search_text.ts";
import type { Params } from "../database.ts";
import { InputError } from "../../errors.ts";

/**
 * Unfiltered searches with more matches than this rank the newest this many of them (and every
 * product and feature match) instead of all: see {@link SearchRepo.search}.
 */
export const RANK_WINDOW = 1000;

/** A result of {@link SearchRepo} `#run` as returned, with a warning when only a window was ranked. */
function windowed(
  r: { results: SearchHit[]; total: number; window: boolean },
  query: string,
  warnings: string[],
): SearchResult {
  const { window, ...rest } = r;
  return {
    ...rest,
    query_used: query,
    warnings: window
      ? [
        ...warnings,
        `${r.total} matches: ranked the newest ${RANK_WINDOW} of them and every product and feature match; ` +
        "add words, a product or dates to rank among all",
      ]
      : warnings,
  };
}

/** Entity kinds in the index, in rowid order (rowid % 4). */
export const SEARCH_ENTITIES = ["product", "feature", "test", "bug"] as const;
export type SearchEntity = typeof SEARCH_ENTITIES[number];

/** How the query text is read. */
export type MatchMode = "simple" | "raw";

/** At most this many words in simple mode: more makes an AND query that never matches anyway. */
export const MAX_SIMPLE_TERMS = 32;

/**
 * At most this many indexed forms of one query word (the word itself included) are searched, so a
 * vocabulary with many words of one stem cannot blow up a query. An English dictionary of 130,000
 * words has at most 34 words per stem ("commun": communal … community).
 */
export const MAX_WORD_FORMS = 32;

/** Stems whose indexed words are kept between searches (see SearchRepo.#wordsOfStem). */
const STEM_CACHE_SIZE = 256;

/** Vocabulary rows read per stem range, so a pathological vocabulary bounds the lookup too. */
const VOCAB_SCAN_LIMIT = 2000;

/** A search request. */
export interface SearchQuery {
  query: string;
  mode: MatchMode;
  entities?: readonly SearchEntity[] | null;
  productIds?: readonly number[] | null;
  /** Inclusive UTC bounds on the entity date (test end_at, bug reported_at). */
  from?: string | null;
  to?: string | null;
  limit: number;
}

/** One hit. `score` is the negated BM25 (higher is better); `rank` is 1-based. */
export interface SearchHit {
  entity_type: SearchEntity;
  id: number;
  title: string;
  product_id: number | null;
  snippet: string;
  score: number;
  rank: number;
}

/** The hits, the number of all matches and the FTS5 query actually run. */
export interface SearchResult {
  results: SearchHit[];
  total: number;
  query_used: string;
  warnings: string[];
}

const ROWID = "search_index.rowid";

/**
 * Products and features sit above every test and bug in the index (migration 0009): their rowid is
 * this plus id * 4 + kind. `rowid % 4` is the kind and `(rowid % TOP) / 4` the id of every row.
 */
export const TOP_ROWIDS = 4503599627370496; // 2^52

/** The entity id of a rowid expression. */
const idOf = (rowid: string) => `(${rowid} % ${TOP_ROWIDS}) / 4`;

/**
 * The text each entity was indexed with, by source table alias; the same expressions as the
 * triggers of migration 0006 and BugsRepo, so snippets show what matched.
 */
const CONTENT = {
  product: "coalesce(p.description, '')",
  feature: `concat_ws(' ', f.description, f.howtofind,
      (SELECT group_concat(value, ' ') FROM json_each(f.raw, '$.user_stories')))`,
  test: "concat_ws(' ', t.goal, t.instructions, t.out_of_scope)",
  bug: `concat_ws(' ', (SELECT group_concat(value, ' ') FROM json_each(b.steps)), b.actual_result,
      b.expected_result)`,
};

/**
 * How matches are checked against the product and date filters (the index has only the rowid):
 * `row` reads each match's source row by primary key (a lookup per match);
 * `source` reads the ids of the listed products' rows from the product indexes once (cheaper per row
 * than a lookup) and looks each match up in that list. `source` needs a product filter, and wins when the
 * products have fewer rows than about three times the matches.
 */
type FilterPlan = "row" | "source";

/** Rows of the listed products per match above which `row` is chosen (see {@link FilterPlan}). */
const SOURCE_ROWS_PER_MATCH = 3;

/**
 * The SQL of the product and date filters. Products and features have no date: under a date filter
 * the caller has already left them out by kind. The SQL depends only on which filters are set and
 * the plan, never on their values.
 */
function filterSql(plan: FilterPlan, products: boolean, dates: boolean): string {
  const id = idOf(ROWID);
  const arm = (table: string, productColumn: string, dateColumn: string | null) => {
    if (dates && dateColumn === null) return "0";
    const conditions: string[] = [];
    if (products) conditions.push(`x.${productColumn} IN (SELECT value FROM json_each(:products))`);
    if (dates) {
      conditions.push(
        `(:from IS NULL OR x.${dateColumn} >= :from)`,
        `(:to IS NULL OR x.${dateColumn} <= :to)`,
      );
    }
    if (plan === "row") {
      return `EXISTS (SELECT 1 FROM ${table} x WHERE x.id = ${id} AND ${conditions.join(" AND ")})`;
    }
    return `${id} IN (SELECT x.id FROM ${table} x WHERE ${conditions.join(" AND ")})`;
  };
  return `CASE ${ROWID} % 4 WHEN 0 THEN ${arm("products", "id", null)}
      WHEN 1 THEN ${arm("features", "product_id", null)}
      WHEN 2 THEN ${arm("tests", "product_id", "end_at")}
      ELSE ${arm("bugs", "product_id", "reported_at")} END`;
}

interface PageRow {
  kind: number;
  id: number;
  title: string | null;
  product_id: number | null;
  content: string | null;
  bm25: number;
  /** All matches, on every row of a filtered search. */
  total?: number;
}

/** Reads `search_index` and its vocabulary `search_vocab`. */
export class SearchRepo extends Repository {
  /**
   * Runs a search. In simple mode words must all match; when none do, the search is retried with
   * any word (and says so in a warning). Results are ranked by BM25; an unfiltered search with more
   * than {@link RANK_WINDOW} matches ranks the newest {@link RANK_WINDOW} and every product and feature
   * match (and says so), since BM25 reads the positions of every match it ranks. `total` always counts
   * every match.
   */
  search(q: SearchQuery): SearchResult {
    if (q.mode === "raw") {
      const raw = withoutControls(q.query).trim();
      if (!raw) {
        throw new InputError("The search query is empty", {
          hint: "Raw mode needs an FTS5 query",
          action: "Pass words, or FTS5 syntax such as: checkout AND (crash OR freeze)",
        });
      }
      return windowed(this.#run(raw, q, rawQueryWords(raw), true), raw, []);
    }
    const warnings: string[] = [];
    this.#forgetStemsIfChanged();
    const terms = parseSimpleQuery(q.query).map((t) => this.#withVariants(t, warnings));
    const every = ftsOf(terms, "AND");
    const all = this.#run(every, q, terms, false);
    if (all.total > 0 || terms.length < 2) return windowed(all, every, warnings);
    const some = ftsOf(terms, "OR");
    const any = this.#run(some, q, terms, false);
    if (any.total === 0) return windowed(all, every, warnings);
    return windowed(any, some, [
      ...warnings,
      "No result contains every word; showing results that contain any of them",
    ]);
  }

  /**
   * Adds to a whole word the indexed words that share its Porter stem ("crashes": crash, crashed,
   * crashing), read from the vocabulary by the ranges of {@link stemStarts}. Shorter forms are kept
   * first when there are more than {@link MAX_WORD_FORMS}.
   */
  #withVariants(term: SimpleTerm, warnings: string[]): SimpleTerm {
    const stem = term.prefix ? null : stemOf(term.text);
    if (stem === null) return term;
    const self = fold(term.text);
    const variants = this.#wordsOfStem(stem).filter((w) => w !== self);
    if (variants.length > MAX_WORD_FORMS - 1) {
      warnings.push(
        `"${term.text}" has ${
          variants.length + 1
        } forms in the index; the ${MAX_WORD_FORMS} shortest were searched`,
      );
      variants.length = MAX_WORD_FORMS - 1;
    }
    return variants.length ? { ...term, variants } : term;
  }

  /**
   * The indexed words with Porter stem `stem`, shortest first. fts5vocab computes each listed word's
   * document count from its whole doclist (10–20 ms for a word in most bugs at 400,000 bugs), so the
   * words of a stem are kept until the cache changes (checked once a search: #forgetStemsIfChanged).
   */
  #wordsOfStem(stem: string): string[] {
    let words = this.#stems.get(stem);
    if (!words) {
      const found = new Set<string>();
      for (const start of stemStarts(stem)) {
        const rows = this.all<{ term: string }>(
          "SELECT term FROM search_vocab WHERE term >= :lo AND term < :hi LIMIT :n",
          { lo: start, hi: after(start), n: int(VOCAB_SCAN_LIMIT) },
        );
        for (const { term: word } of rows) if (stemmer(word) === stem) found.add(word);
      }
      words = [...found].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
      if (this.#stems.size >= STEM_CACHE_SIZE) this.#stems.delete(this.#stems.keys().next().value!);
      this.#stems.set(stem, words);
    }
    return words;
  }

  /**
   * Clears the words kept per stem when the cache's content may have changed since they were read: a
   * commit by another connection (`data_version`) or a change by this one (`total_changes()`).
   */
  #forgetStemsIfChanged(): void {
    const r = this.one<{ v: number; c: number }>(
      "SELECT (SELECT data_version FROM pragma_data_version) AS v, total_changes() AS c",
    )!;
    const version = `${r.v}:${r.c}`;
    if (version !== this.#stemsVersion) {
      this.#stems.clear();
      this.#stemsVersion = version;
    }
  }

  readonly #stems = new Map<string, string[]>();
  #stemsVersion = "";

  #run(
    match: string,
    q: SearchQuery,
    highlight: readonly SimpleTerm[],
    raw: boolean,
  ): { results: SearchHit[]; total: number; window: boolean } {
    const products = q.productIds === null || q.productIds === undefined
      ? null
      : JSON.stringify(q.productIds);
    const dates = (q.from ?? null) !== null || (q.to ?? null) !== null;
    // Products and features have no date, so a date filter leaves them out.
    const kinds = (q.entities?.length ? q.entities : SEARCH_ENTITIES).map((e) => SEARCH_ENTITIES.indexOf(e))
      .filter((k) => !dates || k >= 2);
    // node:sqlite rejects parameters the SQL does not name, so each filter binds only when used.
    const params: Params = { q: match };
    let where = "search_index MATCH :q";
    if (kinds.length < SEARCH_ENTITIES.length) {
      where += ` AND ${ROWID} % 4 IN (SELECT value FROM json_each(:kinds))`;
      params.kinds = JSON.stringify(kinds);
    }
    if (products !== null) params.products = products;
    if (dates) Object.assign(params, { from: q.from ?? null, to: q.to ?? null });
    const filtered = products !== null || dates;
    try {
      if (filtered) where += ` AND ${filterSql(this.#filterPlan(match, products), products !== null, dates)}`;
      // Ties break on rowid, so pages are stable; only the page's rows are read from the source tables.
      const hits =
        `SELECT rowid AS r, bm25(search_index, 10.0, 1.0) AS bm25 FROM search_index WHERE ${where}`;
      const page = (from: string) => `
        SELECT h.r % 4 AS kind, ${idOf("h.r")} AS id, h.bm25,
          coalesce(p.name, f.title, t.title, b.title) AS title,
          coalesce(p.id, f.product_id, t.product_id, b.product_id) AS product_id,
          CASE h.r % 4 WHEN 0 THEN ${CONTENT.product} WHEN 1 THEN ${CONTENT.feature}
            WHEN 2 THEN ${CONTENT.test} ELSE ${CONTENT.bug} END AS content
        FROM ${from} h
        LEFT JOIN products p ON h.r % 4 = 0 AND p.id = ${idOf("h.r")}
        LEFT JOIN features f ON h.r % 4 = 1 AND f.id = ${idOf("h.r")}
        LEFT JOIN tests t ON h.r % 4 = 2 AND t.id = h.r / 4
        LEFT JOIN bugs b ON h.r % 4 = 3 AND b.id = h.r / 4
        ORDER BY h.bm25, h.r`;
      let total: number;
      let rows: PageRow[];
      let window = false;
      if (filtered) {
        // A filter is the costly part of a filtered search: the matches are filtered once and both
        // counted and ranked from that (a separate count would run the filter twice).
        rows = this.all<PageRow>(
          `WITH m AS MATERIALIZED (${hits}),
            top AS (SELECT r, bm25 FROM m ORDER BY bm25, r LIMIT :limit)
          SELECT (SELECT count(*) FROM m) AS total, page.* FROM (${page("top")}) page`,
          { ...params, limit: int(q.limit) },
        );
        total = rows[0]?.total ?? 0;
      } else {
        // Unfiltered, FTS5 counts matches without ranking them, which is cheap.
        total = this.one<{ n: number }>(`SELECT count(*) AS n FROM search_index WHERE ${where}`, params)!.n;
        // BM25 reads every ranked match's positions, so ranking every match of common words is slow.
        // Past RANK_WINDOW matches, every product and feature match and the newest RANK_WINDOW test and
        // bug matches are ranked: products and features lie at the top of the rowids and ids grow over
        // time, so that is one run down the index from its top, which FTS5 reads in order and stops
        // (and BM25 gathers its word statistics once).
        let ranked = hits;
        const rankParams: Params = { ...params, limit: int(q.limit) };
        if (total > RANK_WINDOW) {
          // Bound as an integer: FTS5 narrows its doclists by a rowid bound only when the value is one.
          const top = this.one<{ n: number }>(
            `SELECT count(*) AS n FROM search_index WHERE ${where} AND ${ROWID} >= :top`,
            { ...params, top: int(TOP_ROWIDS) },
          )!.n;
          rankParams.window = int(RANK_WINDOW + top);
          ranked = `SELECT * FROM (${hits} ORDER BY rowid DESC LIMIT :window)`;
          window = true;
        }
        rows = total === 0
          ? []
          : this.all<PageRow>(page(`(${ranked} ORDER BY bm25, r LIMIT :limit)`), rankParams);
      }
      return {
        // A row whose source row is gone (never left behind by the triggers) has no title: skipped.
        results: rows.filter((r) => r.title !== null).map((r, i) => ({
          entity_type: SEARCH_ENTITIES[r.kind],
          id: r.id,
          title: r.title!,
          product_id: r.product_id,
          snippet: snippetOf(r.title!, r.content ?? "", highlight),
          // BM25 is "lower is better"; clients expect a score that grows with relevance.
          score: r.bm25 === 0 ? 0 : -r.bm25,
          rank: i + 1,
        })),
        total,
        window,
      };
    } catch (err) {
      if (raw && err instanceof Error && FTS_SYNTAX.test(err.message)) {
        throw new InputError(`The FTS5 query ${JSON.stringify(match)} is not valid: ${err.message}`, {
          hint:
            "Raw mode passes the text to SQLite FTS5 as it is; quotes, parentheses and NEAR() must balance",
          action: 'Fix the syntax (e.g. checkout AND (crash OR freeze), "exact phrase", pay*) or use ' +
            "match_mode simple",
          cause: err,
        });
      }
      throw err;
    }
  }

  /**
   * `source` when the listed products have fewer rows than {@link SOURCE_ROWS_PER_MATCH} times the
   * matches (FTS5 counts matches without ranking them, and the products table keeps row counts),
   * otherwise `row`.
   */
  #filterPlan(match: string, products: string | null): FilterPlan {
    if (products === null) return "row";
    const { matches, rows } = this.one<{ matches: number; rows: number }>(
      `SELECT (SELECT count(*) FROM search_index WHERE search_index MATCH :q) AS matches,
        (SELECT coalesce(sum(1 + feature_count + test_count + bug_count), 0) FROM products
          WHERE id IN (SELECT value FROM json_each(:products))) AS rows`,
      { q: match, products },
    )!;
    return rows < matches * SOURCE_ROWS_PER_MATCH ? "source" : "row";
  }

  /** The oldest product sync stamp among `productIds` (all products when null). */
  oldestSync(productIds: readonly number[] | null): string | null {
    return this.one<{ t: string | null }>(
      `SELECT min(synced_at) AS t FROM products
       WHERE :products IS NULL OR id IN (SELECT value FROM json_each(:products))`,
      { products: productIds ? JSON.stringify(productIds) : null },
    )?.t ?? null;
  }

  /** Runs FTS5's own consistency checks; throws when the index disagrees with its shadow tables. */
  integrityCheck(): void {
    this.db.exec("INSERT INTO search_index (search_index) VALUES ('integrity-check')");
  }

  /** Number of index rows per entity type. */
  counts(): Record<SearchEntity, number> {
    const out: Record<SearchEntity, number> = { product: 0, feature: 0, test: 0, bug: 0 };
    for (
      const r of this.all<{ k: number; n: number }>(
        "SELECT rowid % 4 AS k, count(*) AS n FROM search_index GROUP BY k",
      )
    ) out[SEARCH_ENTITIES[r.k]] = r.n;
    return out;
  }
}
