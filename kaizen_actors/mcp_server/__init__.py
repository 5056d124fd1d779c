"""Layer 5, the MCP server: each served team or agent is a tool that MCP hosts can call.

::

    kaizen-actors mcp package.module:attr        # over stdio (Claude Desktop, IDEs, ...)
    # or on the web app: create_app(...) serves it at /mcp (streamable HTTP)

    from kaizen_actors.mcp_server import serve_stdio
    anyio.run(serve_stdio, {"debate": ka.team(*solvers, pattern=ka.Debate())})

- ``_server``: :class:`TeamServer` (the tools on the ``mcp`` package's
  low-level ``Server``: calls, progress, cancellation, error results) and
  :func:`serve_stdio`.
- ``_schema``: a team's input and output JSON schemas from its entry
  agent's signature, and its tool description.

The web app's ``/mcp`` is ``kaizen_actors.web._mcp``, the same
``TeamServer`` behind the SDK's streamable-HTTP session manager.
``import kaizen_actors`` does not load this package (nor ``mcp``).

Version added: 0.1
"""

from ._schema import field_schema, object_schema, team_schemas
from ._server import TeamServer, serve_stdio

__all__ = ["TeamServer", "field_schema", "object_schema", "serve_stdio", "team_schemas"]
