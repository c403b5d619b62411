/**
 * Number, rate and date formatting for people: thousands separators, percentages with one decimal,
 * "n/a" for undefined rates, months as "Sep 2025".
 */
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-US", {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** 12345 → "12,345"; 1.234 → "1.23"; null → "n/a". */
export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "n/a";
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
}

/** 0.1234 → "12.3%"; null → "n/a". */
export function fmtRate(r: number | null | undefined): string {
  return r === null || r === undefined ? "n/a" : percent.format(r);
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
