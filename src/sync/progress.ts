/**
 * Turning {@link SyncProgress} reports into what people and MCP clients see: one overall fraction
 * that only grows (MCP progress notifications must increase), a progress bar for terminals and plain
 * lines otherwise.
 *
 * @example
 * ```ts
 * const progress = new ProgressTracker();
 * const bar = progressPrinter({ isTerminal: true, write: (t) => io.stderr(t) });
 * await engine.run({ ..., onProgress: (p) => bar.update(progress.update(p)) });
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

/** Folds phase reports into one monotonic fraction: each phase is one unit of the total. */
export class ProgressTracker {
  #last = 0;

  /** The overall position after report `p`. */
  update(p: SyncProgress): OverallProgress {
    const index = PHASES.indexOf(p.phase);
    const within = p.phase === "done" ? 0 : p.total ? Math.min(1, p.done / p.total) : 0;
    this.#last = Math.max(this.#last, Math.round((index + within) * 1000) / 1000);
    return { progress: this.#last, total: PHASES.length - 1, phase: p.phase, message: p.message };
  }
}

/** Where a {@link progressPrinter} writes. */
export interface ProgressSink {
  /** A terminal gets a redrawn bar; anything else gets plain lines. */
  isTerminal: boolean;
  write(text: string): void;
  /** Shortest gap between two plain lines of the same phase, in ms (default 1000). */
  lineIntervalMs?: number;
}

/** Draws progress for a person: a bar redrawn in place on a terminal, throttled plain lines otherwise. */
export function progressPrinter(sink: ProgressSink): { update(p: OverallProgress): void; finish(): void } {
  const width = 28;
  let lastPhase = "";
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
      const now = Date.now();
      if (p.phase === lastPhase && now - lastLine < (sink.lineIntervalMs ?? 1000)) return;
      lastPhase = p.phase;
      lastLine = now;
      sink.write(`sync ${String(pct).padStart(3)}% ${p.phase}: ${p.message}\n`);
    },
    finish() {
      if (drawn) sink.write("\r\x1b[2K");
    },
  };
}
