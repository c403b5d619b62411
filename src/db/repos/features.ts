/**
 * Features, the sections they appear under, and their user stories (title strings on the feature are
 * the source of truth; `api_id` only where an exact title match is unambiguous).
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using features = new FeaturesRepo(db);
 * features.list({ productId: 598, sortBy: "title", sortOrder: "asc", limit: 50, offset: 0 });
 * ```
 */
import { inList, int, json, likePattern, type Page, Repository, type SortOrder } from "./base.ts";
import type { Params } from "../database.ts";

/** A feature as written by the sync. */
export interface FeatureInput {
  id: number;
  product_id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  section_ids: number[];
  user_stories: string[];
  /** Ids from the user_stories endpoint, by position, where the join is unambiguous. */
  user_story_ids?: (number | null)[];
  raw: unknown;
}

/** A row of `list_features`. */
export interface FeatureListRow {
  id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  section_ids: number[];
  user_story_count: number;
  test_count: number;
  bug_count: number;
}

/** A row of `list_user_stories`. */
export interface UserStoryRow {
  id: number | null;
  title: string;
  feature: { id: number; title: string };
  section_ids: number[];
}

/** Sort keys of {@link FeaturesRepo.list}. */
export const FEATURE_SORTS = {
  title: "f.title COLLATE NOCASE",
  test_count: "test_count",
  bug_count: "bug_count",
  user_story_count: "user_story_count",
} as const;
export type FeatureSort = keyof typeof FEATURE_SORTS;

/** Filters of {@link FeaturesRepo.list}. */
export interface FeatureQuery {
  productId: number;
  sectionId?: number;
  hasUserStories?: boolean;
  search?: string;
  sortBy: FeatureSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

const SECTION_IDS = `(SELECT json_group_array(section_id) FROM
  (SELECT section_id FROM feature_sections WHERE feature_id = f.id ORDER BY section_id))`;

/** Reads and writes `features`, `feature_sections` and `user_stories`. */
export class FeaturesRepo extends Repository {
  /**
   * Replaces the features of a product: upserts `features`, deletes features no longer returned.
   * Call inside a transaction.
   */
  replaceForProduct(
    productId: number,
    features: readonly FeatureInput[],
    syncedAt: string,
    options: { removeOthers?: boolean } = {},
  ): void {
    for (const f of features) {
      const id = int(f.id);
      this.run(
        `INSERT INTO features (id, product_id, title, description, howtofind, raw, synced_at)
         VALUES (:id, :product_id, :title, :description, :howtofind, :raw, :synced_at)
         ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, title = excluded.title,
           description = excluded.description, howtofind = excluded.howtofind, raw = excluded.raw,
           synced_at = excluded.synced_at`,
        {
          id,
          product_id: int(f.product_id),
          title: f.title,
          description: f.description,
          howtofind: f.howtofind,
          raw: JSON.stringify(f.raw),
          synced_at: syncedAt,
        },
      );
      this.run("DELETE FROM feature_sections WHERE feature_id = :id", { id });
      for (const s of new Set(f.section_ids)) {
        this.run("INSERT INTO feature_sections (feature_id, section_id) VALUES (:id, :s)", { id, s: int(s) });
      }
      this.run("DELETE FROM user_stories WHERE feature_id = :id", { id });
      f.user_stories.forEach((title, i) =>
        this.run(
          `INSERT INTO user_stories (feature_id, position, product_id, title, api_id)
           VALUES (:id, :pos, :product_id, :title, :api_id)`,
          {
            id,
            pos: int(i),
            product_id: int(f.product_id),
            title,
            api_id: f.user_story_ids?.[i] ? int(f.user_story_ids[i]!) : null,
          },
        )
      );
    }
    if (options.removeOthers === false) return;
    const params: Params = { product_id: int(productId) };
    const keep = features.map((f) => f.id);
    this.run(
      `DELETE FROM features WHERE product_id = :product_id ${
        keep.length ? `AND id NOT IN ${inList("k", keep, params)}` : ""
      }`,
      params,
    );
  }

  /** One page of a product's features with the exact total. */
  list(q: FeatureQuery): Page<FeatureListRow> {
    const params: Params = { product_id: int(q.productId) };
    const where = ["f.product_id = :product_id"];
    if (q.sectionId !== undefined) {
      params.section_id = int(q.sectionId);
      where.push(
        "EXISTS (SELECT 1 FROM feature_sections s WHERE s.feature_id = f.id AND s.section_id = :section_id)",
      );
    }
    if (q.hasUserStories !== undefined) {
      where.push(
        `${q.hasUserStories ? "" : "NOT "}EXISTS (SELECT 1 FROM user_stories u WHERE u.feature_id = f.id)`,
      );
    }
    if (q.search) {
      params.search = likePattern(q.search);
      where.push(`(f.title LIKE :search ESCAPE '\\' OR f.description LIKE :search ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM user_stories u WHERE u.feature_id = f.id AND u.title LIKE :search ESCAPE '\\'))`);
    }
    const whereSql = where.join(" AND ");
    const dir = q.sortOrder === "desc" ? "DESC" : "ASC";
    const total =
      this.one<{ n: number }>(`SELECT count(*) AS n FROM features f WHERE ${whereSql}`, params)!.n;
    const rows = this.all<Omit<FeatureListRow, "section_ids"> & { section_ids: string }>(
      `SELECT f.id, f.title, f.description, f.howtofind, ${SECTION_IDS} AS section_ids,
         (SELECT count(*) FROM user_stories u WHERE u.feature_id = f.id) AS user_story_count,
         (SELECT count(DISTINCT tf.test_id) FROM test_features tf WHERE tf.feature_id = f.id) AS test_count,
         (SELECT count(*) FROM bugs b WHERE b.feature_id = f.id) AS bug_count
       FROM features f WHERE ${whereSql}
       ORDER BY ${FEATURE_SORTS[q.sortBy]} ${dir}, f.id ${dir} LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    return { rows: rows.map((r) => ({ ...r, section_ids: json<number[]>(r.section_ids, []) })), total };
  }

  /** One feature with its product, sections and user stories. */
  get(id: number):
    | (FeatureListRow & { product: { id: number; name: string }; user_stories: string[]; synced_at: string })
    | undefined {
    const r = this.one<
      Omit<FeatureListRow, "section_ids"> & {
        section_ids: string;
        product_id: number;
        product_name: string;
        synced_at: string;
      }
    >(
      `SELECT f.id, f.title, f.description, f.howtofind, ${SECTION_IDS} AS section_ids,
         (SELECT count(*) FROM user_stories u WHERE u.feature_id = f.id) AS user_story_count,
         (SELECT count(DISTINCT tf.test_id) FROM test_features tf WHERE tf.feature_id = f.id) AS test_count,
         (SELECT count(*) FROM bugs b WHERE b.feature_id = f.id) AS bug_count,
         f.product_id, p.name AS product_name, f.synced_at
       FROM features f JOIN products p ON p.id = f.product_id WHERE f.id = :id`,
      { id: int(id) },
    );
    if (!r) return undefined;
    const { product_id, product_name, section_ids, ...rest } = r;
    return {
      ...rest,
      section_ids: json<number[]>(section_ids, []),
      product: { id: product_id, name: product_name },
      user_stories: this.all<{ title: string }>(
        "SELECT title FROM user_stories WHERE feature_id = :id ORDER BY position",
        { id: int(id) },
      ).map((u) => u.title),
    };
  }

  /** One page of a product's user stories. */
  listUserStories(q: {
    productId: number;
    featureId?: number;
    sectionId?: number;
    search?: string;
    limit: number;
    offset: number;
  }): Page<UserStoryRow> {
    const params: Params = { product_id: int(q.productId) };
    const where = ["u.product_id = :product_id"];
    if (q.featureId !== undefined) {
      params.feature_id = int(q.featureId);
      where.push("u.feature_id = :feature_id");
    }
    if (q.sectionId !== undefined) {
      params.section_id = int(q.sectionId);
      where.push(
        "EXISTS (SELECT 1 FROM feature_sections s WHERE s.feature_id = u.feature_id AND s.section_id = :section_id)",
      );
    }
    if (q.search) {
      params.search = likePattern(q.search);
      where.push("u.title LIKE :search ESCAPE '\\'");
    }
    const whereSql = where.join(" AND ");
    const total =
      this.one<{ n: number }>(`SELECT count(*) AS n FROM user_stories u WHERE ${whereSql}`, params)!.n;
    const rows = this.all<
      { id: number | null; title: string; feature_id: number; feature_title: string; section_ids: string }
    >(
      `SELECT u.api_id AS id, u.title, f.id AS feature_id, f.title AS feature_title, ${SECTION_IDS} AS section_ids
       FROM user_stories u JOIN features f ON f.id = u.feature_id WHERE ${whereSql}
       ORDER BY f.title COLLATE NOCASE, f.id, u.position LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    return {
      rows: rows.map((r) => ({
        id: r.id,
        title: r.title,
        feature: { id: r.feature_id, title: r.feature_title },
        section_ids: json<number[]>(r.section_ids, []),
      })),
      total,
    };
  }

  /** Which of the given global feature ids are cached. */
  existingIds(ids: readonly number[]): Set<number> {
    if (!ids.length) return new Set();
    const params: Params = {};
    return new Set(
      this.all<{ id: number }>(`SELECT id FROM features WHERE id IN ${inList("i", ids, params)}`, params).map(
        (r) => r.id,
      ),
    );
  }

  /** Number of cached features and user stories (of one product when given). */
  counts(productId?: number): { features: number; user_stories: number } {
    if (productId === undefined) {
      return this.one<{ features: number; user_stories: number }>(
        "SELECT (SELECT count(*) FROM features) AS features, (SELECT count(*) FROM user_stories) AS user_stories",
      )!;
    }
    return this.one<{ features: number; user_stories: number }>(
      `SELECT (SELECT count(*) FROM features WHERE product_id = :p) AS features,
         (SELECT count(*) FROM user_stories WHERE product_id = :p) AS user_stories`,
      { p: int(productId) },
    )!;
  }
}
