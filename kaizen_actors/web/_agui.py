"""``POST /agui/<team>``: a served team driven over the AG-UI protocol 1.0.

An AG-UI client (``@ag-ui/client``'s ``HttpAgent``, CopilotKit) posts a
``RunAgentInput`` and reads AG-UI events as Server-Sent Events. The run is
an ordinary run of the app's :class:`~._runs.RunHub` (so ``GET /runs/<id>``
and the live page see it too; its id is in the ``x-kaizen-run-id`` header
and in ``RUN_STARTED``'s ``metadata.kaizen.run_id``); its events are
translated by :class:`~._agui_map.AguiTranslator` (the mapping is there).

Inputs: ``forwardedProps.inputs`` when given (a JSON object), else the text
of the last user message as the team's first input field. The input's
``tools``, ``state`` and ``context`` are not used: a team's agents have
their own tools.
"""

from __future__ import annotations

import time
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from ._agui_map import AguiTranslator, encode
from ._errors import WebError
from ._http import read_json
from ._runs import decode_frame
from ._sse import KEEPALIVE, SSEResponse

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from ag_ui.core import RunAgentInput
    from starlette.requests import Request

    from ._app import WebState
    from ._runs import WebRun
    from ._served import ServedTeam

__all__ = ["agui_endpoint", "agui_frames"]


def _run_input(body: Any) -> RunAgentInput:
    from ag_ui.core import RunAgentInput
    from pydantic import ValidationError

    try:
        return RunAgentInput.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()
        )
        raise WebError(
            400, "BadRequest", f"the body is not an AG-UI RunAgentInput: {problems}"
        ) from None


def _user_text(run_input: RunAgentInput) -> str:
    """The text of the last user message ("" without one)."""
    from ag_ui.core import TextPart, UserMessage

    for message in reversed(run_input.messages):
        if isinstance(message, UserMessage):
            content = message.content
            if isinstance(content, str):
                return content
            return "\n".join(part.text for part in content if isinstance(part, TextPart))
    return ""


def _inputs(run_input: RunAgentInput, served: ServedTeam) -> dict[str, Any]:
    """The run's inputs: ``forwardedProps.inputs``, else the user's text as the first input.

    Raises:
        WebError: 400 for ``forwardedProps.inputs`` that is not an object,
            or no inputs at all; 422 when the team's inputs are unknown
            (a remote entry agent not answering yet) and not given.

    """
    props = run_input.forwarded_props
    if isinstance(props, dict) and "inputs" in props:
        given = props["inputs"]
        if not isinstance(given, dict):
            raise WebError(
                400, "BadRequest", f"forwardedProps.inputs must be a JSON object, got {given!r}"
            )
        return given
    names = served.input_names
    if names is None:
        raise WebError(
            422,
            "SignatureError",
            f"team {served.name!r}: its entry agent's inputs are not known yet (a remote agent "
            "that has not answered); send them as forwardedProps.inputs",
        )
    if not names:
        return {}
    text = _user_text(run_input)
    if not text:
        raise WebError(
            400,
            "BadRequest",
            f"no inputs: send a user message with text (it becomes input {names[0]!r}) "
            "or forwardedProps.inputs",
        )
    return {names[0]: text}


async def agui_frames(
    run: WebRun, translator: AguiTranslator, keepalive: float = 15.0
) -> AsyncGenerator[bytes, None]:
    """The run's events as AG-UI SSE frames (``data: <json>`` and a blank line, LF only).

    Each batch of our events is written at once; a quiet stream gets a
    keep-alive comment every ``keepalive`` seconds. A stream that ends
    before the run's last event (this client fell behind the replay
    buffer, or the run ended early) ends with ``RUN_ERROR``.
    """
    start = run.created
    try:
        async with aclosing(run.follow(0, keepalive)) as batches:
            async for batch in batches:
                if not batch:
                    yield KEEPALIVE
                    continue
                out = bytearray()
                for frame in batch:
                    event, seconds = decode_frame(frame)
                    for agui in translator.translate(event, start + seconds):
                        out += b"data: %s\n\n" % encode(agui)
                yield bytes(out)
    except WebError:  # 410: the run outran its replay buffer before this stream began
        pass
    if not translator.finished:
        if run.error is not None:
            message = run.error["message"]
        else:
            message = "this client fell behind the run; read GET /runs/<id> for its outcome"
        yield b"".join(b"data: %s\n\n" % encode(e) for e in translator.abort(message, time.time()))


async def agui_endpoint(request: Request) -> SSEResponse:
    """``POST /agui/{team}``: run the team for an AG-UI ``RunAgentInput``; stream AG-UI events.

    The response is ``text/event-stream`` with the run's id in the
    ``x-kaizen-run-id`` header. The run is cancelled when the client
    disconnects (after the app's ``disconnect_grace``).

    Raises:
        WebError: 400 for a body that is not JSON or not a ``RunAgentInput``,
            or that gives no inputs; 404 for an unknown team; 413 for a body
            over the limit; 422 for inputs the team's signature rejects;
            503 when too many runs are held.

    """
    web: WebState = request.app.state.web
    name = request.path_params["team"]
    body = await read_json(request, web.max_body)
    served = web.team(name)
    run_input = _run_input(body)
    await web.learn()
    run = web.start_run(name, _inputs(run_input, served))
    translator = AguiTranslator(
        run_input.thread_id, run_input.run_id or run.run_id, run_input.parent_run_id
    )
    return SSEResponse(
        agui_frames(run, translator, web.keepalive), headers={"x-kaizen-run-id": run.run_id}
    )
