"""``/.well-known/agent-card.json`` and ``POST /a2a``: the app's teams over A2A (a ``Surface``).

The protocol is ``a2a-sdk``'s own: its agent-card and JSON-RPC routes (A2A
1.0, and the 0.3 method names ``message/send``, ``tasks/get``... on the same
URL), its ``DefaultRequestHandler`` and in-memory task store. This module
makes the card and reads messages; :mod:`._a2a_task` runs them (a message's
task is one run; the mapping of a run onto the task is there).

- The card: one skill per served team (``id`` and ``name`` the team's name,
  described from its pattern, members and entry agent's signature),
  streaming, an interface for A2A 1.0 and one for 0.3 at ``<base>/a2a``
  (the base is the URL the card was asked at), and the bearer scheme when
  the app has a token (the card itself stays public; ``/a2a`` needs it).
- A message: its metadata's ``skill`` (the message's, else the request's)
  picks the team, else the first; a data part holding a JSON object holds
  the inputs (whole numbers, doubles in protobuf, become ints again), else
  the text parts' text is the team's first input. A message the team's
  signature refuses is answered with an invalid-params error carrying the
  ``SignatureError`` text, before any task exists.
- Bodies past the app's ``max_body`` are refused (the SDK's "Payload too large").
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import anyio
from a2a.server.agent_execution import RequestContextBuilder
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    HTTPAuthSecurityScheme,
    InvalidParamsError,
    SecurityRequirement,
    SecurityScheme,
    StringList,
)
from a2a.utils.constants import (
    AGENT_CARD_WELL_KNOWN_PATH,
    PROTOCOL_VERSION_0_3,
    PROTOCOL_VERSION_1_0,
)
from google.protobuf.json_format import MessageToDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from ..coordination._members import is_agent
from ..messages import SignatureError
from ._a2a_task import RunContext, RunExecutor
from ._app import Surface
from ._errors import WebError
from ._http import error_response

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from a2a.server.context import ServerCallContext
    from a2a.types import Message, SendMessageRequest, Task
    from starlette.responses import Response
    from starlette.types import Message as AsgiMessage
    from starlette.types import Receive

    from ._app import WebState
    from ._served import ServedTeam

__all__ = ["A2A_PATH", "a2a_surface", "agent_card", "message_run", "team_skill"]

A2A_PATH = "/a2a"
"""Where the app answers A2A's JSON-RPC."""

MODES = ["text/plain", "application/json"]
"""What a message may hold and what a task's artifacts hold."""

_DRAIN_TIMEOUT = 5.0
"""Seconds the app's stop waits for the SDK to cancel the tasks still going."""

_base_url: ContextVar[str] = ContextVar("kaizen_a2a_base_url", default="http://localhost/")
"""The URL the card is being asked at (set around the SDK's card route)."""


def _fields(fields: list[dict[str, Any]]) -> str:
    described = []
    for field in fields:
        text = f"{field['name']} ({field['type']}{', required' if field.get('required') else ''})"
        described.append(f"{text}: {field['desc']}" if field.get("desc") else text)
    return "; ".join(described)


def team_skill(served: ServedTeam) -> AgentSkill:
    """The skill of a served team: what it is, its instructions, its inputs and outputs."""
    described = served.describe()
    if described["pattern"] == "solo":
        lines = [f"Runs the agent {served.name!r}."]
    else:
        members = ", ".join(described["members"])
        lines = [f"Runs the {described['pattern']} team {served.name!r} ({members})."]
    entry = served.team.entry
    if is_agent(entry) and entry.signature.instructions():
        lines.append(entry.signature.instructions())
    names = served.input_names
    if names is None:
        lines.append("Inputs: not known yet (a remote agent): send them as a data part.")
    else:
        lines.append(f"Inputs: {_fields(described['inputs']) or 'none'}.")
        lines.append(f"Outputs: {_fields(described['outputs']) or 'none'}.")
        if names:
            lines.append(
                f"Send {names[0]!r} as the message's text, or the inputs as a data part "
                "holding a JSON object."
            )
    return AgentSkill(
        id=served.name,
        name=served.name,
        description="\n".join(lines),
        tags=[described["pattern"], *described["members"]],
        input_modes=MODES,
        output_modes=MODES,
    )


def agent_card(web: WebState, base_url: str) -> AgentCard:
    """The app's agent card, its interfaces at ``<base_url>/a2a``."""
    from .. import __version__

    names = list(web.served)
    url = base_url.rstrip("/") + A2A_PATH
    card = AgentCard(
        name=names[0] if len(names) == 1 else "kaizen-actors",
        description=(
            f"kaizen-actors teams: {', '.join(names)}. Each team is a skill: the message's "
            f"metadata 'skill' picks one (else {names[0]!r}); a run is a task, each agent's "
            "turn an artifact streamed as it is written, the output the last artifact."
        ),
        version=__version__,
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version=version)
            for version in (PROTOCOL_VERSION_1_0, PROTOCOL_VERSION_0_3)
        ],
        capabilities=AgentCapabilities(streaming=True, push_notifications=False),
        default_input_modes=MODES,
        default_output_modes=MODES,
        skills=[team_skill(served) for served in web.served.values()],
    )
    if web.auth_token:
        scheme = HTTPAuthSecurityScheme(
            scheme="Bearer", description="the app's token: Authorization: Bearer <token>"
        )
        card.security_schemes["bearer"].CopyFrom(SecurityScheme(http_auth_security_scheme=scheme))
        card.security_requirements.append(SecurityRequirement(schemes={"bearer": StringList()}))
    return card


def _skill(request: SendMessageRequest) -> str | None:
    for metadata in (request.message.metadata, request.metadata):
        if "skill" in metadata:
            skill = metadata["skill"]
            if not isinstance(skill, str):
                raise InvalidParamsError(
                    message=f"metadata 'skill' must be a string, got {skill!r}"
                )
            return skill
    return None


def _narrow(value: Any) -> Any:
    """``value`` with the whole numbers protobuf made doubles back as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _narrow(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_narrow(v) for v in value]
    return value


def _inputs(message: Message, served: ServedTeam) -> dict[str, Any]:
    data = [MessageToDict(p.data) for p in message.parts if p.WhichOneof("content") == "data"]
    if data:
        inputs: dict[str, Any] = {}
        for value in data:
            if not isinstance(value, dict):
                raise InvalidParamsError(
                    message=f"a data part must hold a JSON object of inputs, got {value!r}"
                )
            inputs.update(value)
        return dict(_narrow(inputs))
    names = served.input_names
    if names is None:
        raise InvalidParamsError(
            message=f"team {served.name!r}: its entry agent's inputs are not known yet "
            "(a remote agent that has not answered); send them as a data part"
        )
    if not names:
        return {}
    text = "\n".join(p.text for p in message.parts if p.WhichOneof("content") == "text")
    if not text:
        raise InvalidParamsError(
            message=f"no inputs: send text (it becomes input {names[0]!r}) "
            "or a data part holding a JSON object of inputs"
        )
    return {names[0]: text}


def message_run(web: WebState, request: SendMessageRequest) -> tuple[str, dict[str, Any]]:
    """The team a message asks to run and its inputs, checked against the team's signature.

    Raises:
        InvalidParamsError: an unknown skill, no inputs, or inputs the
            signature refuses (its ``SignatureError`` text).

    """
    skill = _skill(request)
    name = skill if skill is not None else next(iter(web.served))
    try:
        served = web.team(name)
    except WebError:
        known = ", ".join(web.served)
        raise InvalidParamsError(message=f"no skill {name!r} (skills: {known})") from None
    inputs = _inputs(request.message, served)
    try:
        served.validate(inputs)
    except SignatureError as exc:
        raise InvalidParamsError(message=str(exc)) from None
    return name, inputs


class _RunContextBuilder(RequestContextBuilder):
    """Reads a message into the run it asks for, before its task is made (:func:`message_run`)."""

    def __init__(self, web: WebState) -> None:
        self.web = web

    async def build(
        self,
        context: ServerCallContext,
        params: SendMessageRequest | None = None,
        task_id: str | None = None,
        context_id: str | None = None,
        task: Task | None = None,
    ) -> RunContext:
        assert params is not None, "the SDK builds a context for a message"
        await self.web.learn()
        team, inputs = message_run(self.web, params)
        return RunContext(
            context, team, inputs, request=params, task_id=task_id, context_id=context_id, task=task
        )


def _limited(receive: Receive, max_body: int) -> Receive:
    """``receive`` refusing a body past ``max_body`` bytes (413, which the SDK answers)."""
    seen = 0

    async def limited() -> AsgiMessage:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > max_body:
            raise HTTPException(413, f"the body is over the limit of {max_body} bytes")
        return message

    return limited


class _A2A:
    """The A2A surface of one app: the card, the task store, and the handler of the app's start.

    The SDK's request handler drains its tasks when the app stops and
    cannot serve again, so each start of the app (its lifespan) makes one.
    """

    def __init__(self, web: WebState) -> None:
        self.web = web
        self.store = InMemoryTaskStore()
        self.executor = RunExecutor(web, self._forget)
        self.card = agent_card(web, _base_url.get())  # the handler's; served: made per request
        card_route = create_agent_card_routes(self.card, card_modifier=self._card_here)[0]
        self._card_endpoint: Callable[[Request], Awaitable[Response]] = card_route.endpoint
        self._rpc: Callable[[Request], Awaitable[Response]] | None = None
        self._tg: anyio.abc.TaskGroup | None = None

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        handler = DefaultRequestHandler(
            agent_executor=self.executor,
            task_store=self.store,
            agent_card=self.card,
            request_context_builder=_RunContextBuilder(self.web),
        )
        route = create_jsonrpc_routes(handler, rpc_url=A2A_PATH, enable_v0_3_compat=True)[0]
        async with anyio.create_task_group() as tg:
            self._rpc, self._tg = route.endpoint, tg
            try:
                yield
            finally:
                self._rpc = self._tg = None
                with anyio.move_on_after(_DRAIN_TIMEOUT, shield=True):
                    await handler.aclose()  # cancels the tasks still going, and so their runs
                tg.cancel_scope.cancel()

    def _forget(self, task_id: str, call_context: ServerCallContext) -> None:
        """Drop a task from the store ``keep_finished`` seconds after its run ended."""
        if self._tg is not None:
            self._tg.start_soon(self._drop, task_id, call_context)

    async def _drop(self, task_id: str, call_context: ServerCallContext) -> None:
        await anyio.sleep(self.web.hub.keep_finished)
        await self.store.delete(task_id, call_context)

    async def _card_here(self, card: AgentCard) -> AgentCard:
        await self.web.learn()
        return agent_card(self.web, _base_url.get())

    async def card_endpoint(self, request: Request) -> Response:
        token = _base_url.set(str(request.base_url))
        try:
            return await self._card_endpoint(request)
        finally:
            _base_url.reset(token)

    async def rpc_endpoint(self, request: Request) -> Response:
        rpc = self._rpc
        if rpc is None:
            return error_response(503, "Unavailable", "the A2A server is not running")
        return await rpc(Request(request.scope, _limited(request.receive, self.web.max_body)))


def a2a_surface(web: WebState) -> Surface:
    """The A2A surface of an app: the agent card and ``POST /a2a``, one skill per served team."""
    a2a = _A2A(web)
    return Surface(
        routes=[
            Route(AGENT_CARD_WELL_KNOWN_PATH, a2a.card_endpoint, methods=["GET"]),
            Route(A2A_PATH, a2a.rpc_endpoint, methods=["POST"]),
        ],
        lifespan=a2a.run,
    )
