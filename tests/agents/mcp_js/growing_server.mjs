// An MCP stdio server made with the official TypeScript SDK (McpServer), whose tool list
// changes: `grow` registers a tool `grown`, and the SDK tells the client with
// notifications/tools/list_changed, unasked (the handshake-era way).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const server = new McpServer({ name: "growing", version: "1.0.0" });

server.registerTool("grow", { description: "Add the tool grown." }, async () => {
  server.registerTool("grown", { description: "A tool added at run time." }, async () => ({
    content: [{ type: "text", text: "grown here" }],
  }));
  return { content: [{ type: "text", text: "grew" }] };
});

await server.connect(new StdioServerTransport());
