"""``ActorSystem``: the namespace, task group and root supervisor that actors run in."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

import anyio

from ..messages import ActorError, ActorNotFound, ActorStopped, ConfigError, SystemStopped
from ..transport import EventSink, Replier, Transport, resolve_transport
from ._cell import ActorCell
from ._letters import DeadLetters, HeadedLetter, Letter
from ._mailbox import DEFAULT_MAILBOX_SIZE
from ._middleware import (
    CallNext,
    build_chain,
    check_middleware,
    process_middleware,
    receive,
    register_system,
)
from ._ref import ActorRef
from ._signals import SupervisionSignals
from ._strategy import OneForOne, RestartType, Strategy
from ._supervisor import Supervisor
from ._tree import ActorNode, snapshot

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
    from types import TracebackType

    from anyio.abc import TaskGroup

    from ._actor import Actor
    from ._middleware import Middleware

__all__ = ["DEFAULT_ROOT_STRATEGY", "ActorSystem", "AuditHook"]

logger = logging.getLogger("kaizen_actors")

DEFAULT_ROOT_STRATEGY = OneForOne(max_restarts=3, within=5.0)
"""The root supervisor's strategy: like OTP, 3 restarts within 5 s, then it gives up."""

ROOT_NAME = "$root"

R = TypeVar("R")


class AuditHook(Protocol):
    """What ``ActorSystem(audit=)`` takes (``ka.AuditLog``): it installs itself on a system.

    Version added: 0.1
    """

    def install(self, system: ActorSystem) -> Sequence[Middleware]:
        """Subscribe to ``system``'s signals; return the middleware that records its calls."""


def _make_transport(transport: Transport | str | None) -> Transport:
    if transport is not None:
        return resolve_transport(transport)
    url = os.environ.get("KAIZEN_TRANSPORT") or None
    try:
        return resolve_transport(url)
    except ConfigError as exc:
        raise ConfigError(f"KAIZEN_TRANSPORT: {exc}", key="transport") from None


class ActorSystem:
    """Runs actors: a namespace of names, a task group, a root supervisor and dead letters.

    Use it as an async context manager; leaving it shuts every actor down.
    Actors spawned with :meth:`spawn` are children of the root supervisor
    (``OneForOne``, 3 restarts within 5 s by default, ``root_strategy=`` to
    change). When the root itself gives up, the system stops every actor,
    keeps the error in :attr:`failure`, logs it, and further sends raise
    ``SystemStopped``.
    What the actors share without being actors (a connection pool: see
    :meth:`resource`) is closed at shutdown, after the actors stopped.

    Args:
        name: the namespace. Systems with the same name on the same transport
            (a NATS server, or a shared ``MemoryHub``) see each other's actors.
        transport: ``None`` or ``"memory"`` (this process only), a ``nats://``
            URL (or ``tls://``, ``ws://``, ``wss://``; any scheme added with
            :func:`~kaizen_actors.transport.register_transport`), or a
            ``Transport``. ``None`` reads the ``KAIZEN_TRANSPORT``
            environment variable first, so a deployment can move to NATS
            without a code change.
        mailbox_size: default bound of mailboxes (1,000 messages).
        ask_timeout: default ``ask`` timeout in seconds (5 s).
        stop_timeout: seconds a stopping actor's message in hand, and then
            its ``on_stop``, may take before each is cancelled (5 s, OTP's
            default shutdown time for a worker); the default grace of
            ``ref.stop()`` and ``shutdown()``.
        root_strategy: the root supervisor's strategy.
        dead_letter_capacity: how many dead letters are kept for inspection.
        loopback: send every message, even to this system's own actors,
            through the transport, as Akka's ``serialize-messages`` does: in
            tests it proves that messages, replies and events survive the
            wire. Slower; off unless ``KAIZEN_LOOPBACK=1``.
        middleware: async functions ``mw(message, ctx, call_next)`` applied
            around every handler call of this system, the first outermost
            (see :class:`~kaizen_actors.actors.Middleware`). None by default,
            and then a handler is called directly.
        audit: a ``ka.AuditLog`` recording this system's messages, turns,
            model and tool calls, runs, restarts and dead letters (its
            middleware runs outside ``middleware``).
        rate_limits: ``{model name: ka.RateLimit(...)}``: each model call of
            a limited model waits for its permit, one limiter per model
            shared by every agent of the system (over NATS, of the
            namespace). Its middleware runs outermost.

    Attributes:
        audit: the audit log given, or ``None``.
        middleware: the middleware, as a tuple.
        rate_limits: the rate limits by model name (empty without).
        dead_letters: what could not be delivered (``subscribe`` to be told).
        supervision: restarts and escalations (``subscribe`` to be told; see
            :class:`~kaizen_actors.actors.Restarted`).

    Raises:
        ValueError: for a bad system name.
        ConfigError: (``key="middleware"``) when ``middleware`` is not a list
            of async callables.

    Raises:
        ValueError: for a name with spaces, ``.``, ``*`` or ``>``.
        ConfigError: for a ``transport`` (or ``KAIZEN_TRANSPORT``) that names
            no known transport (key ``"transport"``; also a ``ValueError``).

    Version added: 0.1

    """

    def __init__(
        self,
        name: str = "kaizen",
        transport: Transport | str | None = None,
        *,
        mailbox_size: int = DEFAULT_MAILBOX_SIZE,
        ask_timeout: float = 5.0,
        stop_timeout: float = 5.0,
        root_strategy: Strategy = DEFAULT_ROOT_STRATEGY,
        dead_letter_capacity: int = 1000,
        loopback: bool | None = None,
        middleware: Sequence[Middleware] | None = None,
        audit: AuditHook | None = None,
        rate_limits: Mapping[str, Any] | None = None,
    ) -> None:
        if not name or any(c in name for c in " .*>\t\n"):
            raise ConfigError(
                f"system name must be non-empty without spaces, '.', '*' or '>': {name!r}",
                key="name",
            )
        self.name = name
        self.transport = _make_transport(transport)
        self.mailbox_size = mailbox_size
        self.ask_timeout = ask_timeout
        self.stop_timeout = stop_timeout
        self.root_strategy = root_strategy
        self.dead_letters = DeadLetters(dead_letter_capacity)
        if loopback is None:
            loopback = os.environ.get("KAIZEN_LOOPBACK", "") not in ("", "0")
        self.loopback = loopback
        self.supervision = SupervisionSignals()
        self.audit = audit
        self.middleware = check_middleware(middleware)
        if audit is not None:
            self.middleware = (*check_middleware(list(audit.install(self))), *self.middleware)
        self.rate_limits: dict[str, Any] = {}
        if rate_limits is not None:
            from ..telemetry._limits import RateLimiter  # the across layer, loaded when used

            limiter = RateLimiter(rate_limits)
            self.rate_limits = limiter.limits
            self.middleware = (limiter, *self.middleware)
        self._chains: dict[CallNext, CallNext | None] = {}
        self._chain = self.chain(receive)
        self.failure: BaseException | None = None
        self._cells: dict[str, ActorCell] = {}
        self._tg: TaskGroup | None = None
        self._root: ActorCell | None = None
        self._running = False
        self._stopped = anyio.Event()
        self._resources: dict[object, Any] = {}
        register_system(self)

    def chain(self, end: CallNext) -> CallNext | None:
        """``end`` wrapped in the process's and this system's middleware; ``None`` when none.

        ``end`` is the handler call for messages; the layers above pass their
        own calls (model and tool calls, team runs) through the same
        middleware with their own ``end``. Built once per ``end``.
        """
        try:
            return self._chains[end]
        except KeyError:
            chain = self._chains[end] = build_chain((*process_middleware(), *self.middleware), end)
            return chain

    def _rebuild_chains(self) -> None:
        """Forget the chains made so far (the process's middleware changed)."""
        self._chains.clear()
        self._chain = self.chain(receive)

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._tg is not None:
            raise SystemStopped(f"actor system {self.name!r} was already started; make a new one")
        await self.transport.start(self.name, self._deliver, self.dead_letters.record)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        strategy = self.root_strategy
        self._root = ActorCell(
            self,
            ROOT_NAME,
            None,
            lambda: Supervisor(strategy=strategy),
            restart="permanent",
            mailbox_size=1,
        )
        await self._root.start_instance()
        self._running = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        await self.shutdown()
        assert self._tg is not None
        self._tg.cancel_scope.cancel()
        # The body's own exception propagates as it is, not inside an ExceptionGroup:
        # every task in the group is ours and has stopped or been cancelled.
        await self._tg.__aexit__(None, None, None)
        return None

    async def shutdown(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a grace period
        """Stop every actor, children before parents, running their ``on_stop`` hooks.

        Messages being handled may finish within ``timeout`` seconds
        (``stop_timeout`` when ``None``), then they are cancelled. Queued
        messages go to dead letters. Safe to call twice; the task group ends
        when the ``async with`` block exits.
        """
        if not self._running:
            if self._root is not None:
                await self._stopped.wait()
            return
        self._running = False
        root = self._root
        assert root is not None
        with anyio.CancelScope(shield=True):
            grace = self.stop_timeout if timeout is None else timeout
            await root.stop("the system shut down", grace=grace)
            await self._close_resources()
            await self.transport.close()
        self._stopped.set()

    def resource(self, key: object, factory: Callable[[], R]) -> R:
        """The value this system shares under ``key``, made by ``factory()`` on first request.

        For what every actor of the system shares without being an actor
        itself (a pool of connections, a cache): one value per system and
        key. At shutdown, after every actor has stopped, each value with an
        async ``aclose()`` method is closed, the newest first, each within
        ``stop_timeout`` seconds (an error is logged, not raised).

        Raises:
            SystemStopped: when there is no value under ``key`` yet and the
                system is not running.

        """
        if key not in self._resources:
            self._check_running()
            self._resources[key] = factory()
        return cast("R", self._resources[key])

    async def _close_resources(self) -> None:
        resources, self._resources = self._resources, {}
        for key, value in reversed(resources.items()):
            aclose = getattr(value, "aclose", None)
            if aclose is None:
                continue
            with anyio.move_on_after(self.stop_timeout) as scope:
                try:
                    await aclose()
                except Exception as exc:
                    logger.error(
                        "closing resource %r of system %r raised", key, self.name, exc_info=exc
                    )
            if scope.cancelled_caught:
                logger.error(
                    "closing resource %r of system %r took over %g s and was cancelled",
                    key,
                    self.name,
                    self.stop_timeout,
                )

    async def wait_stopped(self) -> None:
        """Wait until the system has shut down (by request, or because its root gave up)."""
        await self._stopped.wait()

    @property
    def running(self) -> bool:
        """Whether the system accepts spawns and messages."""
        return self._running

    def _check_running(self) -> None:
        if not self._running:
            detail = f": {self.failure}" if self.failure is not None else ""
            raise SystemStopped(
                f"actor system {self.name!r} is not running; use it inside `async with`{detail}"
            )

    def _start_soon(self, fn: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        assert self._tg is not None
        self._tg.start_soon(fn)

    def _root_failed(self, exc: BaseException) -> None:
        self.failure = exc
        logger.error("the root supervisor of system %r gave up; stopping the system", self.name)
        if self._tg is not None:
            self._tg.start_soon(self.shutdown)

    # -- actors -------------------------------------------------------------------------

    async def spawn(
        self,
        factory: Callable[[], Actor],
        *,
        name: str | None = None,
        mailbox_size: int | None = None,
        restart: RestartType = "transient",
    ) -> ActorRef:
        """Start an actor under the root supervisor and return its ref.

        Args:
            factory: zero-argument callable returning a fresh ``Actor`` (a class
                works); called again for every restart.
            name: the actor's name in the namespace (generated when ``None``).
            mailbox_size: mailbox bound; the system default when ``None``.
            restart: ``"transient"`` by default: restarted after a crash, not
                after it stops itself. ``"permanent"`` or ``"temporary"`` as in OTP.

        Raises:
            SystemStopped: when the system is not running.
            ActorError: when ``name`` is already served in this system.
            Exception: whatever the actor's ``on_start`` raised.

        """
        self._check_running()
        assert self._root is not None
        return await self._root.spawn_child(
            factory, name=name, mailbox_size=mailbox_size, restart=restart
        )

    def ref(self, name: str) -> ActorRef:
        """A ref to the actor ``name``, in this system or elsewhere in the namespace.

        The name is not checked here: sending to a name nobody serves fails
        then (``ask``) or goes to dead letters (``tell``).
        """
        cell = self._cells.get(name)
        return cell.ref if cell is not None else ActorRef(name, self)

    def tree(self) -> ActorNode:
        """A snapshot of the supervision tree: each actor's kind, restarts and queue.

        Raises:
            SystemStopped: the system is not running.

        """
        self._check_running()
        assert self._root is not None
        return snapshot(self._root)

    def actors(self) -> list[str]:
        """Names of the actors running in this system."""
        return list(self._cells)

    def _remote(self) -> Transport:
        self._check_running()
        return self.transport

    def _remote_tell(
        self, name: str, message: Any, sender: str | None, headers: dict[str, str] | None
    ) -> Awaitable[None]:
        # Headers go as a keyword only when there are some: a transport
        # written before they existed keeps working for messages without.
        transport = self._remote()
        if headers is None:
            return transport.tell(name, message, sender)
        return transport.tell(name, message, sender, headers=headers)

    def _remote_ask(
        self,
        name: str,
        message: Any,
        sender: str | None,
        timeout: float,
        on_event: EventSink | None,
        headers: dict[str, str] | None,
    ) -> Awaitable[Any]:
        transport = self._remote()
        if headers is None:
            return transport.ask(name, message, sender, timeout, on_event)
        return transport.ask(name, message, sender, timeout, on_event, headers=headers)

    async def _register(self, cell: ActorCell) -> None:
        if cell.name in self._cells:
            raise ActorError(
                f"an actor named {cell.name!r} already runs in system {self.name!r}; "
                "pick another name or stop it first"
            )
        self._cells[cell.name] = cell
        try:
            await self.transport.advertise(cell.name)
        except BaseException:
            del self._cells[cell.name]
            raise

    async def _unregister(self, cell: ActorCell) -> None:
        if self._cells.get(cell.name) is cell:
            del self._cells[cell.name]
            await self.transport.withdraw(cell.name)

    async def _deliver(
        self,
        name: str,
        message: Any,
        sender: str | None,
        reply: Replier | None,
        on_event: EventSink | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Deliver a message that came through the transport to a local actor."""
        cell = self._cells.get(name)
        letter = (
            HeadedLetter(message, sender, reply, on_event, headers)
            if headers
            else Letter(message, sender, reply, on_event)
        )
        if cell is not None:
            try:
                await cell.put(letter)
            except ActorStopped as exc:
                error: ActorNotFound = exc
            else:
                return
        else:
            error = ActorNotFound(f"no actor named {name!r} in system {self.name!r}")
        if reply is None or not reply.set_exception(error):
            self.dead_letters.record(message, recipient=name, reason=str(error), sender=sender)

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<ActorSystem {self.name!r} {state} actors={len(self._cells)}>"
