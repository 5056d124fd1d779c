"""Request plumbing: JSON bodies read within a size limit, bearer-token auth, JSON errors."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from ._errors import WebError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TOKEN_COOKIE", "BearerAuth", "error_response", "read_json"]

TOKEN_COOKIE = "kaizen_token"
PUBLIC_PATHS = frozenset({"/healthz", "/.well-known/agent-card.json"})


def error_response(status: int, kind: str, message: str) -> JSONResponse:
    """The JSON answer to a refused request: ``{"error": kind, "message": message}``."""
    return JSONResponse({"error": kind, "message": message}, status_code=status)


async def read_json(request: Request, max_body: int) -> Any:
    """The request's JSON body, refused past ``max_body`` bytes before it is read whole.

    Raises:
        WebError: 415 for a body not sent as ``application/json``, 413 for
            one over the limit (by its ``Content-Length``, or as it streams
            in), 400 for one that is not JSON.

    """
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        # A cross-site page may send text/plain without asking (no CORS
        # preflight) and the page's cookie would go with it: JSON only.
        raise WebError(
            415,
            "UnsupportedMediaType",
            f"send the body as application/json, not {kind or 'none'!r}",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise _too_large(max_body)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_body:
            raise _too_large(max_body)
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise WebError(400, "BadRequest", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise WebError(400, "BadRequest", "the body's JSON is nested too deeply") from None


def _too_large(max_body: int) -> WebError:
    return WebError(413, "PayloadTooLarge", f"the body is over the limit of {max_body} bytes")


class BearerAuth:
    """ASGI middleware: every route but the public ones needs the token.

    The token comes as ``Authorization: Bearer <token>``, or in the
    ``kaizen_token`` cookie. ``GET /?token=<token>`` (the page: a browser's
    ``EventSource`` cannot send headers) sets that cookie (HttpOnly,
    SameSite=Strict) and redirects to the page without the token in its URL.

    Version added: 0.1

    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    def _valid(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        query_token = request.query_params.get("token")
        if scope["path"] == "/" and self._valid(query_token):
            params = urlencode(
                [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            )
            response: Any = RedirectResponse(f"/?{params}" if params else "/", status_code=303)
            response.set_cookie(
                TOKEN_COOKIE,
                self._token.decode(),
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
            await response(scope, receive, send)
            return
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header[:7].lower() == "bearer " else None
        if self._valid(bearer) or self._valid(request.cookies.get(TOKEN_COOKIE)):
            await self.app(scope, receive, send)
            return
        response = error_response(
            401, "Unauthorized", "send Authorization: Bearer <token> (or open /?token=<token>)"
        )
        response.headers["www-authenticate"] = "Bearer"
        await response(scope, receive, send)
