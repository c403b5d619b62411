/**
 * The MCP client configurations `setup` prints: Claude Desktop, Claude Code, Cursor and VS Code.
 *
 * @example
 * ```ts
 * clientSnippets({ command: "npx", args: ["-y", "testio-mcp"] });
 * ```
 * @module
 */
import type { ClientLaunch } from "../../launch.ts";

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-.,:/=@+%]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The configuration of Claude Desktop, Claude Code, Cursor and VS Code for `launch`. They hold no
 * token: the server reads it from `~/.testio-mcp/.env`.
 */
export function clientSnippets(launch: ClientLaunch): string {
  const server = { command: launch.command, args: launch.args };
  const mcpServers = JSON.stringify({ mcpServers: { testio: server } }, null, 2);
  const vscode = JSON.stringify({ servers: { testio: { type: "stdio", ...server } } }, null, 2);
  const claudeCode = [
    "claude",
    "mcp",
    "add",
    "--scope",
    "user",
    "testio",
    "--",
    launch.command,
    ...launch.args,
  ]
    .map(shellQuote).join(" ");
  return `MCP client configuration (the token stays in ~/.testio-mcp/.env; none of these holds it):

Claude Desktop: claude_desktop_config.json (Settings → Developer → Edit Config)
${mcpServers}

Claude Code:
${claudeCode}

Cursor: ~/.cursor/mcp.json
${mcpServers}

VS Code: .vscode/mcp.json in a workspace (or "MCP: Open User Configuration")
${vscode}
`;
}
