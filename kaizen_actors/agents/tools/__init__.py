"""Tools an agent offers its model: MCP servers and plain async functions.

- ``_types``: :class:`ToolCall` (the model's request), :class:`ToolResult`,
  :class:`ToolSpec` (name, description, JSON schema).
- ``_function``: :class:`FunctionTool`, an ``async def`` as a tool.
- ``_mcp``: :class:`MCPServer`, an MCP server process and its session.
- ``_toolbox``: :class:`Toolbox`, one owner's live tools, and
  :func:`resolve_tools` (what ``tools=`` accepts).
"""

from ._function import FunctionTool
from ._mcp import MCPServer
from ._toolbox import Toolbox, resolve_tools
from ._types import ToolCall, ToolResult, ToolSpec

__all__ = [
    "FunctionTool",
    "MCPServer",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "Toolbox",
    "resolve_tools",
]
