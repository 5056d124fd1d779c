"""An MCP stdio server whose tool list changes, for the pool and discovery tests.

Tools: ``search`` (finds a word in its notes) and ``learn`` (adds a tool
named after its argument and says so: ``notifications/tools/list_changed``
on the ``subscriptions/listen`` stream of a 2026-07-28 client).
"""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("notes", log_level="WARNING")

NOTES = ["actors have mailboxes", "supervisors restart actors"]


@server.tool()
def search(word: str) -> str:
    """Search the notes for a word."""
    return "\n".join(note for note in NOTES if word in note) or "no note"


@server.tool()
async def learn(name: str, ctx: Context) -> str:
    """Learn a new tool called ``name``."""

    def learned() -> str:
        return f"{name} learned"

    server.add_tool(learned, name=name, description=f"The tool {name}, learned at run time.")
    await ctx.notify_tools_changed()
    return f"learned {name}"


if __name__ == "__main__":
    server.run("stdio")
