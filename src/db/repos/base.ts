/**
 * The base of every repository: it owns its prepared statements (cached by SQL text) and is the
 * disposable unit, because `node:sqlite` statements are not.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * class ThingsRepo extends Repository {
 *   count(): number {
 *     return this.one<{ n: number }>("SELECT count(*) AS n FROM things")!.n;
 *   }
 * }
 * using things = new ThingsRepo(db);
 * things.count();
 * ```
 */
import type { SQLInputValue, StatementSync } from "node:sqlite";
import type { Database, Params } from "../database.ts";

/** The sort direction every list accepts. */
export type SortOrder = "asc" | "desc";

/** A page of rows with the exact total. */
export interface Page<T> {
  rows: T[];
  total: number;
}

/** A row as an array of column values, in SELECT order. */
export type Tuple = readonly unknown[];

/** `setReturnArrays` of node:sqlite (Node 22.16+): in Deno's runtime, not yet in its type declarations. */
type ArrayCapableStatement = StatementSync & { setReturnArrays?: (enabled: boolean) => void };

/**
 * Most prepared statements a repository keeps per cache. Filters with lists (`IN (:t0, :t1, …)`) give
 * one SQL text per list length and filter combination, so without a bound a long-running server
 * would keep a native statement for every shape it ever saw. Past the bound the least recently used
 * is dropped (and finalised when collected); re-preparing one costs tens of microseconds.
 */
export const STATEMENT_CACHE_SIZE = 256;

/** The cached value of `key`, marked as most recently used. */
function recall<V>(cache: Map<string, V>, key: string): V | undefined {
  const value = cache.get(key);
  if (value !== undefined) {
    cache.delete(key);
    cache.set(key, value);
  }
  return value;
}

/** Remembers `value` under `key`, dropping the least recently used past {@link STATEMENT_CACHE_SIZE}. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.set(key, value);
  while (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

/**
 * A statement prepared from SQL whose `:name` parameters were renumbered as `?1`, `?2`, … in order of
 * first use, with the names in that order. node:sqlite binds a parameter object name by name, and
 * that cost more than the statement itself; bound by position, the same values cost a fraction
 * (bench/RESULTS.md, Tuning).
 */
interface Prepared {
  stmt: StatementSync;
  names: readonly string[];
}

/**
 * `sql` with each `:name` parameter outside string literals, quoted identifiers and comments replaced
 * by `?N`, and the names in numbering order (a name used twice keeps its number).
 */
export function numberParameters(sql: string): { sql: string; names: string[] } {
  const names: string[] = [];
  let out = "";
  let i = 0;
  const closers: Record<string, string> = { "'": "'", '"': '"', "`": "`", "[": "]" };
  while (i < sql.length) {
    const c = sql[i];
    if (c in closers) {
      const end = sql.indexOf(closers[c], i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === ":" && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let n = names.indexOf(name);
      if (n < 0) n = names.push(name) - 1;
      out += `?${n + 1}`;
      i += name.length + 1;
    } else {
      out += c;
      i++;
    }
  }
  return { sql: out, names };
}

/** The values of `params` in the order of `names`; every name must be given and nothing else. */
function bindOrder(names: readonly string[], params: Params, sql: string): SQLInputValue[] {
  const values = names.map((n) => {
    const v = params[n];
    if (v === undefined) throw new Error(`SQL parameter :${n} has no value in: ${sql.slice(0, 80)}`);
    return v;
  });
  let given = 0;
  for (const _ in params) given++;
  if (given !== names.length) {
    const extra = Object.keys(params).filter((k) => !names.includes(k));
    throw new Error(`SQL parameters not used by the statement: ${extra.join(", ")}`);
  }
  return values;
}

/** Base class: statement cache plus typed query helpers. */
export abstract class Repository implements Disposable {
  protected readonly db: Database;
  readonly #statements = new Map<string, Prepared>();
  /** Statements returning arrays, kept apart so a SQL text never changes mode under another caller. */
  readonly #tupleStatements = new Map<string, Prepared & { arrays: boolean }>();
  #disposed = false;

  constructor(db: Database) {
    this.db = db;
  }

  /** The prepared statement for `sql` (see {@link Prepared}), prepared once per repository. */
  #prepared(sql: string): Prepared {
    if (this.#disposed) throw new Error(`${this.constructor.name} is disposed`);
    let p = recall(this.#statements, sql);
    if (!p) {
      const numbered = numberParameters(sql);
      p = { stmt: this.db.prepare(numbered.sql), names: numbered.names };
      remember(this.#statements, sql, p);
    }
    return p;
  }

  protected all<T>(sql: string, params: Params = {}): T[] {
    const p = this.#prepared(sql);
    return p.stmt.all(...bindOrder(p.names, params, sql)) as unknown as T[];
  }

  protected one<T>(sql: string, params: Params = {}): T | undefined {
    const p = this.#prepared(sql);
    return p.stmt.get(...bindOrder(p.names, params, sql)) as unknown as T | undefined;
  }

  protected run(sql: string, params: Params = {}): number {
    const p = this.#prepared(sql);
    return Number(p.stmt.run(...bindOrder(p.names, params, sql)).changes);
  }

  /**
   * Rows as arrays of column values in SELECT order, for hot list pages: node:sqlite builds each row
   * object property by property, which cost more than the query (bench/RESULTS.md, Tuning). Falls
   * back to objects when the runtime lacks array rows.
   */
  protected tuples(sql: string, params: Params = {}): Tuple[] {
    if (this.#disposed) throw new Error(`${this.constructor.name} is disposed`);
    let entry = recall(this.#tupleStatements, sql);
    if (!entry) {
      const numbered = numberParameters(sql);
      const stmt: ArrayCapableStatement = this.db.prepare(numbered.sql);
      const arrays = typeof stmt.setReturnArrays === "function";
      if (arrays) stmt.setReturnArrays!(true);
      entry = { stmt, names: numbered.names, arrays };
      remember(this.#tupleStatements, sql, entry);
    }
    const rows = entry.stmt.all(...bindOrder(entry.names, params, sql));
    return entry.arrays ? rows as unknown as Tuple[] : rows.map((r) => Object.values(r));
  }

  /**
   * Ids of `table` whose decimal form starts with `prefix` (digits only), highest first. `table` is
   * a constant of the calling repository, never user input. Each id length is one rowid range
   * (prefix 12 → 12, 120–129, 1200–1299, …), so a rare prefix costs a few index probes instead of
   * a scan of the table (over a second at 400k bugs).
   */
  protected idPrefixMatches(table: "products" | "tests" | "bugs", prefix: string, limit: number): number[] {
    if (!/^\d{0,15}$/.test(prefix) || prefix.startsWith("0")) return [];
    const out: number[] = [];
    const base = prefix === "" ? 0 : Number(prefix);
    // Longer ids are larger, so the ranges are read from the longest down.
    for (let extra = 15 - prefix.length; extra >= 0 && out.length < limit; extra--) {
      const scale = 10 ** extra;
      const from = prefix === "" ? (extra === 0 ? 1 : 10 ** (extra - 1)) : base * scale;
      const to = prefix === "" ? scale : (base + 1) * scale;
      if (from >= to || from > Number.MAX_SAFE_INTEGER) continue;
      out.push(
        ...this.all<{ id: number }>(
          `SELECT id FROM ${table} WHERE id >= :from AND id < :to ORDER BY id DESC LIMIT :limit`,
          { from: int(from), to: int(Math.min(to, Number.MAX_SAFE_INTEGER)), limit: int(limit - out.length) },
        ).map((r) => r.id),
      );
    }
    return out;
  }

  /**
   * Whether a question over `productIds` (null: every product) should read the bugs in the order of
   * `index` (a bug index named by the calling repository) rather than sort the bugs of its tests: the
   * index exists (a first load builds the secondary bug indexes only at its end, BugsRepo.deferIndexes)
   * and the products hold at least a quarter of the cached bugs, so reading the whole index costs less
   * than sorting theirs.
   */
  protected readsBugIndex(index: string, productIds: readonly number[] | null): boolean {
    const r = this.one<{ present: number; within: number; total: number }>(
      `SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :index) AS present,
         coalesce(sum(bug_count) FILTER (WHERE :products IS NULL OR id IN (SELECT value FROM json_each(:products))), 0)
           AS within,
         coalesce(sum(bug_count), 0) AS total
       FROM products`,
      { index, products: productIds === null ? null : JSON.stringify(productIds) },
    )!;
    return r.present > 0 && r.total > 0 && r.within * 4 >= r.total;
  }

  [Symbol.dispose](): void {
    this.#statements.clear();
    this.#tupleStatements.clear();
    this.#disposed = true;
  }
}

/** Builds `IN (:p0, :p1, …)` for a list, adding the values to `params`. Values are always bound. */
export function inList(prefix: string, values: readonly (string | number)[], params: Params): string {
  const names = values.map((v, i) => {
    params[`${prefix}${i}`] = typeof v === "number" ? BigInt(v) : v;
    return `:${prefix}${i}`;
  });
  return `(${names.join(", ")})`;
}

/**
 * Adds the condition `clause` to `where`, with `value` bound as `:name`, when a filter value is given
 * (an absent filter adds nothing).
 *
 * @example
 * ```ts
 * const where: string[] = [];
 * const params: Record<string, string> = {};
 * whereIf(where, params, "from", "2026-01-01T00:00:00Z", "end_at >= :from"); // where = ["end_at >= :from"]
 * ```
 */
export function whereIf(
  where: string[],
  params: Params,
  name: string,
  value: string | null | undefined,
  clause: string,
): void {
  if (value === null || value === undefined || value === "") return;
  params[name] = value;
  where.push(clause);
}

/** Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Integers bound as INTEGER (node:sqlite binds JS numbers as REAL). */
export function int(n: number): bigint {
  return BigInt(Math.trunc(n));
}

/** Parses a JSON text column. */
export function json<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === "") return fallback;
  return JSON.parse(text) as T;
}
