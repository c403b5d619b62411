/**
 * The query text side of search: simple-mode parsing into quoted FTS5 terms, word stems for the
 * vocabulary lookup, snippets, and the words of a raw query.
 *
 * @example
 * ```ts
 * toFtsQuery("login OR NEAR( pay*"); // { query: '"login" AND "OR" AND "NEAR(" AND "pay"*', terms: 4 }
 * ```
 * @module
 */
import { stemmer } from "stemmer";
import { InputError } from "../../errors.ts";
import { MAX_SIMPLE_TERMS } from "./search.ts";

export const WORD = /[\p{L}\p{N}]/u;

/**
 * Control characters become spaces: SQLite reads the query as a C string, so a NUL would cut it short
 * (turning `"a\0b"` into an unterminated string), and the tokenizer ignores the others anyway.
 */
export function withoutControls(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** One word of a simple-mode query. */
export interface SimpleTerm {
  text: string;
  /** The word ended in `*`: match words starting with it. */
  prefix: boolean;
  /** Other indexed words with the same English stem, matched as alternatives of the word. */
  variants?: readonly string[];
}

/**
 * Splits free text into words: whitespace separates them, a trailing `*` marks a prefix, words
 * without a letter or digit are dropped.
 *
 * @throws {InputError} when nothing searchable remains or there are too many words.
 */
export function parseSimpleQuery(text: string): SimpleTerm[] {
  const terms: SimpleTerm[] = [];
  for (const word of withoutControls(text).split(/\s+/)) {
    const bare = word.replace(/\*+$/, "");
    if (WORD.test(bare)) terms.push({ text: bare, prefix: bare !== word });
  }
  if (!terms.length) {
    throw new InputError("The search query has no words to look for", {
      hint: "Only punctuation or operators were given; simple mode searches for words",
      action: "Search for one or more words (append * to a word for prefix search, e.g. check*)",
    });
  }
  if (terms.length > MAX_SIMPLE_TERMS) {
    throw new InputError(`The search query has ${terms.length} words; at most ${MAX_SIMPLE_TERMS} are used`, {
      hint: "Every word must appear in a result, so long texts match nothing",
      action: "Search with a few distinctive words",
    });
  }
  return terms;
}

export const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The FTS5 text of terms. Each word is a quoted string (inner quotes doubled), so `OR`, `NEAR(`,
 * `-`, `:` and `^` are plain text and no input can be a syntax error; prefixes get `*`; a word with
 * variants becomes `("word" OR "variant" …)`. AND is written out: FTS5 reads two adjacent phrases as
 * AND, but not a phrase next to a parenthesised group.
 */
export function ftsOf(terms: readonly SimpleTerm[], join: "AND" | "OR"): string {
  return terms.map((t) => {
    if (t.prefix) return `${quoted(t.text)}*`;
    if (!t.variants?.length) return quoted(t.text);
    return `(${[t.text, ...t.variants].map(quoted).join(" OR ")})`;
  }).join(` ${join} `);
}

/** Turns free text into a safe FTS5 query (see {@link parseSimpleQuery} and {@link ftsOf}). */
export function toFtsQuery(text: string, join: "AND" | "OR" = "AND"): { query: string; terms: number } {
  const terms = parseSimpleQuery(text);
  return { query: ftsOf(terms, join), terms: terms.length };
}

/** Text as the tokenizer (`unicode61 remove_diacritics 2`) reads it: no combining marks, lowercase. */
export const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/**
 * The Porter stem of a query word, or null when the word is not expanded: words that are not one
 * run of the letters a–z after folding (digits, other scripts, inner punctuation such as "e-mail",
 * which the tokenizer splits into a phrase) and stems shorter than 3 letters match as written.
 */
export function stemOf(text: string): string | null {
  const folded = fold(text);
  if (!/^[a-z]+$/.test(folded)) return null;
  const stem = stemmer(folded);
  return stem.length >= 3 ? stem : null;
}

/**
 * What every word with the Porter stem `stem` starts with. Porter keeps a word's beginning and
 * rewrites at most the last letter of the stem: checked on 130,784 words of an English dictionary,
 * every word starts with its stem except where the stem ends in an "i" the word spells "y"
 * (happy → happi) or in an "e" or "l" written over an "i" (hoping → hope, affability → affabl).
 * Reading only these ranges of the vocabulary keeps a short stem from scanning every word that
 * starts with its first two letters.
 */
export function stemStarts(stem: string): string[] {
  const head = stem.slice(0, -1);
  const last = stem.at(-1);
  if (last === "i") return [stem, `${head}y`];
  if (last === "e" || last === "l") return [stem, `${head}i`];
  return [stem];
}

/** The upper bound of the words starting with `start` (a–z only, so the next code unit exists). */
export const after = (start: string) =>
  start.slice(0, -1) + String.fromCharCode(start.charCodeAt(start.length - 1) + 1);

/**
 * A snippet in the style of FTS5 `snippet()` (matches wrapped in `**`, `…` where text was cut),
 * built from the source text because the contentless index cannot build one. The title is used when
 * it matches, otherwise the content. A word matches its variants too.
 */
export function snippetOf(title: string, content: string, terms: readonly SimpleTerm[], size = 16): string {
  const wanted = terms.flatMap((t) =>
    [t.text, ...(t.prefix ? [] : t.variants ?? [])].flatMap((text) => {
      const words = fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
      return words.map((w, i) => ({ w, prefix: t.prefix && i === words.length - 1 }));
    })
  );
  const hits = (token: string) => {
    const f = fold(token);
    return wanted.some((t) => (t.prefix ? f.startsWith(t.w) : f === t.w));
  };
  const pick = [title, content].map((text) => {
    const tokens = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
    return { text, tokens, first: tokens.findIndex((m) => hits(m[0])) };
  });
  const col = pick.find((c) => c.first >= 0) ?? pick[0];
  if (!col.tokens.length) return "";
  const from = Math.max(0, Math.min(col.first < 0 ? 0 : col.first - 3, col.tokens.length - size));
  const to = Math.min(col.tokens.length, from + size);
  let out = "";
  let at = col.tokens[from].index!;
  for (let i = from; i < to; i++) {
    const m = col.tokens[i];
    out += col.text.slice(at, m.index) + (hits(m[0]) ? `**${m[0]}**` : m[0]);
    at = m.index! + m[0].length;
  }
  return (from > 0 ? "…" : "") + out + (to < col.tokens.length ? "…" : "");
}

/**
 * The words of a raw FTS5 query, for highlighting: operators (AND, OR, NOT, NEAR) and column
 * filters (`title:`, `{title content}:`) are left out; `word*` is a prefix.
 */
export function rawQueryWords(raw: string): SimpleTerm[] {
  const text = raw.replace(/\{[^}]*\}\s*:/g, " ").replace(/[\p{L}\p{N}_]+\s*:/gu, " ");
  const out: SimpleTerm[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+(\*?)/gu)) {
    const word = m[0].replace(/\*$/, "");
    if (!/^(AND|OR|NOT|NEAR)$/.test(word)) out.push({ text: word, prefix: m[1] === "*" });
  }
  return out;
}

/** SQLite messages that mean "your FTS5 query is malformed", not "the database is broken". */
export const FTS_SYNTAX =
  /fts5|syntax error|unterminated string|no such column|unknown special query|malformed MATCH/i;
