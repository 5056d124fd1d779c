"""Server-Sent Events over raw ASGI: frames written as they come, a disconnect noticed at once.

Starlette's ``StreamingResponse`` notices a client that went away only at
its next write under ASGI 2.4 servers; a run waiting for its model would
keep a dead client counted as a watcher until then. :class:`SSEResponse`
listens for ``http.disconnect`` beside the writer and stops the stream the
moment it comes, so the run's watchers are always the clients connected.
Frames are written as they are given (LF line endings, as the SSE
specification and ``@ag-ui/client`` expect).
"""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING

import anyio

from ._errors import WebError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from starlette.types import Receive, Scope, Send

    from ._runs import WebRun

__all__ = ["SSEResponse", "run_frames"]

KEEPALIVE = b": keepalive\n\n"
RETRY = b"retry: 1000\n\n"
"""Asks ``EventSource`` to reconnect after one second (browsers wait 3 s by default)."""


class SSEResponse:
    """An ASGI response streaming ``frames`` as ``text/event-stream``.

    Args:
        frames: the bytes to write, in order; closed when the client leaves.
        headers: extra response headers.

    Version added: 0.1

    """

    def __init__(
        self, frames: AsyncGenerator[bytes, None], headers: dict[str, str] | None = None
    ) -> None:
        self.frames = frames
        self.headers = {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            "x-accel-buffering": "no",  # proxies: do not buffer the stream
            **(headers or {}),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(k.encode(), v.encode()) for k, v in self.headers.items()],
            }
        )
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            try:
                async with aclosing(self.frames) as frames:
                    async for chunk in frames:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # the client went away mid-write (servers whose send raises)
                pass
            tg.cancel_scope.cancel()


async def run_frames(
    run: WebRun, start: int, keepalive: float = 15.0
) -> AsyncGenerator[bytes, None]:
    """A run's SSE frames from ``seq`` ``start``: every frame a batch holds, in one write."""
    yield RETRY
    try:
        async with aclosing(run.follow(start, keepalive)) as batches:
            async for batch in batches:
                yield b"".join(batch) if batch else KEEPALIVE
    except WebError:  # the position went out of the buffer since the route checked it
        return  # the client's reconnect gets the 410
