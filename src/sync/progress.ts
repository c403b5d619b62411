/**
 * Turning {@link SyncProgress} reports into what people and MCP clients see: one overall fraction
 * that only grows (MCP progress notifications must increase), a progress bar for terminals and plain
 * lines otherwise.
 *
 * @example
 * ```ts
 * import type { SyncEngine } from "./engine.ts";
 *
 * declare const engine: SyncEngine;
 * const progress = new ProgressTracker();
 * const bar = progressPrinter({ isTerminal: true, write: (t) => console.error(t) });
 * await engine.run({ mode: "incremental", trigger: "cli", onProgress: (p) => bar.update(progress.update(p)) });
 * bar.finish();
 * ```
 */
import type { SyncProgress } from "./types.ts";

const PHASES: readonly SyncProgress["phase"][] = ["products", "features", "tests", "bugs", "done"];

/** The overall position of a sync: `progress` of `total` (the number of phases), never decreasing. */
export interface OverallProgress {
  progress: number;
  total: number;
  phase: SyncProgress["phase"];
  message: string;
}

/**
 * Folds phase reports into one monotonic fraction: each phase is one unit of the total. The phases of
 * different products overlap (one product's bugs while another's pages are read), so each phase's
 * latest fraction is kept and the position is their sum. A phase reported with a total of 0 has
 * nothing to do and counts as complete.
 */
export class ProgressTracker {
  #last = 0;
  readonly #fractions = new Map<SyncProgress["phase"], number>();

  /** The overall position after report `p`. */
  update(p: SyncProgress): OverallProgress {
    const total = PHASES.length - 1;
    if (p.phase === "done") {
      this.#last = total;
    } else {
      const fraction = p.total === 0 ? 1 : p.total ? Math.min(1, p.done / p.total) : 0;
      this.#fractions.set(p.phase, fraction);
      const sum = [...this.#fractions.values()].reduce((a, b) => a + b, 0);
      this.#last = Math.max(this.#last, Math.round(sum * 1000) / 1000);
    }
    return { progress: this.#last, total, phase: p.phase, message: p.message };
  }
}

/** Where a {@link progressPrinter} writes. */
export interface ProgressSink {
  /** A terminal gets a redrawn bar; anything else gets plain lines. */
  isTerminal: boolean;
  write(text: string): void;
  /** Shortest gap between two plain lines, in ms (default 1000); a phase's first report is always shown. */
  lineIntervalMs?: number;
}

/**
 * Draws progress for a person: a bar redrawn in place on a terminal, otherwise plain lines, at most one
 * a second beyond the first report of each phase.
 */
export function progressPrinter(sink: ProgressSink): { update(p: OverallProgress): void; finish(): void } {
  const width = 28;
  const seen = new Set<string>();
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      const pct = Math.round((p.progress / p.total) * 100);
      if (sink.isTerminal) {
        const filled = Math.round((p.progress / p.total) * width);
        const message = p.message.length > 50 ? `${p.message.slice(0, 49)}…` : p.message;
        sink.write(
          `\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${
            String(pct).padStart(3)
          }% ${message}`,
        );
        drawn = true;
        return;
      }
      // Phases overlap, so a line per phase change would be a line per report.
      const now = Date.now();
      const first = !seen.has(p.phase);
      if (!first && now - lastLine < (sink.lineIntervalMs ?? 1000)) return;
      seen.add(p.phase);
      lastLine = now;
      sink.write(`sync ${String(pct).padStart(3)}% ${p.phase}: ${p.message}\n`);
    },
    finish() {
      if (drawn) sink.write("\r\x1b[2K");
    },
  };
}
