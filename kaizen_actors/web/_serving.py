"""``serving``: an ASGI app on uvicorn in the caller's event loop, while a block runs."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["serving"]


@asynccontextmanager
async def serving(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    startup_timeout: float = 30.0,
    log_level: str = "warning",
) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn in this event loop; yields its base URL, stops it on exit.

    ::

        async with serving(create_app(team)) as url:
            ...  # http://127.0.0.1:<port>

    ``port=0`` takes a free port. The app's lifespan runs inside (its teams
    start before the URL is yielded); leaving stops the server gracefully
    (in-flight streams get 5 s).

    Raises:
        TimeoutError: the server did not start within ``startup_timeout`` seconds.
        OSError: the address cannot be bound.

    """
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    with socket.socket(family) as sock:  # closed here too when the app fails to start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        bound = sock.getsockname()[1]
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                with anyio.fail_after(startup_timeout):
                    while not server.started:
                        if server.should_exit:  # the lifespan failed: uvicorn gave up
                            raise RuntimeError("the app failed to start (see the log)")
                        await anyio.sleep(0.01)
                shown = f"[{host}]" if family == socket.AF_INET6 else host
                yield f"http://{shown}:{bound}"
            finally:
                server.should_exit = True
