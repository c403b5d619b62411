/**
 * A small seeded pseudo-random generator (mulberry32). The fake data must be identical for the same
 * seed on every machine and every run, which `Math.random` cannot give; mulberry32 is fast, has one
 * 32-bit word of state and is good enough for synthetic data (not for anything secret).
 *
 * @example
 * ```ts
 * const rng = new Rng(mixSeed(42, 1001));
 * const severity = rng.pick(["low", "high"]);
 * const hours = rng.int(2, 72);
 * ```
 */

/**
 * Hashes several integers into one 32-bit seed, so that independent streams can be derived from
 * (dataset seed, entity id) without generating everything before them.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Fold numbers beyond 32 bits in too, so ids and millisecond times both mix well.
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h = Math.imul(h ^ Math.floor(part / 0x100000000), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A deterministic random stream. */
export class Rng {
  #state: number;

  /** Starts a stream from a 32-bit seed. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One value of `[value, weight]` pairs, chosen in proportion to the weights. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let u = this.next() * total;
    for (const [value, w] of entries) {
      u -= w;
      if (u < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** Up to `n` distinct elements of `items`, in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items];
    const count = Math.min(n, pool.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, count);
  }

  /** A standard normal variate (Box–Muller). */
  gauss(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
