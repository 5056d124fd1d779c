"""Tools an agent offers its model: MCP servers and plain async functions.

- ``_types``: :class:`ToolCall` (the model's request), :class:`ToolResult`,
  :class:`ToolSpec` (name, description, JSON schema).
- ``_function``: :class:`FunctionTool`, an ``async def`` as a tool.
- ``_server``: :class:`MCPServer`, an MCP server's configuration (its ``key``).
- ``_mcp``: ``MCPConnection``, one live session with a server process.
- ``_pool``: :class:`MCPPool`, one session per server key, shared (per
  ``ActorSystem``, or per agent outside a system), with restarts counted.
- ``_discovery``: :class:`MCPCapabilities`, the servers found for an
  agent's ``mcp_capabilities``.
- ``_invocation``: :class:`ToolInvocation`, a tool call as the system's
  middleware sees it.
- ``_toolbox``: :class:`Toolbox`, one owner's live tools, and
  :func:`resolve_tools` (what ``tools=`` accepts).
"""

from ._discovery import MCPCapabilities
from ._function import FunctionTool
from ._invocation import ToolInvocation, invoke_tools
from ._pool import MCPPool
from ._server import MCPServer
from ._toolbox import Toolbox, resolve_tools
from ._types import ToolCall, ToolResult, ToolSpec

__all__ = [
    "FunctionTool",
    "MCPCapabilities",
    "MCPPool",
    "MCPServer",
    "ToolCall",
    "ToolInvocation",
    "ToolResult",
    "ToolSpec",
    "Toolbox",
    "invoke_tools",
    "resolve_tools",
]
