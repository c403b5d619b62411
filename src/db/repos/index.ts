/**
 * All repositories of one connection, created together and disposed together.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../database.ts";
 * import { migrateUp } from "../migrations.ts";
 *
 * using db = openDatabase(":memory:");
 * migrateUp(db);
 * using repos = new Repositories(db);
 * repos.products.count(); // 0
 * ```
 */
import { type Checkpointer, startCheckpointer } from "../checkpointer.ts";
import { type Database, databaseFileBytes } from "../database.ts";
import { migrationStatus } from "../migrations.ts";
import { AnalyticsRepo } from "./analytics.ts";
import { BugsRepo } from "./bugs.ts";
import { FeaturesRepo } from "./features.ts";
import { ProblematicRepo } from "./problematic.ts";
import { ProductsRepo } from "./products.ts";
import { ReportRepo } from "./report.ts";
import { SearchRepo } from "./search.ts";
import { SyncEventsRepo } from "./sync_events.ts";
import { TestsRepo } from "./tests.ts";
import { UsersRepo } from "./users.ts";

/** How many rows of each kind the cache holds. */
export interface CacheCounts {
  products: number;
  tests: number;
  bugs: number;
  features: number;
  user_stories: number;
  users: number;
}

/** The repositories of one database connection. */
export class Repositories implements Disposable {
  readonly products: ProductsRepo;
  readonly features: FeaturesRepo;
  readonly tests: TestsRepo;
  readonly bugs: BugsRepo;
  readonly users: UsersRepo;
  readonly syncEvents: SyncEventsRepo;
  readonly problematic: ProblematicRepo;
  readonly analytics: AnalyticsRepo;
  readonly report: ReportRepo;
  readonly search: SearchRepo;
  readonly #db: Database;
  readonly #stack = new DisposableStack();

  constructor(db: Database) {
    this.#db = db;
    this.products = this.#stack.use(new ProductsRepo(db));
    this.features = this.#stack.use(new FeaturesRepo(db));
    this.tests = this.#stack.use(new TestsRepo(db));
    this.bugs = this.#stack.use(new BugsRepo(db));
    this.users = this.#stack.use(new UsersRepo(db));
    this.syncEvents = this.#stack.use(new SyncEventsRepo(db));
    this.problematic = this.#stack.use(new ProblematicRepo(db));
    this.analytics = this.#stack.use(new AnalyticsRepo(db));
    this.report = this.#stack.use(new ReportRepo(db));
    this.search = this.#stack.use(new SearchRepo(db));
  }

  /** Row counts of the cache, as `doctor`, `sync --status` and diagnostics report them. */
  counts(): CacheCounts {
    return {
      products: this.products.count(),
      tests: this.tests.count(),
      bugs: this.bugs.count(),
      ...this.features.counts(),
      users: this.users.count(),
    };
  }

  /** Runs `fn` as one write transaction, so writes to several repositories land together or not at all. */
  write<T>(fn: () => T): T {
    return this.#db.write(fn);
  }

  /** Moves the WAL checkpoints of this connection to a worker until disposed (`checkpointer.ts`). */
  checkpointInBackground(): Promise<Checkpointer> {
    return startCheckpointer(this.#db);
  }

  /** The cache file, its size and its schema version, as diagnostics report them. */
  file(): { path: string; size_bytes: number; schema_version: number } {
    return {
      path: this.#db.path,
      size_bytes: databaseFileBytes(this.#db.path),
      schema_version: migrationStatus(this.#db).current,
    };
  }

  [Symbol.dispose](): void {
    this.#stack.dispose();
  }
}
