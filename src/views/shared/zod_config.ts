/**
 * Zod without its compiled fast path in views. For each object schema it parses, Zod would first
 * probe `new Function` and then compile a parser with it: work that a view, which parses a handful of
 * messages, never earns back, and that a host's Content Security Policy refuses (the probe then
 * logs a violation in the host's console). Imported before ext-apps, so that every schema is built
 * with it.
 */
import { z } from "zod/v4";

z.config({ jitless: true });
