/**
 * Size bounds shared by the transports: one MCP message (a stdio line or an HTTP POST body) is at
 * most {@link MAX_MESSAGE_BYTES}. MCP requests are small (a tool call with its arguments); the
 * largest sensible one, an id list at its cap, is a few kilobytes, so 1 MiB leaves ample room while
 * keeping the cost of a hostile message bounded.
 */

/** Largest accepted MCP message in bytes (stdio line or HTTP body). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
