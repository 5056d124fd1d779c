"""``Deployable``: the seed's ``deploy_as_nexus`` on agents and teams, handed to layer 5 on call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .nexus import NexusDeployment

__all__ = ["Deployable"]


class Deployable:
    """Gives ``Agent`` and ``Team`` the seed's ``deploy_as_nexus`` (the surfaces load on call)."""

    __slots__ = ()

    def deploy_as_nexus(
        self,
        channels: Iterable[str] = ("api", "cli", "mcp"),
        auth: str | None = None,
        monitoring: bool = True,
        **options: Any,
    ) -> NexusDeployment:
        """The seed's Nexus deployment: this agent or team on several channels (not started yet).

        ``async with agent.deploy_as_nexus(channels=["api", "cli", "mcp"]) as d:``
        serves the web app (``"api"``: REST, SSE, AG-UI, A2A, the page),
        the MCP server at ``/mcp`` (``"mcp"``) and ``d.cli(argv)``
        (``"cli"``); ``options`` are ``host`` and ``port``. See
        :class:`kaizen_actors.nexus.NexusDeployment`.

        Raises:
            ConfigError: for an unknown channel.

        """
        from .nexus import deploy_as_nexus

        return deploy_as_nexus(self, channels=channels, auth=auth, monitoring=monitoring, **options)
