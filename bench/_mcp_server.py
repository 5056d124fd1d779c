"""bench_mcp.py's servers, each in a process of its own (the client has the other core).

``python bench/_mcp_server.py http PORT``: the web app serving the solo agent at
``/mcp`` (our path) and, at ``/floor``, a bare ``mcp`` low-level server whose one
tool answers the same result at once (the SDK's own floor), under uvicorn.
``python bench/_mcp_server.py stdio`` / ``stdio-floor``: the same two over stdio.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kaizen_actors.agents import Agent, ScriptedModel

ANSWER = "Yes, 1009 is prime."


def solo() -> Agent:
    """The served agent: a scripted model, no delay, a five-token answer."""
    return Agent("solo", "question -> answer", ScriptedModel(respond=lambda _: ANSWER))


def floor_server() -> Any:
    """A bare low-level MCP server with a ``solo`` tool answering ``ANSWER`` at once."""
    from mcp.server.lowlevel import Server
    from mcp.types import CallToolResult, ListToolsResult, TextContent, Tool

    schema = {"type": "object", "properties": {"question": {"type": "string"}}}
    output = {"answer": ANSWER}

    async def list_tools(ctx: Any, params: Any) -> ListToolsResult:
        return ListToolsResult(tools=[Tool(name="solo", input_schema=schema)])

    async def call_tool(ctx: Any, params: Any) -> CallToolResult:
        text = TextContent(type="text", text='{"answer": "' + ANSWER + '"}')
        return CallToolResult(content=[text], structured_content=output)

    return Server("floor", on_list_tools=list_tools, on_call_tool=call_tool)


def floor_surface(web: Any) -> Any:
    from mcp.server.streamable_http_manager import (
        StreamableHTTPASGIApp,
        StreamableHTTPSessionManager,
    )
    from starlette.routing import Route

    from kaizen_actors.web import Surface

    manager = StreamableHTTPSessionManager(app=floor_server())
    return Surface(routes=[Route("/floor", StreamableHTTPASGIApp(manager))], lifespan=manager.run)


async def stdio_floor() -> None:
    from mcp.server.stdio import stdio_server

    server = floor_server()
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def main(mode: str, port: int = 0) -> None:
    if mode == "http":
        import uvicorn

        from kaizen_actors.web import create_app
        from kaizen_actors.web._app import surface_factories

        surfaces = [*surface_factories(["mcp"]), floor_surface]
        app = create_app(solo(), surfaces=surfaces, metrics=False)
        uvicorn.run(app, port=port, log_level="warning", access_log=False)
    elif mode == "stdio":
        from kaizen_actors.mcp_server import serve_stdio

        anyio.run(serve_stdio, solo(), backend="asyncio")
    else:
        anyio.run(stdio_floor, backend="asyncio")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
