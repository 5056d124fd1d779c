"""A tiny MCP stdio server for the agent tool tests.

Tools: ``add``, ``fail`` (an error result), ``pid`` (the server's process id)
and ``block`` (writes its pid into a FIFO, so the test knows the call is in
flight, then never returns). ``--crash`` exits at once with a message on
stderr, as a server missing its configuration would.
"""

from __future__ import annotations

import os
import sys

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("calc", log_level="WARNING")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def fail(reason: str = "broken") -> str:
    """Always fail with ``reason``."""
    raise ToolError(f"fail: {reason}")


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
async def block(fifo: str) -> str:
    """Write the pid into the FIFO ``fifo`` (waits for its reader), then block forever."""

    def write() -> None:
        with open(fifo, "w") as f:
            f.write(str(os.getpid()))

    await anyio.to_thread.run_sync(write)
    await anyio.sleep_forever()
    return "unreachable"


if __name__ == "__main__":
    if "--crash" in sys.argv:
        sys.stderr.write("calc: cannot start, API_TOKEN is missing\n")
        sys.exit(3)
    server.run("stdio")
