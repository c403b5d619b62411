/**
 * Number, rate and date formatting for people: thousands separators, percentages with one decimal,
 * "n/a" for undefined rates, months as "Sep 2025". Numbers are written by hand, exactly as
 * `Intl.NumberFormat("en-US")` writes them (see `formatDecimal`).
 */

/** One more in the last digit of a string of decimal digits: "199" → "200", "99" → "100". */
function increment(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === "9") i--;
  if (i < 0) return "1" + "0".repeat(digits.length);
  return digits.slice(0, i) + String(Number(digits[i]) + 1) + "0".repeat(digits.length - i - 1);
}

/**
 * `n × 10^shift` rounded to `digits` decimals with thousands separators and a leading minus for
 * negative numbers (and -0): what `Intl.NumberFormat("en-US")` writes. Like ICU, it rounds the
 * shortest decimal that reads back as the double (`1.005` → "1.01"), half away from zero. Trailing
 * zeros of the fraction are dropped down to `minDigits`.
 *
 * The views format by hand: the first use of `Intl` in a page loads ICU's locale data, about 25 ms
 * of a view's start in headless Chromium. `tests/view_format_test.ts` checks both agree.
 */
function formatDecimal(n: number, shift: 0 | 2, digits: number, minDigits: number): string {
  const sign = n < 0 || Object.is(n, -0) ? "-" : "";
  const abs = Math.abs(n);
  if (!Number.isFinite(abs)) return abs === Infinity ? `${sign}∞` : "NaN";
  // The shortest round-trip digits and the exponent: "1.005e+0" → "1005", 0.
  const [mantissa, exp] = abs.toExponential().split("e");
  const significant = mantissa.replace(".", "");
  const point = Number(exp) + 1 + shift; // digits before the decimal point
  const padded = point <= 0 ? "0".repeat(1 - point) + significant : significant.padEnd(point + 1, "0");
  const at = Math.max(point, 1); // where the point falls in `padded`
  let kept = padded.slice(0, at + digits).padEnd(at + digits, "0");
  if ((padded[at + digits] ?? "0") >= "5") kept = increment(kept);
  const int = kept.slice(0, kept.length - digits).replace(/^0+(?=\d)/, "");
  let frac = kept.slice(kept.length - digits);
  while (frac.length > minDigits && frac.endsWith("0")) frac = frac.slice(0, -1);
  return sign + int.replace(/\B(?=(\d{3})+$)/g, ",") + (frac ? `.${frac}` : "");
}

/** 12345 → "12,345"; 1.234 → "1.23"; null → "n/a". */
export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "n/a";
  return formatDecimal(n, 0, Number.isInteger(n) ? 0 : 2, 0);
}

/** 0.1234 → "12.3%"; null → "n/a". */
export function fmtRate(r: number | null | undefined): string {
  return r === null || r === undefined ? "n/a" : `${formatDecimal(r, 2, 1, 1)}%`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2025-09" → "Sep 2025". */
export function fmtMonth(month: string): string {
  const [y, m] = month.split("-");
  const name = MONTHS[Number(m) - 1];
  return name ? `${name} ${y}` : month;
}

/** An ISO time → "2025-11-10 13:03 UTC"; null → "unknown". */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "unknown";
  return iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
}

/** A field name → words: "auto_acceptance_rate" → "auto acceptance rate". */
export function words(key: string): string {
  return key.replaceAll("_", " ");
}
