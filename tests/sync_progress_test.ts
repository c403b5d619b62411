import assert from "node:assert/strict";
import { progressPrinter, ProgressTracker } from "../src/sync/progress.ts";
import type { SyncProgress } from "../src/sync/types.ts";

const report = (phase: SyncProgress["phase"], done: number, total?: number): SyncProgress => ({
  phase,
  done,
  total,
  message: `${phase} ${done}/${total}`,
});

Deno.test("progress of a sync whose phases overlap", async (t) => {
  await t.step("each phase is one unit; interleaved reports add up and never go back", () => {
    const tracker = new ProgressTracker();
    const seen = [
      report("products", 0, 1),
      report("products", 1, 1),
      report("features", 0, 2),
      report("tests", 0, 4),
      report("features", 1, 2),
      report("tests", 1, 4),
      report("bugs", 1, 1),
      report("tests", 2, 5),
      report("bugs", 1, 3),
      report("features", 2, 2),
      report("tests", 5, 5),
      report("bugs", 3, 3),
    ].map((p) => tracker.update(p).progress);
    assert.deepEqual(seen, [0, 1, 1, 1, 1.5, 1.75, 2.75, 2.9, 2.9, 2.9, 3.333, 4]);
    assert.deepEqual(tracker.update({ phase: "done", done: 1, total: 1, message: "Sync completed" }), {
      progress: 4,
      total: 4,
      phase: "done",
      message: "Sync completed",
    });
  });

  await t.step("a phase with nothing to do counts as complete; an unknown total as not started", () => {
    const tracker = new ProgressTracker();
    tracker.update(report("products", 1, 1));
    assert.equal(tracker.update(report("features", 0, 0)).progress, 2);
    assert.equal(tracker.update(report("tests", 3)).progress, 2);
  });

  await t.step("plain lines: the first report of each phase, then at most one per interval", () => {
    const lines: string[] = [];
    const printer = progressPrinter({
      isTerminal: false,
      write: (l) => lines.push(l),
      lineIntervalMs: 60_000,
    });
    const tracker = new ProgressTracker();
    for (
      const p of [
        report("products", 0, 1),
        report("products", 1, 1),
        report("tests", 1, 4),
        report("bugs", 1, 2),
        report("tests", 2, 4),
        report("bugs", 2, 2),
        { phase: "done", done: 1, total: 1, message: "Sync completed" } as const,
      ]
    ) printer.update(tracker.update(p));
    printer.finish();
    assert.deepEqual(lines, [
      "sync   0% products: products 0/1\n",
      "sync  31% tests: tests 1/4\n",
      "sync  44% bugs: bugs 1/2\n",
    ], "the end is left to the summary: no '100% done' line beside a failure");
  });
});
