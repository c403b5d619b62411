/**
 * Products and their sections.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using products = new ProductsRepo(db);
 * const { rows, total } = products.list({ sortBy: "title", sortOrder: "asc", limit: 50, offset: 0 });
 * ```
 */
import { inList, int, json, likePattern, type Page, Repository, type SortOrder, type Tuple } from "./base.ts";
import type { Params } from "../database.ts";

/** A section as written by the sync. */
export interface SectionInput {
  id: number;
  name: string;
  is_default: boolean;
}

/** A product as written by the sync. */
export interface ProductInput {
  id: number;
  name: string;
  type: string | null;
  description: string | null;
  has_sections: boolean;
  default_section_id: number | null;
  sections: SectionInput[];
  raw: unknown;
}

/** A product row as `list_products` returns it. */
export interface ProductListRow {
  id: number;
  name: string;
  type: string | null;
  description: string | null;
  has_sections: boolean;
  section_count: number;
  test_count: number;
  feature_count: number;
  bug_count: number;
  last_test_end_at: string | null;
  last_synced: string;
}

/** A product with its sync stamps. */
export interface ProductRow extends ProductListRow {
  default_section_id: number | null;
  features_synced_at: string | null;
  tests_synced_at: string | null;
}

/** Sort keys of {@link ProductsRepo.list}. */
export const PRODUCT_SORTS = {
  title: "name COLLATE NOCASE",
  product_type: "type",
  test_count: "test_count",
  bug_count: "bug_count",
  last_synced: "synced_at",
} as const;
export type ProductSort = keyof typeof PRODUCT_SORTS;

/** Filters of {@link ProductsRepo.list}. */
export interface ProductQuery {
  search?: string;
  types?: string[];
  hasSections?: boolean;
  /** Restricts to these ids (the configured scope). */
  ids?: readonly number[] | null;
  sortBy: ProductSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

const LIST_COLUMNS = `id, name, type, description, has_sections, section_count, test_count, feature_count,
  bug_count, last_test_end_at, synced_at AS last_synced`;

type RawProductRow = Omit<ProductRow, "has_sections"> & { has_sections: number };

/** A list row from its {@link LIST_COLUMNS} tuple. */
function fromTuple(r: Tuple): ProductListRow {
  return {
    id: r[0] as number,
    name: r[1] as string,
    type: r[2] as string | null,
    description: r[3] as string | null,
    has_sections: r[4] === 1,
    section_count: r[5] as number,
    test_count: r[6] as number,
    feature_count: r[7] as number,
    bug_count: r[8] as number,
    last_test_end_at: r[9] as string | null,
    last_synced: r[10] as string,
  };
}

function toRow<T extends { has_sections: number }>(
  r: T,
): Omit<T, "has_sections"> & { has_sections: boolean } {
  return { ...r, has_sections: r.has_sections === 1 };
}

/** Reads and writes `products` and `sections`. */
export class ProductsRepo extends Repository {
  /** Inserts or updates products (and replaces their sections). */
  upsertMany(products: readonly ProductInput[], syncedAt: string): void {
    for (const p of products) {
      this.run(
        `INSERT INTO products (id, name, type, description, has_sections, default_section_id, raw, synced_at)
         VALUES (:id, :name, :type, :description, :has_sections, :default_section_id, :raw, :synced_at)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,
           description = excluded.description, has_sections = excluded.has_sections,
           default_section_id = excluded.default_section_id, raw = excluded.raw, synced_at = excluded.synced_at`,
        {
          id: int(p.id),
          name: p.name,
          type: p.type,
          description: p.description,
          has_sections: p.has_sections ? 1 : 0,
          default_section_id: p.default_section_id === null ? null : int(p.default_section_id),
          raw: JSON.stringify(p.raw),
          synced_at: syncedAt,
        },
      );
      const keep: Params = { product_id: int(p.id) };
      const ids = p.sections.map((s) => s.id);
      this.run(
        `DELETE FROM sections WHERE product_id = :product_id ${
          ids.length ? `AND id NOT IN ${inList("s", ids, keep)}` : ""
        }`,
        keep,
      );
      for (const s of p.sections) {
        this.run(
          `INSERT INTO sections (id, product_id, name, is_default) VALUES (:id, :product_id, :name, :is_default)
           ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, name = excluded.name,
             is_default = excluded.is_default`,
          { id: int(s.id), product_id: int(p.id), name: s.name, is_default: s.is_default ? 1 : 0 },
        );
      }
    }
  }

  /** One page of products with the exact total. */
  list(q: ProductQuery): Page<ProductListRow> {
    const params: Params = {};
    const where: string[] = [];
    if (q.search) {
      params.search = likePattern(q.search);
      where.push(`(name LIKE :search ESCAPE '\\' OR description LIKE :search ESCAPE '\\')`);
    }
    if (q.types?.length) where.push(`type IN ${inList("t", q.types, params)}`);
    if (q.hasSections !== undefined) {
      params.has_sections = q.hasSections ? 1 : 0;
      where.push("has_sections = :has_sections");
    }
    if (q.ids) where.push(`id IN ${inList("i", q.ids, params)}`);
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const dir = q.sortOrder === "desc" ? "DESC" : "ASC";
    const total = this.one<{ n: number }>(`SELECT count(*) AS n FROM products ${whereSql}`, params)!.n;
    const rows = this.tuples(
      `SELECT ${LIST_COLUMNS} FROM products ${whereSql}
       ORDER BY ${PRODUCT_SORTS[q.sortBy]} ${dir}, id ${dir} LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    return { rows: rows.map(fromTuple), total };
  }

  /** One product, or undefined. */
  get(id: number): ProductRow | undefined {
    const r = this.one<RawProductRow>(
      `SELECT ${LIST_COLUMNS}, default_section_id, features_synced_at, tests_synced_at
       FROM products WHERE id = :id`,
      { id: int(id) },
    );
    return r ? toRow(r) : undefined;
  }

  /** Sections of a product, default section included. */
  sections(productId: number): { id: number; name: string; is_default: boolean }[] {
    return this.all<{ id: number; name: string; is_default: number }>(
      "SELECT id, name, is_default FROM sections WHERE product_id = :p ORDER BY is_default DESC, id",
      { p: int(productId) },
    ).map((s) => ({ ...s, is_default: s.is_default === 1 }));
  }

  /** All product ids in the cache. */
  ids(): number[] {
    return this.all<{ id: number }>("SELECT id FROM products ORDER BY id").map((r) => r.id);
  }

  /** Product ids whose decimal form starts with `prefix`, highest first (for completion). */
  idsStartingWith(prefix: string, limit: number): number[] {
    return this.idPrefixMatches("products", prefix, limit);
  }

  /** Number of cached products. */
  count(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM products")!.n;
  }

  /** Records when a product's features were synced. */
  markFeaturesSynced(id: number, at: string): void {
    this.run("UPDATE products SET features_synced_at = :at WHERE id = :id", { id: int(id), at });
  }

  /** Records when a product's test list was last walked. */
  markTestsSynced(id: number, at: string): void {
    this.run("UPDATE products SET tests_synced_at = :at WHERE id = :id", { id: int(id), at });
  }

  /** The stored API payload of a product (to re-derive its sections), or undefined. */
  rawOf(id: number): unknown {
    const r = this.one<{ raw: string }>("SELECT raw FROM products WHERE id = :id", { id: int(id) });
    return r ? json<unknown>(r.raw, undefined) : undefined;
  }

  /**
   * The oldest stamp among `ids` (or all products): `synced_at` for product answers,
   * `tests_synced_at` (when the test lists were last walked) for answers derived from every test.
   */
  oldestSync(
    ids?: readonly number[] | null,
    stamp: "synced_at" | "tests_synced_at" = "synced_at",
  ): string | null {
    const params: Params = {};
    const where = ids?.length ? `WHERE id IN ${inList("i", ids, params)}` : "";
    const column = stamp === "tests_synced_at" ? "tests_synced_at" : "synced_at";
    return this.one<{ t: string | null }>(`SELECT min(${column}) AS t FROM products ${where}`, params)?.t ??
      null;
  }
}
