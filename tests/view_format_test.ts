/**
 * The views format numbers by hand (src/views/shared/format.ts) instead of with `Intl`, whose first
 * use costs a view about 25 ms of its start. These checks hold the hand-written formatting to what
 * `Intl.NumberFormat("en-US")` writes, for any double.
 */
import assert from "node:assert/strict";
import { fc } from "./helpers/test_deps.ts";
import { fmtNumber, fmtRate } from "../src/views/shared/format.ts";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-US", {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const intlNumber = (n: number) => Number.isInteger(n) ? integer.format(n) : decimal.format(n);

const EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.005,
  2.675,
  1.115,
  0.125,
  0.005,
  0.0005,
  0.00049999,
  0.9995,
  0.99995,
  0.12345,
  1 / 3,
  2 / 3,
  999.995,
  999999.995,
  12345.678,
  -0.001,
  -0.0004,
  1e15 + 0.3,
  2 ** 53,
  1e21,
  1.5e22,
  -1e300,
  5e-324,
  1e-7,
  0.05,
  0.15,
  0.25,
  0.35,
  Infinity,
  -Infinity,
];

Deno.test("fmtNumber writes what Intl en-US writes", async (t) => {
  await t.step("edge cases: halves, carries, tiny and huge numbers, -0 and infinities", () => {
    for (const n of EDGES) assert.equal(fmtNumber(n), intlNumber(n), String(n));
  });
  await t.step("any double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (n: number) => fmtNumber(n) === intlNumber(n)),
      { numRuns: 20_000 },
    );
  });
  await t.step("numbers with few decimals, as the data has them", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.integer({ min: 0, max: 4 }),
        (m: number, places: number) => {
          const n = m / 10 ** places;
          return fmtNumber(n) === intlNumber(n);
        },
      ),
      { numRuns: 20_000 },
    );
  });
  await t.step("missing values", () => {
    assert.equal(fmtNumber(null), "n/a");
    assert.equal(fmtNumber(undefined), "n/a");
    assert.equal(fmtNumber(NaN), "n/a");
    assert.equal(fmtNumber(1234567), "1,234,567");
    assert.equal(fmtNumber(2.5), "2.5");
  });
});

Deno.test("fmtRate writes what Intl en-US writes as a percentage with one decimal", async (t) => {
  await t.step("edge cases", () => {
    for (const r of EDGES) assert.equal(fmtRate(r), percent.format(r), String(r));
  });
  await t.step("any double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (r: number) => fmtRate(r) === percent.format(r)),
      { numRuns: 20_000 },
    );
  });
  await t.step("rates as the reports compute them: a count over a count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (a: number, b: number) => fmtRate(a / b) === percent.format(a / b),
      ),
      { numRuns: 20_000 },
    );
  });
  await t.step("missing values", () => {
    assert.equal(fmtRate(null), "n/a");
    assert.equal(fmtRate(undefined), "n/a");
    assert.equal(fmtRate(0.1234), "12.3%");
    assert.equal(fmtRate(1), "100.0%");
  });
});
