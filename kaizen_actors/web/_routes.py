"""The app's own routes: runs and their SSE streams, the page, the timeline, metrics, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ._agui import agui_endpoint
from ._errors import WebError
from ._http import error_response, read_json
from ._metrics import metrics_text
from ._runs import frame_data
from ._sse import SSEResponse, run_frames

if TYPE_CHECKING:
    from starlette.requests import Request

    from ._app import WebState

__all__ = ["EXCEPTION_HANDLERS", "core_routes"]


class _RunRequest(msgspec.Struct, forbid_unknown_fields=True):
    team: str
    inputs: dict[str, Any] = {}
    detached: bool = False


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _json(data: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(data), status, media_type="application/json")


async def _post_run(request: Request) -> Response:
    web = _state(request)
    body = await read_json(request, web.max_body)
    try:
        asked = msgspec.convert(body, _RunRequest)
    except msgspec.ValidationError as exc:
        raise WebError(
            400,
            "BadRequest",
            f'expected {{"team": str, "inputs": {{...}}, "detached": bool}}: {exc}',
        ) from None
    await web.team(asked.team).learn()
    run = web.start_run(asked.team, asked.inputs, detached=asked.detached)
    return _json({"run_id": run.run_id, "events": f"/runs/{run.run_id}/events"}, 201)


def _resume_from(request: Request) -> int:
    last = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if last is None or last == "":
        return 0
    digits = last.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or int(last) < -1:
        raise WebError(400, "BadRequest", f"Last-Event-ID must be an event's seq, got {last!r}")
    return int(last) + 1


async def _run_events(request: Request) -> Response | SSEResponse:
    web = _state(request)
    run = web.hub.get(request.path_params["run_id"])
    start = _resume_from(request)
    if run.over_for(start):  # 204 stops an EventSource reconnecting after the last event
        return Response(status_code=204)
    run.check_start(start)  # 410 / 400 now, before the stream's headers are sent
    return SSEResponse(run_frames(run, start, web.keepalive))


async def _get_run(request: Request) -> Response:
    return _json(_state(request).hub.get(request.path_params["run_id"]).status())


async def _delete_run(request: Request) -> Response:
    run = _state(request).hub.cancel(request.path_params["run_id"])
    return _json(run.status(), 202)


async def _timeline(request: Request) -> HTMLResponse:
    run = _state(request).hub.get(request.path_params["run_id"])
    from ._timeline import timeline_html

    status, frames = run.status(), run.frames()

    def render() -> str:  # up to `replay` frames: tens of ms, off the loop
        return timeline_html(status, [msgspec.json.decode(frame_data(f)) for f in frames])

    return HTMLResponse(await anyio.to_thread.run_sync(render))


async def _page(request: Request) -> HTMLResponse:
    web = _state(request)
    selected = request.query_params.get("team")
    if selected is not None:
        web.team(selected)
    await web.learn()
    from ._page import page_html

    return HTMLResponse(page_html([s.describe() for s in web.served.values()], selected))


async def _teams(request: Request) -> Response:
    web = _state(request)
    await web.learn()
    return _json({"teams": [s.describe() for s in web.served.values()]})


async def _tree(request: Request) -> Response:
    return _json({"systems": _state(request).trees()})


async def _metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(
        metrics_text(_state(request)), media_type="text/plain; version=0.0.4; charset=utf-8"
    )


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    return error_response(exc.status, exc.kind, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kind = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
    return error_response(exc.status_code, kind, str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "InternalError", f"{type(exc).__name__}: the server failed")


def core_routes(*, metrics: bool = True) -> list[Route]:
    """The routes every app has (``metrics``: with ``GET /metrics``)."""
    return [
        Route("/runs", _post_run, methods=["POST"]),
        Route("/runs/{run_id}/events", _run_events, methods=["GET"]),
        Route("/runs/{run_id}/timeline", _timeline, methods=["GET"]),
        Route("/runs/{run_id}", _get_run, methods=["GET"]),
        Route("/runs/{run_id}", _delete_run, methods=["DELETE"]),
        Route("/agui/{team}", agui_endpoint, methods=["POST"]),
        Route("/", _page, methods=["GET"]),
        Route("/api/teams", _teams, methods=["GET"]),
        Route("/api/tree", _tree, methods=["GET"]),
        *([Route("/metrics", _metrics, methods=["GET"])] if metrics else []),
        Route("/healthz", _healthz, methods=["GET"]),
    ]


EXCEPTION_HANDLERS: dict[Any, Any] = {
    WebError: _web_error,
    HTTPException: _http_error,
    Exception: _server_error,
}
"""JSON errors for every refused request, never a traceback."""
