/**
 * Typed re-exports of the client side of the MCP SDK, for code that drives a server: tests,
 * benchmarks and scripts. Kept apart from `sdk.ts` so the server never loads the client's
 * dependencies (they read environment variables at import time and cost memory).
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
export { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
export { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
export { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
