"""Middleware: async wrappers around every handler call of a system.

A middleware is ``async def mw(message, ctx, call_next) -> reply``;
``await call_next(message, ctx)`` runs the rest of the chain and finally the
actor's ``receive``. The chain is built once per system, of plain functions
that return the next coroutine, so a middleware adds one coroutine per
message and no middleware adds nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..messages import ConfigError

if TYPE_CHECKING:
    from ._actor import ActorContext

__all__ = ["CallNext", "Middleware", "build_chain", "check_middleware"]

CallNext = Callable[[Any, "ActorContext"], Awaitable[Any]]
"""``await call_next(message, ctx)``: the rest of the chain, then the handler; returns its reply."""


class Middleware(Protocol):
    """What ``ActorSystem(middleware=[...])`` takes: an async wrapper around every handler call.

    ::

        async def count(message, ctx, call_next):
            counts[ctx.name] += 1
            return await call_next(message, ctx)

    It is called with the message, the handler's ``ActorContext`` (with
    ``ctx.headers``, ``ctx.name``, ``ctx.sender``) and ``call_next``; it
    returns the reply (for a tell, the reply is dropped). Call ``call_next``
    once, with the message (or a replacement) and ``ctx``; not calling it
    answers without running the handler. The first middleware of the list is
    the outermost. What it raises is that message's failure, exactly as if
    the handler had raised: the asker gets ``ActorCrashed`` and the actor's
    supervisor restarts it. It runs in the actor's task, one message at a
    time, so it must not block the loop.

    Version added: 0.1
    """

    async def __call__(self, message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        """Handle ``message``, usually by returning ``await call_next(message, ctx)``."""


def check_middleware(middleware: Sequence[Middleware] | None) -> tuple[Middleware, ...]:
    """The middleware as a tuple, after checking each is an async callable.

    Raises:
        ConfigError: (``key="middleware"``) for something that is not a list
            or tuple, an item that is not callable, or a plain ``def``
            function (it must be ``async def``: its result is awaited).

    """
    if middleware is None:
        return ()
    if not isinstance(middleware, (list, tuple)):
        raise ConfigError(
            "middleware must be a list of async functions "
            f"`async def mw(message, ctx, call_next)`, got {type(middleware).__name__}",
            key="middleware",
        )
    for mw in middleware:
        if not callable(mw):
            raise ConfigError(
                f"middleware must be async callables, got {type(mw).__name__} {mw!r}",
                key="middleware",
            )
        if inspect.isfunction(mw) and not inspect.iscoroutinefunction(mw):
            raise ConfigError(
                f"middleware {mw.__qualname__} must be `async def` (its result is awaited)",
                key="middleware",
            )
    return tuple(middleware)


def _receive(message: Any, ctx: ActorContext) -> Awaitable[Any]:
    """The end of the chain: the current instance's handler (it changes on restart)."""
    return ctx._cell.instance.receive(message, ctx)  # type: ignore[union-attr]


def _link(mw: Middleware, call_next: CallNext) -> CallNext:
    def call(message: Any, ctx: ActorContext) -> Awaitable[Any]:
        return mw(message, ctx, call_next)

    return call


def build_chain(middleware: tuple[Middleware, ...], end: CallNext = _receive) -> CallNext | None:
    """``end`` wrapped in ``middleware`` (first outermost); ``None`` when there is none.

    ``end`` is the handler call by default; the agents layer wraps model
    calls in the same middleware with its own ``end``.
    """
    if not middleware:
        return None
    chain: CallNext = end
    for mw in reversed(middleware):
        chain = _link(mw, chain)
    return chain
