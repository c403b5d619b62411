/**
 * Dates: API timestamps to UTC, and user date phrases to UTC bounds (docs/domain.md, Dates).
 *
 * @example
 * ```ts
 * toUtcIso("2025-11-10T14:03:12+01:00"); // "2025-11-10T13:03:12Z"
 * parseDateBound("last 7 days", "start", new Date("2025-11-10T12:00:00Z")); // "2025-11-03T00:00:00.000Z"
 * ```
 */
import { InputError } from "./errors.ts";

const OFFSET_TS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Converts an ISO-8601 timestamp with an offset to UTC (`…Z`), keeping sub-seconds when present.
 * Returns null for a timestamp without an offset: the API's local times are ambiguous without one.
 */
export function toUtcIso(value: string): string | null {
  const m = OFFSET_TS.exec(value.trim());
  if (!m) return null;
  const ms = Date.parse(value.trim().replace(" ", "T"));
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Keep the millisecond part only when the source had sub-seconds.
  return m[3] ? iso : iso.replace(/\.\d{3}Z$/, "Z");
}

/** Which end of a range a phrase is turned into. */
export type BoundKind = "start" | "end";

const ACCEPTED_FORMS =
  "YYYY-MM-DD, an ISO date-time with an offset (2025-11-10T13:00:00Z), today, yesterday, " +
  "last N days|weeks|months|years, this|last week|month|quarter|year";

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
function endOfDay(d: Date): Date {
  return new Date(startOfDay(d).getTime() + 86_400_000 - 1);
}
function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * 86_400_000);
}
function addMonths(d: Date, n: number): Date {
  const r = new Date(d);
  r.setUTCMonth(r.getUTCMonth() + n);
  return r;
}

/** The [start, end] of a calendar period containing `now`, shifted back `back` periods. */
function period(unit: "week" | "month" | "quarter" | "year", now: Date, back: number): [Date, Date] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  let start: Date;
  let end: Date;
  switch (unit) {
    case "week": {
      // ISO weeks start on Monday.
      const dow = (now.getUTCDay() + 6) % 7;
      start = addDays(startOfDay(now), -dow - 7 * back);
      end = new Date(addDays(start, 7).getTime() - 1);
      break;
    }
    case "month":
      start = new Date(Date.UTC(y, m - back, 1));
      end = new Date(Date.UTC(y, m - back + 1, 1) - 1);
      break;
    case "quarter": {
      const q = Math.floor(m / 3) - back;
      start = new Date(Date.UTC(y, q * 3, 1));
      end = new Date(Date.UTC(y, q * 3 + 3, 1) - 1);
      break;
    }
    case "year":
      start = new Date(Date.UTC(y - back, 0, 1));
      end = new Date(Date.UTC(y - back + 1, 0, 1) - 1);
      break;
  }
  return [start, end];
}

/**
 * Parses a user date argument into a UTC ISO bound. Start bounds snap to 00:00:00.000, end bounds
 * to 23:59:59.999; an explicit date-time is kept as given (converted to UTC).
 *
 * @throws {InputError} for unparseable input, a bare year, or a date-time without an offset.
 */
export function parseDateBound(input: string, kind: BoundKind, now: Date = new Date()): string {
  const raw = input.trim();
  const text = raw.toLowerCase().replace(/\s+/g, " ");
  const fail = (msg: string, hint?: string): never => {
    throw new InputError(msg, {
      hint: hint ?? `Accepted forms: ${ACCEPTED_FORMS}`,
      action: "Pass the date in one of the accepted forms",
    });
  };
  if (!text) fail("Empty date");

  if (/^\d{4}$/.test(text)) {
    fail(
      `'${raw}' is ambiguous: a bare year`,
      `Use '${text}-01-01' for a start date, '${text}-12-31' for an end date, or 'this year'`,
    );
  }
  const snap = (d: Date) => (kind === "start" ? startOfDay(d) : endOfDay(d)).toISOString();

  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
      fail(`'${raw}' is not a valid date`);
    }
    return snap(d);
  }
  if (/^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}/.test(text)) {
    const utc = toUtcIso(raw);
    if (!utc) {
      fail(
        `'${raw}' has no time-zone offset`,
        "A date-time needs an offset such as Z or +01:00; without one the moment is ambiguous",
      );
    }
    return new Date(utc as string).toISOString();
  }
  if (text === "today" || text === "now") return snap(now);
  if (text === "yesterday") return snap(addDays(now, -1));

  const lastN = /^(?:last|past) (\d{1,4}) (day|week|month|year)s?$/.exec(text);
  if (lastN) {
    const n = Number(lastN[1]);
    if (n < 1) fail(`'${raw}': N must be at least 1`);
    if (kind === "end") return snap(now);
    const unit = lastN[2];
    const from = unit === "day"
      ? addDays(now, -n)
      : unit === "week"
      ? addDays(now, -7 * n)
      : unit === "month"
      ? addMonths(now, -n)
      : addMonths(now, -12 * n);
    return snap(from);
  }
  const named = /^(this|last|previous) (week|month|quarter|year)$/.exec(text);
  if (named) {
    const [start, end] = period(
      named[2] as "week" | "month" | "quarter" | "year",
      now,
      named[1] === "this" ? 0 : 1,
    );
    return kind === "start" ? start.toISOString() : (named[1] === "this" ? snap(now) : end.toISOString());
  }
  return fail(`Cannot read the date '${raw}'`);
}
