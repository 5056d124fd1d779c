"""``/mcp``: the app's teams as an MCP server over streamable HTTP (a :class:`Surface`).

The server is :class:`kaizen_actors.mcp_server.TeamServer` on the teams the
app already runs (``WebState.served``: the app enters and leaves them, not
this surface), behind the ``mcp`` package's ``StreamableHTTPSessionManager``
(sessions, SSE responses that carry progress notifications, ``DELETE`` to
end a session; the 2026 wire's single-exchange requests too), whose task
group runs while the app does. Request bodies share the app's ``max_body``.
The app's ``BearerAuth`` guards ``/mcp`` like every route.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from ._app import Surface

if TYPE_CHECKING:
    from ._app import WebState

__all__ = ["MCP_PATH", "mcp_surface"]

MCP_PATH = "/mcp"
"""Where the app serves MCP."""


def mcp_surface(web: WebState) -> Surface:
    """The MCP surface of an app: ``/mcp`` (streamable HTTP), one tool per served team."""
    from mcp.server.streamable_http_manager import (
        StreamableHTTPASGIApp,
        StreamableHTTPSessionManager,
    )

    from ..mcp_server import TeamServer

    manager = StreamableHTTPSessionManager(
        app=TeamServer(web.served).server, max_request_body_size=web.max_body
    )
    return Surface(routes=[Route(MCP_PATH, StreamableHTTPASGIApp(manager))], lifespan=manager.run)
