/**
 * Timestamps the way the TestIO API writes them: ISO-8601 in Europe/Berlin local time with a varying
 * offset (`+01:00` in winter, `+02:00` in summer), and now and then a UTC `Z` form. Clients must
 * normalise both, so the fake emits both.
 *
 * @example
 * ```ts
 * formatApiTime(Date.UTC(2025, 6, 1, 10), "berlin"); // "2025-07-01T12:00:00+02:00"
 * formatApiTime(Date.UTC(2025, 0, 1, 10), "utc_ms"); // "2025-01-01T10:00:00.000Z"
 * ```
 */

/** One hour in milliseconds. */
export const HOUR = 3_600_000;
/** One day in milliseconds. */
export const DAY = 24 * HOUR;

/** How a timestamp is written. */
export type ApiTimeStyle = "berlin" | "utc" | "utc_ms";

const dstCache = new Map<number, readonly [number, number]>();

/** Start of the last Sunday of `month` (0-based) in `year`, UTC midnight. */
function lastSunday(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  return lastDay - new Date(lastDay).getUTCDay() * DAY;
}

/** EU summer time runs from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
function summerTime(year: number): readonly [number, number] {
  let span = dstCache.get(year);
  if (!span) {
    span = [lastSunday(year, 2) + HOUR, lastSunday(year, 9) + HOUR];
    dstCache.set(year, span);
  }
  return span;
}

/** The Europe/Berlin UTC offset in minutes at the instant `ms`. */
export function berlinOffsetMinutes(ms: number): number {
  const [from, to] = summerTime(new Date(ms).getUTCFullYear());
  return ms >= from && ms < to ? 120 : 60;
}

/** Formats an epoch-millisecond instant as the API would, seconds precision. */
export function formatApiTime(ms: number, style: ApiTimeStyle = "berlin"): string {
  const whole = Math.floor(ms / 1000) * 1000;
  if (style === "utc") return new Date(whole).toISOString().slice(0, 19) + "Z";
  if (style === "utc_ms") return new Date(whole).toISOString();
  const offset = berlinOffsetMinutes(whole);
  const local = new Date(whole + offset * 60_000).toISOString().slice(0, 19);
  return `${local}+0${offset / 60}:00`;
}
