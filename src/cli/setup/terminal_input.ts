/**
 * Reading the terminal for `setup`: lines, and a secret typed in raw mode without echo; Ctrl+C and
 * the CLI's signal cancel a pending read.
 *
 * @example
 * ```ts
 * declare const signal: AbortSignal;
 * const input = new TerminalInput(signal);
 * const token = await input.secret(() => Deno.stderr.writeSync(new TextEncoder().encode("Token: ")));
 * ```
 * @module
 */
import { CancelledError } from "../../errors.ts";

const ESC = 0x1b;

/** Reads the terminal a byte or a line at a time, keeping what one read returned beyond the need. */
export class TerminalInput {
  #pending: number[] = [];
  #chunk = new Uint8Array(1024);
  readonly #aborted: Promise<never>;

  /**
   * `signal` is the CLI's SIGINT/SIGTERM signal: a pending read of stdin cannot be cancelled, so it
   * is raced against the signal, or Ctrl+C at a prompt would be ignored until a second press.
   */
  constructor(signal: AbortSignal) {
    this.#aborted = new Promise<never>((_, reject) => {
      const cancel = () => reject(new CancelledError("Setup cancelled: nothing was written"));
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
    });
    this.#aborted.catch(() => {});
  }

  async byte(): Promise<number | null> {
    if (this.#pending.length === 0) {
      const n = await Promise.race([Deno.stdin.read(this.#chunk), this.#aborted]);
      if (n === null) return null;
      this.#pending.push(...this.#chunk.subarray(0, n));
    }
    return this.#pending.shift() ?? null;
  }

  async line(): Promise<string | null> {
    const bytes: number[] = [];
    for (;;) {
      const b = await this.byte();
      if (b === null) return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : null;
      if (b === 0x0a) break;
      if (b !== 0x0d) bytes.push(b);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  /**
   * A line typed with the terminal in raw mode: nothing is echoed. Raw mode also turns Ctrl+C into
   * a plain byte, so it is handled here.
   */
  async secret(prompt: () => void): Promise<string> {
    // Raw mode first, prompt second: a fast typist (or a paste) must never meet an echoing terminal.
    Deno.stdin.setRaw(true);
    try {
      prompt();
      const bytes: number[] = [];
      for (;;) {
        const b = await this.byte();
        if (b === null || b === 0x0d || b === 0x0a) break;
        if (b === 0x03) throw new CancelledError("Setup cancelled: nothing was written");
        if (b === 0x04) {
          if (bytes.length === 0) throw new CancelledError("Setup cancelled: nothing was written");
          break;
        }
        if (b === 0x7f || b === 0x08) {
          // Drop a whole UTF-8 character: its continuation bytes (10xxxxxx), then its lead byte.
          while (bytes.length && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
        } else if (b === 0x15) {
          bytes.length = 0;
        } else if (b === ESC) {
          await this.#skipEscape();
        } else if (b >= 0x20) {
          bytes.push(b);
        }
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    } finally {
      Deno.stdin.setRaw(false);
    }
  }

  /** Arrow and function keys arrive as `ESC [ … final`; none of them belongs in a token. */
  async #skipEscape(): Promise<void> {
    const next = await this.byte();
    if (next !== 0x5b && next !== 0x4f) return;
    for (;;) {
      const b = await this.byte();
      if (b === null || (b >= 0x40 && b <= 0x7e)) return;
    }
  }
}
