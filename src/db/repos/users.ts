/**
 * Users derived from payloads: testers (bug authors) and customers (tests' created_by /
 * submitted_by), deduplicated by username.
 *
 * @example
 * ```ts
 * using users = new UsersRepo(db);
 * users.upsertSeen([{ username: "tester_jdoe", user_type: "tester", seen_at: "2025-11-10T13:03:12Z" }]);
 * ```
 */
import { int, type Page, Repository, type SortOrder } from "./base.ts";
import type { Params } from "../database.ts";

/** One sighting of a user in a payload. */
export interface UserSighting {
  username: string;
  user_type: "tester" | "customer";
  seen_at: string | null;
}

/** A user with the activity `list_users` shows (counts within a product when the query has one). */
export interface UserListRow {
  id: number;
  username: string;
  user_type: "tester" | "customer";
  bugs_reported: number;
  tests_created: number;
  tests_submitted: number;
  first_seen: string | null;
  last_activity: string | null;
}

/** Activity of one user in one product. */
export interface UserProductRow {
  id: number;
  name: string;
  bugs_reported: number;
  tests_created: number;
  tests_submitted: number;
}

/** Sort keys of {@link UsersRepo.list}. */
export const USER_SORTS = {
  username: "u.username COLLATE NOCASE",
  bug_count: "bugs_reported",
  test_count: "tests_created + tests_submitted",
  last_activity: "u.last_seen",
} as const;
export type UserSort = keyof typeof USER_SORTS;

/** Filters of {@link UsersRepo.list}. */
export interface UserQuery {
  userType?: "tester" | "customer";
  /** Only users active in this product; their counts are then the product's. */
  productId?: number;
  /** Only users last seen on/after this UTC bound. */
  activeSince?: string | null;
  sortBy: UserSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

/**
 * Activity counts of `u.username`, limited to `:product` when `scoped`. Usernames are taken from
 * these same columns, so an exact (index-friendly) comparison is right here.
 */
function activityColumns(scoped: boolean): string {
  const p = (alias: string) => (scoped ? ` AND ${alias}.product_id = :product` : "");
  return `(SELECT count(*) FROM bugs b WHERE b.author = u.username${p("b")}) AS bugs_reported,
    (SELECT count(*) FROM tests t WHERE t.created_by = u.username${p("t")}) AS tests_created,
    (SELECT count(*) FROM tests t WHERE t.submitted_by = u.username${p("t")}) AS tests_submitted`;
}

const USER_COLUMNS = "u.id, u.username, u.user_type, u.first_seen, u.last_seen AS last_activity";

/** Reads and writes `users`. */
export class UsersRepo extends Repository {
  /**
   * Records sightings: creates unknown users, widens first_seen / last_seen. A username keeps the
   * type it was first seen with.
   */
  upsertSeen(sightings: readonly UserSighting[]): void {
    for (const s of sightings) {
      this.run(
        `INSERT INTO users (username, user_type, first_seen, last_seen) VALUES (:u, :t, :at, :at)
         ON CONFLICT (username) DO UPDATE SET
           first_seen = CASE WHEN users.first_seen IS NULL OR excluded.first_seen < users.first_seen
             THEN excluded.first_seen ELSE users.first_seen END,
           last_seen = CASE WHEN users.last_seen IS NULL OR excluded.last_seen > users.last_seen
             THEN excluded.last_seen ELSE users.last_seen END`,
        { u: s.username, t: s.user_type, at: s.seen_at },
      );
    }
  }

  /** One page of users with their activity and the exact total. */
  list(q: UserQuery): Page<UserListRow> {
    const params: Params = {};
    const where: string[] = [];
    if (q.userType) {
      params.user_type = q.userType;
      where.push("u.user_type = :user_type");
    }
    if (q.productId !== undefined) {
      params.product = int(q.productId);
      where.push(`(EXISTS (SELECT 1 FROM bugs b WHERE b.author = u.username
          AND b.product_id = :product)
        OR EXISTS (SELECT 1 FROM tests t WHERE t.product_id = :product
          AND (t.created_by = u.username OR t.submitted_by = u.username)))`);
    }
    if (q.activeSince) {
      params.since = q.activeSince;
      where.push("u.last_seen >= :since");
    }
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const dir = q.sortOrder === "desc" ? "DESC" : "ASC";
    const total = this.one<{ n: number }>(`SELECT count(*) AS n FROM users u ${whereSql}`, params)!.n;
    const rows = this.all<UserListRow>(
      `SELECT ${USER_COLUMNS}, ${activityColumns(q.productId !== undefined)} FROM users u ${whereSql}
       ORDER BY ${USER_SORTS[q.sortBy]} ${dir}, u.id ${dir} LIMIT :limit OFFSET :offset`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    return { rows, total };
  }

  /**
   * One user by id or username with overall activity; undefined when unknown. A username matches
   * case-insensitively, preferring the exact spelling.
   */
  get(key: { id: number } | { username: string }): UserListRow | undefined {
    return "id" in key
      ? this.one<UserListRow>(
        `SELECT ${USER_COLUMNS}, ${activityColumns(false)} FROM users u WHERE u.id = :id`,
        { id: int(key.id) },
      )
      : this.one<UserListRow>(
        `SELECT ${USER_COLUMNS}, ${activityColumns(false)} FROM users u
         WHERE u.username = :username COLLATE NOCASE ORDER BY u.username = :username DESC LIMIT 1`,
        { username: key.username },
      );
  }

  /** The products a user reported bugs in or created/submitted tests for, most active first. */
  productsOf(username: string): UserProductRow[] {
    return this.all<UserProductRow>(
      `SELECT p.id, p.name,
         (SELECT count(*) FROM bugs b WHERE b.product_id = p.id AND b.author = :u) AS bugs_reported,
         (SELECT count(*) FROM tests t WHERE t.product_id = p.id AND t.created_by = :u) AS tests_created,
         (SELECT count(*) FROM tests t WHERE t.product_id = p.id AND t.submitted_by = :u) AS tests_submitted
       FROM products p
       WHERE p.id IN (SELECT product_id FROM bugs WHERE author = :u
         UNION SELECT product_id FROM tests WHERE created_by = :u OR submitted_by = :u)
       ORDER BY bugs_reported + tests_created + tests_submitted DESC, p.id`,
      { u: username },
    );
  }

  /** Number of cached users. */
  count(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM users")!.n;
  }
}
