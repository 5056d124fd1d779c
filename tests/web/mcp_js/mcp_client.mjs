// Drives the MCP server with the official TypeScript client and prints what it saw as JSON.
//
//   node mcp_client.mjs stdio PYTHON ARGS...   (the server as a child process, over stdio)
//   node mcp_client.mjs http URL               (streamable HTTP, e.g. http://127.0.0.1:8000/mcp)
//
// Environment: MCP_TOOL (default "debate"), MCP_ARGUMENTS (JSON, default the demo's
// question), MCP_BAD_ARGUMENTS (JSON, default {"nonsense": 1}), MCP_TOKEN (a bearer token
// for http). Steps: connect, listTools, callTool with onprogress (the SDK then sends a
// progress token), callTool with the bad arguments, callTool again. Client.callTool checks
// each structured result against the tool's output schema (ajv). Printed:
// {server, tools, first, progress, bad, second, error}.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, ...rest] = process.argv.slice(2);
if (!["stdio", "http"].includes(mode) || rest.length === 0) {
  console.error("usage: node mcp_client.mjs stdio PYTHON ARGS... | http URL");
  process.exit(2);
}
const tool = process.env.MCP_TOOL ?? "debate";
const args = JSON.parse(process.env.MCP_ARGUMENTS ?? '{"question": "Is 1009 a prime number?"}');
const badArgs = JSON.parse(process.env.MCP_BAD_ARGUMENTS ?? '{"nonsense": 1}');

const transport =
  mode === "stdio"
    ? new StdioClientTransport({ command: rest[0], args: rest.slice(1), env: process.env, stderr: "inherit" })
    : new StreamableHTTPClientTransport(new URL(rest[0]), {
        requestInit: process.env.MCP_TOKEN
          ? { headers: { Authorization: `Bearer ${process.env.MCP_TOKEN}` } }
          : undefined,
      });
const client = new Client({ name: "kaizen-actors-test", version: "0.1.0" });
const seen = { server: null, tools: null, first: null, progress: [], bad: null, second: null };
seen.error = null;
try {
  await client.connect(transport);
  seen.server = client.getServerVersion();
  seen.tools = (await client.listTools()).tools;
  const onprogress = (progress) => seen.progress.push(progress);
  seen.first = await client.callTool({ name: tool, arguments: args }, undefined, { onprogress });
  seen.bad = await client.callTool({ name: tool, arguments: badArgs });
  seen.second = await client.callTool({ name: tool, arguments: args });
} catch (caught) {
  seen.error = String(caught?.stack ?? caught);
} finally {
  await client.close();
}
process.stdout.write(JSON.stringify(seen));
