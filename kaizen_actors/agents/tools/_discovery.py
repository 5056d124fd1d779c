"""Capability discovery: an agent asks for capabilities, registered MCP servers offer them.

``Kaizen(config={"mcp_servers": {...}})`` registers servers by name;
``create_agent(name, {"mcp_capabilities": ["calculate", "search"]})`` gives
the agent an :class:`MCPCapabilities` tool source. Nothing starts then: at
the agent's first turn its toolbox lists every registered server (through
its pool, so servers already running are not started again) and keeps the
servers that offer a tool matching a capability: the agent gets *all* the
tools of those servers. A tool matches a capability when the capability,
ignoring case, is part of the tool's name or of its description. The choice
is made once per toolbox (an agent's, or each of its actors'); the chosen
servers' tool lists then follow their ``tools/list_changed`` notifications.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio

from ...messages import ConfigError, ToolError
from ._server import MCPServer

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._pool import MCPPool

__all__ = ["MCPCapabilities", "matches", "servers_from_config"]

logger = logging.getLogger("kaizen_actors.tools")

_SERVER_KEYS = frozenset({"command", "args", "env", "cwd", "url", "timeout"})


def servers_from_config(value: Any) -> tuple[MCPServer, ...]:
    """The servers of a ``mcp_servers`` config value, each named by its key.

    Each value is a mapping ``{"command", "args", "env", "cwd", "timeout"}``
    (stdio) or ``{"url", "timeout"}`` (streamable HTTP), or an
    :class:`MCPServer`.

    Raises:
        ConfigError: (key ``"mcp_servers"``) for anything else, naming the entry.

    """
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"config 'mcp_servers' must map server names to {{command, args, env, cwd}} "
            f"or {{url}}, got {type(value).__name__}",
            key="mcp_servers",
        )
    servers: list[MCPServer] = []
    for name, spec in value.items():
        if isinstance(spec, MCPServer):
            servers.append(spec)
            continue
        where = f"config 'mcp_servers' entry {name!r}"
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"{where} must be {{command, args, env, cwd}} or {{url}}, got {spec!r}",
                key="mcp_servers",
            )
        unknown = sorted(set(spec) - _SERVER_KEYS)
        if unknown:
            raise ConfigError(
                f"{where} has unknown keys {unknown} (known: {sorted(_SERVER_KEYS)})",
                key="mcp_servers",
            )
        try:
            servers.append(MCPServer(name=str(name), **spec))
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"{where}: {exc}", key="mcp_servers") from None
    return tuple(servers)


def matches(tool: Any, capability: str) -> bool:
    """Whether the MCP tool ``tool`` offers ``capability`` (in its name or description)."""
    wanted = capability.casefold()
    name = str(getattr(tool, "name", "")).casefold()
    description = str(getattr(tool, "description", None) or "").casefold()
    return wanted in name or wanted in description


class MCPCapabilities:
    """A tool source: the registered servers that offer the capabilities, found when first needed.

    Args:
        servers: the servers to look at (the registered ones).
        capabilities: what the agent needs, e.g. ``["calculate", "search"]``.

    Raises:
        ConfigError: (key ``"mcp_capabilities"``) when a capability is empty
            or no server is registered.

    Version added: 0.1

    """

    def __init__(self, servers: Iterable[MCPServer], capabilities: Iterable[str]) -> None:
        self.servers = tuple(servers)
        self.capabilities = tuple(capabilities)
        if any(not isinstance(c, str) or not c.strip() for c in self.capabilities):
            raise ConfigError(
                f"config 'mcp_capabilities' must be non-empty words, got {list(self.capabilities)}",
                key="mcp_capabilities",
            )
        if self.capabilities and not self.servers:
            raise ConfigError(
                f"config 'mcp_capabilities' {list(self.capabilities)}: no MCP server is "
                "registered (config 'mcp_servers')",
                key="mcp_capabilities",
            )

    def __repr__(self) -> str:
        names = [s.name for s in self.servers]
        return f"MCPCapabilities({list(self.capabilities)!r}, servers={names!r})"

    async def discover(self, pool: MCPPool) -> list[MCPServer]:
        """The servers offering a tool that matches a capability, in registration order.

        Lists every server through ``pool`` (starting those not running, all
        at once). A server that cannot start is skipped (logged) as long as
        the others cover every capability.

        Raises:
            ConfigError: (key ``"mcp_capabilities"``) when a capability is
                offered by no server; it names the servers looked at, and
                those that could not start.

        """
        listed: dict[int, list[Any]] = {}
        failed: dict[str, str] = {}

        async def list_one(index: int, server: MCPServer) -> None:
            try:
                listed[index] = list((await pool.connect(server)).tools)
            except ToolError as exc:
                failed[server.name] = str(exc).splitlines()[0]

        async with anyio.create_task_group() as tg:
            for index, server in enumerate(self.servers):
                tg.start_soon(list_one, index, server)
        chosen = [
            server
            for index, server in enumerate(self.servers)
            if any(matches(t, c) for t in listed.get(index, ()) for c in self.capabilities)
        ]
        missing = [
            c
            for c in self.capabilities
            if not any(matches(t, c) for ts in listed.values() for t in ts)
        ]
        if missing:
            looked = ", ".join(repr(s.name) for s in self.servers)
            down = "".join(f"; {name!r} could not start: {why}" for name, why in failed.items())
            raise ConfigError(
                f"config 'mcp_capabilities': no MCP server offers {missing} "
                f"(looked at {looked}{down})",
                key="mcp_capabilities",
            )
        for name, why in failed.items():
            logger.warning("capability discovery skipped MCP server %r: %s", name, why)
        return chosen
