"""``NexusDeployment``: the seed's ``deploy_as_nexus``, served by this project's own parts.

kailash-kaizen's ``agent.deploy_as_nexus(channels=["api", "cli", "mcp"])``
puts one agent on several channels at once. Here each channel is a part
of this project:

- ``"api"``: the web app (:func:`kaizen_actors.web.create_app`): REST and
  resumable SSE, AG-UI, A2A and the live page, on uvicorn.
- ``"mcp"``: the MCP server, on the same web app at ``/mcp`` (streamable
  HTTP); for stdio, run ``kaizen-actors mcp``.
- ``"cli"``: :meth:`NexusDeployment.cli`, a command line made from the
  signature (``--<input> value`` for each input field) that runs once and
  prints the output fields as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Self

from ..messages import ConfigError, KaizenError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from types import TracebackType

    from ..web import ServedTeam

__all__ = ["CHANNELS", "NexusDeployment", "deploy_as_nexus"]

CHANNELS = ("api", "cli", "mcp")
"""The channels a deployment can serve."""

_SURFACES = (("a2a", "api"), ("mcp", "mcp"))
"""The web app's protocol surfaces, and the channel each belongs to."""


class NexusDeployment:
    """An agent or team served on several channels; start it with ``async with`` or :meth:`start`.

    Args:
        served: a ``ka.Agent``, a ``ka.Team`` (not entered yet) or a dict of them.
        channels: any of ``"api"``, ``"cli"``, ``"mcp"``.
        auth: a bearer token every HTTP route but ``/healthz`` needs (``None``: open).
        monitoring: serve ``GET /metrics`` (Prometheus text) and the runs' counters.
        host: the address the HTTP channels listen on.
        port: their port (``0``: a free one; see :attr:`url`).

    Attributes:
        channels: the channels served.
        url: the HTTP channels' base URL once started (``None`` before, or
            when only ``"cli"`` is served).

    Raises:
        ConfigError: for an unknown channel, none at all, or a bad served object.

    Version added: 0.1

    """

    def __init__(
        self,
        served: Any,
        *,
        channels: Iterable[str] = CHANNELS,
        auth: str | None = None,
        monitoring: bool = True,
        host: str = "127.0.0.1",
        port: int = 8000,
    ) -> None:
        from ..web import resolve_served

        self.channels = tuple(dict.fromkeys(channels))
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown or not self.channels:
            raise ConfigError(
                f"deploy_as_nexus: channels must be among {', '.join(CHANNELS)}, got "
                f"{list(self.channels)!r}",
                key="channels",
            )
        self._teams: dict[str, ServedTeam] = resolve_served(served)
        self.auth = auth
        self.monitoring = monitoring
        self.host = host
        self.port = port
        self.url: str | None = None
        self._stack: AsyncExitStack | None = None

    def __repr__(self) -> str:
        state = self.url or ("started" if self._stack is not None else "stopped")
        return f"<NexusDeployment {list(self._teams)} channels={list(self.channels)} {state}>"

    async def start(self) -> None:
        """Start the channels: the HTTP ones listen once this returns.

        Raises:
            ConfigError: the deployment has already started.
            OSError: the port cannot be bound.

        """
        if self._stack is not None:
            raise ConfigError("deploy_as_nexus: this deployment has already started", key="start")
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            if "api" in self.channels or "mcp" in self.channels:
                from ..web import create_app
                from ..web._serving import serving

                app = create_app(
                    {name: one.team for name, one in self._teams.items()},  # the same teams
                    auth_token=self.auth,
                    metrics=self.monitoring,
                    surfaces=self._surfaces(),
                )
                self.url = await stack.enter_async_context(serving(app, self.host, self.port))
            else:  # the CLI alone: run the teams here
                for one in self._teams.values():
                    await stack.enter_async_context(one.team)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack

    def _surfaces(self) -> list[Any]:
        from ..web._app import surface_factories

        wanted = [name for name, channel in _SURFACES if channel in self.channels]
        return surface_factories(wanted)

    async def stop(self) -> None:
        """Stop every channel (in-flight HTTP streams get 5 s) and the teams. Safe to call twice."""
        stack, self._stack = self._stack, None
        self.url = None
        if stack is not None:
            await stack.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def cli(self, argv: Sequence[str], team: str | None = None) -> int:
        """The ``"cli"`` channel: run once with ``--<input> value`` arguments, print the output.

        Prints the output fields as one JSON object on stdout and returns 0;
        prints the error on stderr and returns 1 when the run fails, 2 for
        bad arguments (argparse's usage on stderr).

        Args:
            argv: the arguments, e.g. ``["--question", "Is 1009 prime?"]``.
            team: the served name to run (the first by default).

        Raises:
            ConfigError: the ``"cli"`` channel is not deployed, the
                deployment is not started, or ``team`` is not served.

        """
        if "cli" not in self.channels or self._stack is None:
            raise ConfigError(
                "deploy_as_nexus: the cli channel needs channels=[..., 'cli'] and a started "
                "deployment",
                key="channels",
            )
        name = team or next(iter(self._teams))
        served = self._teams.get(name)
        if served is None:
            raise ConfigError(f"deploy_as_nexus: no team {name!r} is served", key="team")
        parser = argparse.ArgumentParser(prog=name, description=f"run {name} once")
        for field in served.describe()["inputs"]:
            parser.add_argument(
                f"--{field['name']}",
                required=field["required"],
                help=f"{field['desc']} ({field['type']})".strip(),
            )
        try:
            args = parser.parse_args(list(argv))
        except SystemExit as exc:
            return int(exc.code or 0)
        types = {f["name"]: f["type"] for f in served.describe()["inputs"]}
        inputs = {k: _value(v, types.get(k)) for k, v in vars(args).items() if v is not None}
        try:
            result = await served.team.run(**served.validate(inputs))
        except KaizenError as exc:
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(result.output.to_dict()))
        return 0


def _value(text: str, type_label: str | None) -> Any:
    """A command-line value: the text for a ``str`` field, else its JSON (the text if not JSON)."""
    if type_label == "str":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def deploy_as_nexus(
    served: Any,
    channels: Iterable[str] = CHANNELS,
    auth: str | None = None,
    monitoring: bool = True,
    **options: Any,
) -> NexusDeployment:
    """The seed's ``deploy_as_nexus``: a :class:`NexusDeployment` of ``served`` (not started).

    ``agent.deploy_as_nexus(...)`` and ``team.deploy_as_nexus(...)`` call it.
    ``options`` are ``host`` and ``port``.
    """
    return NexusDeployment(served, channels=channels, auth=auth, monitoring=monitoring, **options)
