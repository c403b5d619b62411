/**
 * The base of every repository: it owns its prepared statements (cached by SQL text) and is the
 * disposable unit, because `node:sqlite` statements are not.
 *
 * @example
 * ```ts
 * class ThingsRepo extends Repository {
 *   count(): number {
 *     return this.one<{ n: number }>("SELECT count(*) AS n FROM things")!.n;
 *   }
 * }
 * using things = new ThingsRepo(db);
 * ```
 */
import type { StatementSync } from "node:sqlite";
import type { Database, Params } from "../database.ts";

/** The sort direction every list accepts. */
export type SortOrder = "asc" | "desc";

/** A page of rows with the exact total. */
export interface Page<T> {
  rows: T[];
  total: number;
}

/** Base class: statement cache plus typed query helpers. */
export abstract class Repository implements Disposable {
  protected readonly db: Database;
  readonly #statements = new Map<string, StatementSync>();
  #disposed = false;

  constructor(db: Database) {
    this.db = db;
  }

  /** The prepared statement for `sql`, prepared once per repository. */
  protected stmt(sql: string): StatementSync {
    if (this.#disposed) throw new Error(`${this.constructor.name} is disposed`);
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  protected all<T>(sql: string, params: Params = {}): T[] {
    return this.stmt(sql).all(params) as unknown as T[];
  }

  protected one<T>(sql: string, params: Params = {}): T | undefined {
    return this.stmt(sql).get(params) as unknown as T | undefined;
  }

  protected run(sql: string, params: Params = {}): number {
    return Number(this.stmt(sql).run(params).changes);
  }

  /**
   * Ids of `table` whose decimal form starts with `prefix` (digits only), highest first. `table` is
   * a constant of the calling repository, never user input.
   */
  protected idPrefixMatches(table: "products" | "tests" | "bugs", prefix: string, limit: number): number[] {
    if (!/^\d*$/.test(prefix)) return [];
    return this.all<{ id: number }>(
      `SELECT id FROM ${table} WHERE CAST(id AS TEXT) LIKE :prefix ORDER BY id DESC LIMIT :limit`,
      { prefix: `${prefix}%`, limit: int(limit) },
    ).map((r) => r.id);
  }

  [Symbol.dispose](): void {
    this.#statements.clear();
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
