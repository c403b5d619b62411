import assert from "node:assert/strict";
import { parseDateBound, toUtcIso } from "../src/dates.ts";
import { resolveDates } from "../src/mcp/args.ts";
import { InputError } from "../src/errors.ts";

const NOW = new Date("2025-11-12T15:30:00Z"); // a Wednesday

Deno.test("dates", async (t) => {
  await t.step("API timestamps become UTC, sub-seconds kept only when present", () => {
    assert.equal(toUtcIso("2025-11-10T14:03:12+01:00"), "2025-11-10T13:03:12Z");
    assert.equal(toUtcIso("2025-07-10T14:03:12+02:00"), "2025-07-10T12:03:12Z");
    assert.equal(toUtcIso("2017-09-04T17:00:00.000Z"), "2017-09-04T17:00:00.000Z");
    assert.equal(toUtcIso("2025-11-09T22:00:00+01:00"), toUtcIso("2025-11-09T21:00:00+00:00"));
    assert.equal(toUtcIso("2025-11-10T14:03:12"), null, "no offset is invalid");
    assert.equal(toUtcIso("yesterday"), null);
  });

  await t.step("phrases snap to whole UTC days", () => {
    const cases: [string, string, string][] = [
      ["today", "2025-11-12T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["yesterday", "2025-11-11T00:00:00.000Z", "2025-11-11T23:59:59.999Z"],
      ["last 7 days", "2025-11-05T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last 2 weeks", "2025-10-29T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last 3 months", "2025-08-12T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last 1 year", "2024-11-12T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["this week", "2025-11-10T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last week", "2025-11-03T00:00:00.000Z", "2025-11-09T23:59:59.999Z"],
      ["this month", "2025-11-01T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last month", "2025-10-01T00:00:00.000Z", "2025-10-31T23:59:59.999Z"],
      ["this quarter", "2025-10-01T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last quarter", "2025-07-01T00:00:00.000Z", "2025-09-30T23:59:59.999Z"],
      ["this year", "2025-01-01T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
      ["last year", "2024-01-01T00:00:00.000Z", "2024-12-31T23:59:59.999Z"],
      ["2025-02-03", "2025-02-03T00:00:00.000Z", "2025-02-03T23:59:59.999Z"],
      ["  Last   30 Days ", "2025-10-13T00:00:00.000Z", "2025-11-12T23:59:59.999Z"],
    ];
    for (const [phrase, start, end] of cases) {
      assert.equal(parseDateBound(phrase, "start", NOW), start, `${phrase} start`);
      assert.equal(parseDateBound(phrase, "end", NOW), end, `${phrase} end`);
    }
    assert.equal(parseDateBound("2025-02-03T10:00:00+01:00", "start", NOW), "2025-02-03T09:00:00.000Z");
  });

  await t.step("last quarter in the first quarter wraps to the previous year", () => {
    const jan = new Date("2026-01-15T00:00:00Z");
    assert.equal(parseDateBound("last quarter", "start", jan), "2025-10-01T00:00:00.000Z");
    assert.equal(parseDateBound("last quarter", "end", jan), "2025-12-31T23:59:59.999Z");
  });

  await t.step("bad input is an InputError listing what is accepted", () => {
    const bad = ["2025", "soon", "2025-02-30", "2025-02-03T10:00:00", "last 0 days", ""];
    for (const input of bad) {
      assert.throws(() => parseDateBound(input, "start", NOW), InputError, input);
    }
    try {
      parseDateBound("2025", "start", NOW);
    } catch (err) {
      assert.match((err as InputError).hint ?? "", /2025-01-01.*this year/);
    }
    try {
      parseDateBound("soon", "start", NOW);
    } catch (err) {
      assert.match((err as InputError).hint ?? "", /last N days/);
    }
  });

  await t.step("a reversed range is refused; a bad bound names its argument", () => {
    assert.throws(() => resolveDates("2025-03-01", "2025-02-01", NOW), /after end_date/);
    assert.throws(() => resolveDates(undefined, "2025", NOW), /^InputError: 'end_date': '2025' is ambiguous/);
    assert.deepEqual(resolveDates(undefined, "today", NOW), {
      start: null,
      end: "2025-11-12T23:59:59.999Z",
    });
  });
});
