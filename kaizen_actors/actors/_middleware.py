"""Middleware: async wrappers around every handler call of a system.

A middleware is ``async def mw(message, ctx, call_next) -> reply``;
``await call_next(message, ctx)`` runs the rest of the chain and finally the
actor's ``receive``. The chain is built once per system, of plain functions
that return the next coroutine, so a middleware adds one coroutine per
message and no middleware adds nothing.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..messages import ConfigError
from ._letters import current_cell

if TYPE_CHECKING:
    from ._actor import ActorContext
    from ._system import ActorSystem

__all__ = [
    "CallNext",
    "Middleware",
    "around",
    "build_chain",
    "check_middleware",
    "process_middleware",
    "WrappedCall",
    "add_process_middleware",
    "run_wrapped",
    "receive",
    "live_systems",
    "register_system",
    "watch_systems",
]

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
    the outermost.

    Besides the actors' messages, the chain also sees an agent's model calls
    (``ka.agents.ModelCall``, in the agent's actor, with its ``ctx``), its
    tool calls (``ka.agents.ToolInvocation``) and a team's runs
    (``ka.coordination.RunCall``, made outside any actor: ``ctx`` is
    ``None``). A middleware that only cares for messages passes the others
    on unchanged. What it raises is that message's failure, exactly as if
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


def receive(message: Any, ctx: ActorContext) -> Awaitable[Any]:
    """The end of the chain: the current instance's handler (it changes on restart)."""
    return ctx._cell.instance.receive(message, ctx)  # type: ignore[union-attr]


def _link(mw: Middleware, call_next: CallNext) -> CallNext:
    def call(message: Any, ctx: ActorContext) -> Awaitable[Any]:
        return mw(message, ctx, call_next)

    return call


def build_chain(middleware: tuple[Middleware, ...], end: CallNext) -> CallNext | None:
    """``end`` wrapped in ``middleware`` (first outermost); ``None`` when there is none."""
    if not middleware:
        return None
    chain: CallNext = end
    for mw in reversed(middleware):
        chain = _link(mw, chain)
    return chain


_process: tuple[Middleware, ...] = ()
_systems: weakref.WeakSet[ActorSystem] = weakref.WeakSet()
_watchers: list[Callable[[ActorSystem], None]] = []


def process_middleware() -> tuple[Middleware, ...]:
    """The middleware every system of this process runs first (:func:`add_process_middleware`)."""
    return _process


def add_process_middleware(middleware: Middleware) -> Callable[[], None]:
    """Run ``middleware`` around every handler, model, tool and run call of every system.

    For what turns on for the whole process (tracing, metrics): the systems
    already made start using it at once, and new ones get it too. It runs
    outside each system's own middleware, after those added before it.
    Returns the function that takes it off again; once none is left, a
    system without middleware of its own calls handlers directly again.

    Raises:
        ConfigError: as for ``ActorSystem(middleware=)``.

    """
    global _process
    check_middleware([middleware])
    _process = (*_process, middleware)
    _rebuild()

    def remove() -> None:
        global _process
        _process = tuple(mw for mw in _process if mw is not middleware)
        _rebuild()

    return remove


def _rebuild() -> None:
    for system in list(_systems):
        system._rebuild_chains()


def register_system(system: ActorSystem) -> None:
    """Let :func:`add_process_middleware` reach ``system`` (held weakly); tell the watchers."""
    _systems.add(system)
    for watcher in list(_watchers):
        watcher(system)


def watch_systems(watcher: Callable[[ActorSystem], None]) -> Callable[[], None]:
    """Call ``watcher(system)`` for every system of the process now, and for each one made later.

    For what observes every system (a metrics collector subscribing to each
    one's supervision signals). ``watcher`` runs in the system's constructor:
    it must be quick. Returns the function that stops the watching.
    """
    _watchers.append(watcher)
    for system in list(_systems):
        watcher(system)
    return lambda: _watchers.remove(watcher)


def live_systems() -> list[ActorSystem]:
    """The systems of this process that are still referenced (running or not)."""
    return list(_systems)


def around(end: CallNext) -> tuple[CallNext, ActorContext] | None:
    """The middleware of the system whose handler runs in this task around ``end``, and its ctx.

    For a layer above that passes its own calls (a model call, a tool call)
    through the system's middleware. ``None`` outside a handler, or when the
    system has no middleware: then call ``end``'s work directly.
    """
    cell = current_cell.get()
    if cell is None:
        return None
    chain = cell.system.chain(end)
    return None if chain is None else (chain, cell.ctx)


class WrappedCall:
    """Base of the calls a layer above passes through a system's middleware as messages.

    A model call, a tool call, a team run: the message carries the work it
    stands for (``_run``), and :func:`run_wrapped`, the end of their chain,
    runs it.
    """

    __slots__ = ("_run",)

    def __init__(self, run: Callable[[], Awaitable[Any]]) -> None:
        self._run = run


def run_wrapped(message: WrappedCall, ctx: Any) -> Awaitable[Any]:
    """The end of the chain of a :class:`WrappedCall`: run the work it carries."""
    return message._run()
