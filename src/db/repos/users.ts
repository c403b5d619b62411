/**
 * Users derived from payloads: testers (bug authors) and customers (tests' created_by /
 * submitted_by), deduplicated by username.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using users = new UsersRepo(db);
 * users.upsertSeen([{ username: "tester_jdoe", user_type: "tester", seen_at: "2025-11-10T13:03:12Z" }]);
 * ```
 */
import { int, type Page, Repository, type SortOrder } from "./base.ts";
import type { Params } from "../database.ts";

/** The two kinds of user: testers report bugs, customers create and submit tests. */
export const USER_TYPES = ["tester", "customer"] as const;
/** One of {@link USER_TYPES}. */
export type UserType = typeof USER_TYPES[number];

/** One sighting of a user in a payload. */
export interface UserSighting {
  username: string;
  user_type: UserType;
  seen_at: string | null;
}

/** A user with the activity `list_users` shows (counts within a product when the query has one). */
export interface UserListRow {
  id: number;
  username: string;
  user_type: UserType;
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

/** Activity counts of one user as SQL expressions (see {@link activity}). */
interface ActivitySql {
  bugs: string;
  created: string;
  submitted: string;
}

/**
 * Sort keys of {@link UsersRepo.list}: the ORDER BY expression over `users u` for each key. Count
 * sorts evaluate the count for every user; the other sorts never do.
 */
export const USER_SORTS = {
  username: () => "u.username COLLATE NOCASE",
  bug_count: (a: ActivitySql) => a.bugs,
  test_count: (a: ActivitySql) => `${a.created} + ${a.submitted}`,
  last_activity: () => "u.last_seen",
} as const;
export type UserSort = keyof typeof USER_SORTS;

/** Filters of {@link UsersRepo.list}. */
export interface UserQuery {
  userType?: UserType;
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
 * Per-user counts within `:product`, grouped once per query from the product's own rows. Counting
 * per user through the author index instead reads every bug of every author from the table
 * (seconds at scale L); a product's few thousand rows grouped once take milliseconds.
 */
const PRODUCT_ACTIVITY = `WITH pb AS (SELECT author AS username, count(*) AS n FROM bugs
    WHERE product_id = :product AND author IS NOT NULL GROUP BY author),
  pc AS (SELECT created_by AS username, count(*) AS n FROM tests
    WHERE product_id = :product AND created_by IS NOT NULL GROUP BY created_by),
  ps AS (SELECT submitted_by AS username, count(*) AS n FROM tests
    WHERE product_id = :product AND submitted_by IS NOT NULL GROUP BY submitted_by)`;

/**
 * Activity counts of `<alias>.username`: overall through the covering author / creator / submitter
 * indexes, or (`scoped`) from {@link PRODUCT_ACTIVITY}, which the query must then start with.
 * Usernames are taken from these same columns, so an exact comparison is right here.
 */
function activity(alias: string, scoped: boolean): ActivitySql {
  if (scoped) {
    const from = (cte: string) =>
      `coalesce((SELECT n FROM ${cte} WHERE ${cte}.username = ${alias}.username), 0)`;
    return { bugs: from("pb"), created: from("pc"), submitted: from("ps") };
  }
  return {
    bugs: `(SELECT count(*) FROM bugs b WHERE b.author = ${alias}.username)`,
    created: `(SELECT count(*) FROM tests t WHERE t.created_by = ${alias}.username)`,
    submitted: `(SELECT count(*) FROM tests t WHERE t.submitted_by = ${alias}.username)`,
  };
}

/** The activity columns of a user row over `alias`. */
function activityColumns(alias: string, scoped: boolean): string {
  const a = activity(alias, scoped);
  return `${a.bugs} AS bugs_reported, ${a.created} AS tests_created, ${a.submitted} AS tests_submitted`;
}

const USER_COLUMNS = "u.id, u.username, u.user_type, u.first_seen, u.last_seen AS last_activity";

/** Reads and writes `users`. */
export class UsersRepo extends Repository {
  /**
   * Records sightings: creates unknown users, widens first_seen / last_seen. A username keeps the
   * type it was first seen with.
   */
  upsertSeen(sightings: readonly UserSighting[]): void {
    // A batch of bugs names the same few testers over and over: one write per user, with the
    // earliest and latest sighting of the batch (the first type seen wins, as in the table).
    const seen = new Map<
      string,
      { type: UserSighting["user_type"]; first: string | null; last: string | null }
    >();
    for (const s of sightings) {
      const u = seen.get(s.username);
      if (!u) seen.set(s.username, { type: s.user_type, first: s.seen_at, last: s.seen_at });
      else if (s.seen_at !== null) {
        if (u.first === null || s.seen_at < u.first) u.first = s.seen_at;
        if (u.last === null || s.seen_at > u.last) u.last = s.seen_at;
      }
    }
    for (const [username, u] of seen) {
      this.run(
        `INSERT INTO users (username, user_type, first_seen, last_seen) VALUES (:u, :t, :first, :last)
         ON CONFLICT (username) DO UPDATE SET
           first_seen = CASE WHEN users.first_seen IS NULL OR excluded.first_seen < users.first_seen
             THEN excluded.first_seen ELSE users.first_seen END,
           last_seen = CASE WHEN users.last_seen IS NULL OR excluded.last_seen > users.last_seen
             THEN excluded.last_seen ELSE users.last_seen END`,
        { u: username, t: u.type, first: u.first, last: u.last },
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
    const scoped = q.productId !== undefined;
    if (scoped) {
      params.product = int(q.productId!);
      where.push(
        "u.username IN (SELECT username FROM pb UNION SELECT username FROM pc UNION SELECT username FROM ps)",
      );
    }
    if (q.activeSince) {
      params.since = q.activeSince;
      where.push("u.last_seen >= :since");
    }
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const dir = q.sortOrder === "desc" ? "DESC" : "ASC";
    const withSql = scoped ? PRODUCT_ACTIVITY : "";
    const order = USER_SORTS[q.sortBy](activity("u", scoped));
    // The page is chosen first and only its rows get all their activity counted (a count sort still
    // counts its one column for everyone); the total rides along, so the product's activity is
    // grouped once per call.
    const rows = this.all<UserListRow & { total: number }>(
      `${withSql}
       SELECT p.id, p.username, p.user_type, p.first_seen, p.last_activity, ${activityColumns("p", scoped)},
         p.total
       FROM (SELECT ${USER_COLUMNS}, row_number() OVER (ORDER BY ${order} ${dir}, u.id ${dir}) AS rn,
           count(*) OVER () AS total
         FROM users u ${whereSql} ORDER BY rn LIMIT :limit OFFSET :offset) p
       ORDER BY p.rn`,
      { ...params, limit: int(q.limit), offset: int(q.offset) },
    );
    // A page past the end has no row to carry the total.
    const total = rows.length
      ? rows[0].total
      : q.offset === 0
      ? 0
      : this.one<{ n: number }>(`${withSql} SELECT count(*) AS n FROM users u ${whereSql}`, params)!.n;
    return { rows: rows.map(({ total: _t, ...r }) => r), total };
  }

  /**
   * One user by id or username with overall activity; undefined when unknown. A username matches
   * case-insensitively, preferring the exact spelling.
   */
  get(key: { id: number } | { username: string }): UserListRow | undefined {
    return "id" in key
      ? this.one<UserListRow>(
        `SELECT ${USER_COLUMNS}, ${activityColumns("u", false)} FROM users u WHERE u.id = :id`,
        { id: int(key.id) },
      )
      : this.one<UserListRow>(
        `SELECT ${USER_COLUMNS}, ${activityColumns("u", false)} FROM users u
         WHERE u.username = :username COLLATE NOCASE ORDER BY u.username = :username DESC LIMIT 1`,
        { username: key.username },
      );
  }

  /**
   * The products a user reported bugs in or created/submitted tests for, most active first. The
   * counts are grouped from the user's own rows (author / creator / submitter indexes): counting per
   * product instead scanned every product's bugs (seconds at scale L).
   */
  productsOf(username: string): UserProductRow[] {
    return this.all<UserProductRow>(
      `WITH ub AS (SELECT product_id, count(*) AS n FROM bugs WHERE author = :u GROUP BY product_id),
         uc AS (SELECT product_id, count(*) AS n FROM tests WHERE created_by = :u GROUP BY product_id),
         us AS (SELECT product_id, count(*) AS n FROM tests WHERE submitted_by = :u GROUP BY product_id)
       SELECT p.id, p.name, coalesce(ub.n, 0) AS bugs_reported, coalesce(uc.n, 0) AS tests_created,
         coalesce(us.n, 0) AS tests_submitted
       FROM products p
         LEFT JOIN ub ON ub.product_id = p.id
         LEFT JOIN uc ON uc.product_id = p.id
         LEFT JOIN us ON us.product_id = p.id
       WHERE ub.n IS NOT NULL OR uc.n IS NOT NULL OR us.n IS NOT NULL
       ORDER BY bugs_reported + tests_created + tests_submitted DESC, p.id`,
      { u: username },
    );
  }

  /** Number of cached users. */
  count(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM users")!.n;
  }
}
