"""``create_app``: the Starlette app serving teams, its shared state and its protocol surfaces."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
from starlette.applications import Starlette

from ..messages import ConfigError, SignatureError
from ..telemetry._metrics import enable_metrics
from ._errors import WebError
from ._http import BearerAuth
from ._hub import RunHub
from ._routes import EXCEPTION_HANDLERS, core_routes
from ._served import resolve_served
from ._timeline import load_assets

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.routing import BaseRoute

    from ..actors import ActorNode, ActorSystem
    from ..transport import Transport
    from ._runs import WebRun
    from ._served import Served, ServedTeam

__all__ = ["WebState", "create_app"]


class Surface(NamedTuple):
    """A protocol mounted on the app (A2A, MCP): its routes, and what runs while the app does.

    Attributes:
        routes: the routes to mount.
        lifespan: an async context manager factory entered once the teams
            run, left before they stop (a session manager, a task store).

    Version added: 0.1

    """

    routes: Sequence[BaseRoute]
    lifespan: Callable[[], AbstractAsyncContextManager[None]] | None = None


SurfaceFactory = Callable[["WebState"], Surface]
"""Makes a :class:`Surface` for an app from its :class:`WebState` (its teams and runs)."""

DEFAULT_SURFACES: tuple[str, ...] = ("._mcp:mcp_surface", "._a2a:a2a_surface")
"""The protocols every app mounts, as ``._<name>:factory`` entries loaded when an app is made."""


def surface_factories(names: Sequence[str] | None = None) -> list[SurfaceFactory]:
    """The surface factories of :data:`DEFAULT_SURFACES` named ``names`` (``"a2a"``, ``"mcp"``).

    All of them when ``names`` is ``None``.

    Raises:
        ConfigError: for a name no surface has.

    """
    known = {entry.partition(":")[0].removeprefix("._"): entry for entry in DEFAULT_SURFACES}
    chosen = list(known) if names is None else list(names)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ConfigError(
            f"surfaces: unknown {unknown!r} (known: {', '.join(known)})", key="surfaces"
        )
    factories = []
    for name in chosen:
        module, _, attr = known[name].partition(":")
        factories.append(getattr(importlib.import_module(module, __package__), attr))
    return factories


class WebState:
    """What the app's routes share (``app.state.web``): the served teams, the runs, the limits.

    Attributes:
        served: the served teams by name.
        hub: the :class:`RunHub` of the app's runs.
        max_body: the largest request body accepted, in bytes.
        keepalive: seconds between keep-alive frames of a quiet stream.

    Version added: 0.1

    """

    def __init__(
        self,
        served: dict[str, ServedTeam],
        hub: RunHub,
        max_body: int,
        keepalive: float,
        auth_token: str | None = None,
    ) -> None:
        self.served = served
        self.hub = hub
        self.max_body = max_body
        self.keepalive = keepalive
        self._auth_token = auth_token

    @property
    def auth_token(self) -> str | None:
        """The bearer token the app's routes need (``None``: no auth); a card declares it."""
        return self._auth_token

    def team(self, name: str) -> ServedTeam:
        """The served team ``name``.

        Raises:
            WebError: 404 for a name nothing is served under.

        """
        served = self.served.get(name)
        if served is None:
            known = ", ".join(self.served)
            raise WebError(404, "NotFound", f"no team {name!r} is served (served: {known})")
        return served

    def start_run(self, name: str, inputs: dict[str, Any], *, detached: bool = False) -> WebRun:
        """Check ``inputs`` against team ``name`` and start a run.

        Raises:
            WebError: 404 for an unknown team, 422 for inputs its signature
                rejects, 503 when too many runs are held.

        """
        served = self.team(name)
        try:
            values = served.validate(inputs)
        except SignatureError as exc:
            raise WebError(422, "SignatureError", str(exc)) from None
        return self.hub.start(served, values, detached=detached)

    async def learn(self, timeout: float = 1.0) -> None:  # noqa: ASYNC109 - bounded asks
        """Ask the remote entry agents not yet known for their fields, all at once."""
        unknown = [s for s in self.served.values() if not s.known]
        if unknown:
            async with anyio.create_task_group() as tg:
                for served in unknown:
                    tg.start_soon(served.learn, timeout)

    def named_systems(self) -> list[tuple[str, ActorSystem]]:
        """The running systems the served teams live in, each with the first team's name.

        One system per team, or one shared by all (``create_app(transport=)``).
        """
        systems: dict[int, tuple[str, ActorSystem]] = {}
        for name, served in self.served.items():
            system = served.team.system
            if system is not None and system.running:
                systems.setdefault(id(system), (name, system))
        return list(systems.values())

    def trees(self) -> list[ActorNode]:
        """The supervision trees of the systems the served teams run in."""
        return [system.tree() for _, system in self.named_systems()]


def create_app(
    served: Served,
    *,
    replay: int = 10_000,
    auth_token: str | None = None,
    max_body: int = 1_000_000,
    keep_finished: float = 300.0,
    max_runs: int = 1_000,
    disconnect_grace: float = 5.0,
    start_timeout: float = 30.0,
    keepalive: float = 15.0,
    transport: Transport | str | None = None,
    namespace: str = "kaizen",
    routes: Sequence[BaseRoute] = (),
    surfaces: Sequence[SurfaceFactory] | None = None,
    metrics: bool = True,
) -> Starlette:
    """The ASGI app serving ``served`` over HTTP; run it with any ASGI server (uvicorn).

    ::

        app = kaizen_actors.web.create_app({"debate": ka.team(*solvers, pattern=ka.Debate())})
        uvicorn.run(app)

    On start-up the app enters each team that is not running yet, and on
    shutdown cancels the runs still going and stops the teams. Each team
    runs in a system of its own, unless ``transport`` is given: then the
    teams made without a system share one ``ActorSystem`` on it (one
    connection; agent names are addresses in its namespace, so two teams
    may not spawn agents of one name). Routes: ``POST /runs``,
    ``GET /runs/<id>/events`` (SSE, resumable with ``Last-Event-ID``),
    ``GET /runs/<id>``, ``DELETE /runs/<id>``, ``POST /agui/<team>`` (AG-UI),
    ``GET /`` (the live page), ``GET /runs/<id>/timeline``, ``GET /metrics``,
    ``GET /healthz``, and ``GET /api/teams``, ``GET /api/tree`` for the page.
    Bad requests answer ``{"error": type, "message": text}`` with their status.

    Args:
        served: a ``Team``, an ``Agent`` (served as a one-agent team) or a
            dict ``{name: Team | Agent}``.
        replay: events kept per run for resuming (410 past them).
        auth_token: the bearer token every route but ``/healthz`` needs;
            ``KAIZEN_WEB_TOKEN`` when not given; none when neither is set.
        max_body: the largest request body, in bytes (413 past it).
        keep_finished: seconds a finished run stays readable.
        max_runs: runs held at once (503 when all are running).
        disconnect_grace: seconds a run nobody watches goes on before it is
            cancelled (unless started ``detached``).
        start_timeout: seconds a new run waits for its first client.
        keepalive: seconds between keep-alive frames of a quiet stream.
        transport: the shared system's transport (a ``nats://`` URL
            reaches agents served by name in other processes).
        namespace: the shared system's name (the NATS namespace).
        routes: more routes to mount.
        surfaces: the protocols to mount (:class:`Surface` factories);
            by default A2A and MCP.
        metrics: serve ``GET /metrics`` (and count the process's figures
            for it while the app runs: messages, crashes, restarts, mailbox
            depth, tokens and cost, turn latency).

    Raises:
        ConfigError: for a bad served object or a limit that is not positive.

    Version added: 0.1

    """
    for key, value in (("replay", replay), ("max_body", max_body), ("max_runs", max_runs)):
        if value < 1:
            raise ConfigError(f"create_app: {key} must be >= 1, got {value!r}", key=key)
    teams = resolve_served(served)
    hub = RunHub(
        replay=replay,
        keep_finished=keep_finished,
        max_runs=max_runs,
        disconnect_grace=disconnect_grace,
        start_timeout=start_timeout,
    )
    token = auth_token if auth_token is not None else os.environ.get("KAIZEN_WEB_TOKEN") or None
    web = WebState(teams, hub, max_body, keepalive, token)
    mounted = [make(web) for make in (surface_factories() if surfaces is None else surfaces)]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from ..actors import ActorSystem

        async with AsyncExitStack() as stack:
            if metrics:
                stack.callback(enable_metrics())  # the process's figures for GET /metrics
            shared = None
            if transport is not None:
                shared = await stack.enter_async_context(ActorSystem(namespace, transport))
            for one in teams.values():
                if one.team.running:
                    continue
                if shared is not None and one.team.system is None and not one.team.middleware:
                    one.team.use_system(shared)
                await stack.enter_async_context(one.team)
            await stack.enter_async_context(hub)  # left first: runs end before their teams
            for surface in mounted:
                if surface.lifespan is not None:
                    await stack.enter_async_context(surface.lifespan())
            await anyio.to_thread.run_sync(load_assets)  # the page's files, read off the loop
            await web.learn(timeout=2.0)
            yield

    app = Starlette(
        routes=[
            *core_routes(metrics=metrics),
            *routes,
            *(route for surface in mounted for route in surface.routes),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.web = web
    if token:
        app.add_middleware(BearerAuth, token=token)
    return app
