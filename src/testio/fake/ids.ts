/**
 * Id allocation for the synthetic data. Each entity kind draws from its own numeric range, so an id
 * is unique across the whole dataset and a glance at a number tells what it is (a test is 3xx xxx, a
 * bug 10 xxx xxx). The ranges leave room for the L scale plus tests added by mutations.
 *
 * @example
 * ```ts
 * const ids = new IdAllocator();
 * const testId = ids.next("test"); // 300000
 * ```
 */

/** First id of every entity kind. */
export const ID_BASES = {
  product: 1_000,
  section: 10_000,
  environment: 20_000,
  binaryApp: 30_000,
  feature: 100_000,
  userStory: 200_000,
  test: 300_000,
  requirement: 500_000,
  testFeature: 1_000_000,
  testAttachment: 5_000_000,
  bug: 10_000_000,
  /** Comments and bug attachments are derived from the bug id, see {@link bugChildId}. */
  bugComment: 100_000_000,
  bugAttachment: 200_000_000,
} as const;

/** An entity kind with its own id range. */
export type IdKind = Exclude<keyof typeof ID_BASES, "bugComment" | "bugAttachment">;

/** Hands out sequential ids per entity kind. */
export class IdAllocator {
  #next: Record<IdKind, number>;

  constructor() {
    const { bugComment: _c, bugAttachment: _a, ...bases } = ID_BASES;
    this.#next = { ...bases };
  }

  /** The next unused id of `kind`. */
  next(kind: IdKind): number {
    return this.#next[kind]++;
  }

  /** Reserves `count` consecutive ids of `kind` and returns the first. */
  reserve(kind: IdKind, count: number): number {
    const first = this.#next[kind];
    this.#next[kind] += count;
    return first;
  }
}

/** Child ids per bug: bugs are generated lazily, so their comments cannot use a running counter. */
const CHILDREN_PER_BUG = 4;

/** The id of the `index`-th comment or attachment of a bug (index < 4). */
export function bugChildId(kind: "bugComment" | "bugAttachment", bugId: number, index: number): number {
  return ID_BASES[kind] + (bugId - ID_BASES.bug) * CHILDREN_PER_BUG + index;
}
