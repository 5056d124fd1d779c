"""The actor cell: one actor's mailbox, lifecycle, drain task and supervision of its children.

A cell outlives the actor instances it runs: a restart replaces the instance
(a fresh one from the factory) and keeps the mailbox, so refs stay valid and
queued messages are handled by the new instance. A cell runs a drain task
only while its mailbox holds messages; an idle actor holds no task.

Failures travel as system messages: a crashing child suspends itself and
posts ``("failed", child, error)`` to its parent, which handles system
messages before its own mail and applies its strategy, as OTP supervisors do
(:mod:`._restarts`).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from ..messages import (
    ActorCrashed,
    ActorError,
    ActorStopped,
    ConfigError,
    KaizenError,
    MailboxFull,
    error_type_name,
)
from ._actor import Actor, ActorContext
from ._letters import Letter, current_cell, current_headers
from ._mailbox import Mailbox
from ._ref import ActorRef
from ._restarts import child_ended
from ._strategy import RESTART_TYPES, OneForOne, RestartType, Strategy

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._strategy import Intensity
    from ._system import ActorSystem

__all__ = ["ActorCell"]

logger = logging.getLogger("kaizen_actors")

_BATCH = 64
"""Messages handled between checkpoints when handlers never yield."""

_DEFAULT_STRATEGY = OneForOne()
_counter = itertools.count(1)


class ActorCell:
    """One actor in a system (internal)."""

    __slots__ = (
        "_current",
        "_drained",
        "_exit_requested",
        "_intensity",
        "_running",
        "_scope",
        "_stopped",
        "_stopping",
        "_suspended",
        "_system_queue",
        "children",
        "ctx",
        "factory",
        "instance",
        "mailbox",
        "name",
        "parent",
        "ref",
        "restart",
        "restarts",
        "system",
    )

    def __init__(
        self,
        system: ActorSystem,
        name: str,
        parent: ActorCell | None,
        factory: Callable[[], Actor],
        *,
        restart: RestartType,
        mailbox_size: int,
    ) -> None:
        self.system = system
        self.name = name
        self.parent = parent
        self.factory = factory
        self.restart = restart
        self.mailbox: Mailbox[Letter] = Mailbox(mailbox_size)
        self.ref = ActorRef(name, system, None if system.loopback else self)
        self.ctx = ActorContext(self)
        self.instance: Actor | None = None
        self.children: list[ActorCell] = []
        self.restarts = 0
        self._intensity: Intensity | None = None
        self._system_queue: deque[tuple[Any, ...]] | None = None
        self._running = False
        self._suspended = True
        self._stopping = False
        self._exit_requested = False
        self._scope: anyio.CancelScope | None = None
        self._current: Letter | None = None
        self._drained: anyio.Event | None = None
        self._stopped: anyio.Event | None = None

    # -- state ---------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """Whether the cell accepts messages."""
        return not self._stopping

    @property
    def strategy(self) -> Strategy:
        """The strategy this cell applies to its children."""
        instance = self.instance
        strategy = getattr(instance, "supervisor_strategy", None) if instance is not None else None
        return strategy if strategy is not None else _DEFAULT_STRATEGY

    def __repr__(self) -> str:
        return f"<ActorCell {self.name!r} queued={len(self.mailbox)}>"

    # -- sending ---------------------------------------------------------------

    def offer(self, letter: Letter) -> bool:
        """Queue a letter if the actor runs and its mailbox has room; return whether it did."""
        mailbox = self.mailbox
        items = mailbox.items
        if self._stopping or len(items) >= mailbox.size:
            return False
        items.append(letter)
        if not self._running and not self._suspended:
            self._schedule()
        return True

    def put_nowait(self, letter: Letter) -> None:
        """Queue a letter without waiting.

        Raises:
            MailboxFull: when the mailbox is full.
            ActorStopped: when the actor is stopping.

        """
        if not self.offer(letter):
            if self._stopping:
                raise ActorStopped(f"actor {self.name!r} has stopped")
            raise MailboxFull(f"mailbox of {self.name!r} full ({self.mailbox.size} messages)")

    async def put(self, letter: Letter) -> None:
        """Queue a letter, waiting while the mailbox is full.

        Raises:
            ActorStopped: when the actor is stopping.

        """
        if self.offer(letter):
            return
        if self._stopping:
            raise ActorStopped(f"actor {self.name!r} has stopped")
        await self.mailbox.put(letter)  # handed a slot (or, if the cell stopped, dead-lettered)
        if not self._running and not self._suspended and not self._stopping:
            self._schedule()

    def put_later(self, letter: Letter) -> None:
        """Queue a letter, or put it in line for room without waiting (an ask waits on its reply).

        Raises:
            ActorStopped: when the actor is stopping.

        """
        if self._stopping:
            raise ActorStopped(f"actor {self.name!r} has stopped")
        self.mailbox.put_later(letter)
        if not self._running and not self._suspended:
            self._schedule()

    def post_system(self, *message: Any) -> None:
        """Queue a system message (child failed or exited); handled before mail."""
        if self._system_queue is None:
            self._system_queue = deque()
        self._system_queue.append(message)
        if not self._running:
            self._schedule()

    def _schedule(self) -> None:
        self._running = True
        self._drained = None
        self.system._start_soon(self._drain)

    # -- the drain task ------------------------------------------------------------

    async def _drain(self) -> None:
        token = current_cell.set(self)
        # The task was started from a sender's context: its headers are not this actor's.
        no_headers = current_headers.set(None)
        mailbox = self.mailbox
        handled = 0
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                while True:
                    if self._system_queue:
                        await child_ended(self, *self._system_queue.popleft())
                        continue
                    if self._suspended or self._stopping:
                        break
                    if not mailbox:
                        # Linger for one scheduling round: an asker that gets its
                        # reply usually asks again at once, and finds us running.
                        await anyio.lowlevel.checkpoint()
                        if not mailbox:
                            break
                    await self._handle(mailbox.get_nowait())
                    if self._exit_requested:
                        await self._exit_normally()
                        break
                    handled += 1
                    if handled >= _BATCH:
                        handled = 0
                        await anyio.lowlevel.checkpoint()
        finally:
            self._scope = None
            self._running = False
            current_cell.reset(token)
            current_headers.reset(no_headers)
            letter, self._current = self._current, None
            if letter is not None:
                self._interrupted(letter)
            if self._drained is not None:
                self._drained.set()
        if self._system_queue or (mailbox and not self._suspended and not self._stopping):
            self._schedule()

    async def _handle(self, letter: Letter) -> None:
        reply = letter.reply
        if reply is not None:
            if reply.abandoned:
                self._dead_letter(letter, "the asker stopped waiting before it was handled")
                return
            reply.on_cancel(partial(self.cancel_current, letter))
        self._current = letter
        ctx = self.ctx
        ctx._letter = letter
        chain = self.system._chain
        headers = letter.headers
        token = current_headers.set(headers) if headers is not None else None
        try:
            if chain is None:
                result = await self.instance.receive(letter.message, ctx)  # type: ignore[union-attr]
            else:
                result = await chain(letter.message, ctx)
        except Exception as exc:
            self._current = None
            self._crashed(letter, exc)
            return
        finally:
            ctx._letter = None
            if token is not None:
                current_headers.reset(token)
        self._current = None
        if reply is None:
            return
        try:
            delivered = reply.set_result(result)
        except Exception as exc:  # the transport could not send it; this message fails alone
            self._reply_failed(letter, exc)
            return
        if not delivered:
            self._dead_letter(letter, "late reply: the asker had stopped waiting (timeout)")

    def _reply_failed(self, letter: Letter, exc: Exception) -> None:
        logger.error(
            "actor %r could not reply to %s", self.name, type(letter.message).__name__, exc_info=exc
        )
        error = (
            exc
            if isinstance(exc, KaizenError)
            else ActorCrashed(
                self.name, error_type_name(exc), f"its reply could not be sent: {exc}"
            )
        )
        if not letter.reply.set_exception(error):  # type: ignore[union-attr]
            self._dead_letter(letter, f"the reply could not be sent: {exc}")

    def cancel_current(self, letter: Letter) -> None:
        """Cancel the handler if it is working on ``letter`` (its asker was cancelled)."""
        if self._current is letter and self._scope is not None:
            letter.cancelled = True
            self._scope.cancel()

    def _crashed(self, letter: Letter, exc: Exception) -> None:
        error_type = error_type_name(exc)
        logger.error(
            "actor %r crashed on %s", self.name, type(letter.message).__name__, exc_info=exc
        )
        error = ActorCrashed(
            self.name, error_type, str(exc), retryable=getattr(exc, "retryable", True) is not False
        )
        error.__cause__ = exc
        if letter.reply is None or not letter.reply.set_exception(error):
            self._dead_letter(letter, f"handler raised {error_type}: {exc}")
        self._fail(exc)

    def _interrupted(self, letter: Letter) -> None:
        if letter.cancelled:
            self._dead_letter(letter, "the asker was cancelled while the actor handled it")
            return
        reason = f"actor {self.name!r} was stopped or restarted while handling it"
        if letter.reply is None or not letter.reply.set_exception(ActorStopped(reason)):
            self._dead_letter(letter, reason)

    def _fail(self, exc: BaseException) -> None:
        """Suspend and report the failure to the parent (or the system for the root)."""
        self._suspended = True
        if self.parent is None:
            self.system._root_failed(exc)
        else:
            self.parent.post_system("failed", self, exc)

    def request_exit(self) -> None:
        """Ask for a normal exit after the current message."""
        self._exit_requested = True
        if not self._running and not self._stopping:
            self._schedule()

    async def _exit_normally(self) -> None:
        self._exit_requested = False
        self._suspended = True
        if self.parent is None:
            await self.stop("stopped itself")
        else:
            self.parent.post_system("exited", self, None)

    # -- supervision (runs in the parent's drain task; see _restarts) ----------------

    async def _terminate(self) -> None:
        """End the current instance (cancelling its handler) but keep the cell and mailbox."""
        self._suspended = True
        await self._wait_drained(cancel=True)
        for cell in reversed(self.children):
            await cell.stop("its parent restarted")
        await self._call_on_stop()

    async def _restart(self) -> None:
        self.restarts += 1
        try:
            await self.start_instance()
        except Exception as exc:
            logger.error("actor %r failed to restart", self.name, exc_info=exc)
            self._fail(exc)

    async def start_instance(self) -> None:
        """Create a fresh instance from the factory and run its ``on_start``.

        Raises:
            Exception: whatever the factory or ``on_start`` raised.

        """
        instance = self.factory()
        if not isinstance(instance, Actor) and not hasattr(instance, "receive"):
            raise ActorError(
                f"the factory of {self.name!r} returned {type(instance).__name__}, not an Actor"
            )
        self.instance = instance
        token = current_cell.set(self)
        try:
            await instance.on_start(self.ctx)
        except BaseException:
            self.instance = None
            raise
        finally:
            current_cell.reset(token)
        self._suspended = False
        if self.mailbox and not self._running:
            self._schedule()

    async def _call_on_stop(self) -> None:
        instance, self.instance = self.instance, None
        if instance is None:
            return
        seconds = self.system.stop_timeout
        with anyio.move_on_after(seconds, shield=True) as scope:
            try:
                await instance.on_stop(self.ctx)
            except Exception as exc:
                logger.error("on_stop of actor %r raised", self.name, exc_info=exc)
        if scope.cancelled_caught:
            logger.error("on_stop of actor %r took over %g s and was cancelled", self.name, seconds)

    async def _wait_drained(self, *, cancel: bool, grace: float = 0.0) -> None:
        if not self._running or current_cell.get() is self:
            return
        if self._drained is None:
            self._drained = anyio.Event()
        drained = self._drained
        if not cancel:
            with anyio.move_on_after(grace):
                await drained.wait()
        if self._running and self._scope is not None:
            self._scope.cancel()
        with anyio.CancelScope(shield=True):
            await drained.wait()

    # -- children and stopping ---------------------------------------------------------

    async def spawn_child(
        self,
        factory: Callable[[], Actor],
        *,
        name: str | None,
        mailbox_size: int | None,
        restart: RestartType,
    ) -> ActorRef:
        """Start a child cell under this one and return its ref."""
        if restart not in RESTART_TYPES:
            raise ConfigError(
                f"restart must be 'permanent', 'transient' or 'temporary', got {restart!r}",
                key="restart",
            )
        if self._stopping:
            raise ActorStopped(f"actor {self.name!r} is stopping and cannot spawn children")
        if name is None:
            name = f"{getattr(factory, '__name__', 'actor')}-{next(_counter)}"
        size = mailbox_size if mailbox_size is not None else self.system.mailbox_size
        cell = ActorCell(self.system, name, self, factory, restart=restart, mailbox_size=size)
        await self.system._register(cell)
        self.children.append(cell)
        try:
            await cell.start_instance()
        except BaseException:
            self.children.remove(cell)
            cell._stopping = True
            with anyio.CancelScope(shield=True):
                await self.system._unregister(cell)
            cell._mark_stopped()
            raise
        return cell.ref

    async def stop(self, reason: str = "stopped", *, grace: float = 0.0) -> None:
        """Stop for good: children first, then the in-flight message, ``on_stop``, and the queue.

        The in-flight message may finish within ``grace`` seconds; then it is cancelled.
        Queued messages go to dead letters; their asks fail with ``ActorStopped``.
        """
        if self._stopping:
            if current_cell.get() is not self:
                await self.wait_stopped()
            return
        self._stopping = True
        with anyio.CancelScope(shield=True):
            await self.system._unregister(self)
            for cell in reversed(self.children):
                await cell.stop(reason, grace=grace)
            await self._wait_drained(cancel=grace <= 0, grace=grace)
            await self._call_on_stop()
            self._dead_letter_queue(f"actor {self.name!r} {reason}")
            if self.parent is not None and self in self.parent.children:
                self.parent.children.remove(self)
            self._mark_stopped()

    def _dead_letter_queue(self, reason: str) -> None:
        for letter in self.mailbox.take_all():
            if letter.reply is None or not letter.reply.set_exception(ActorStopped(reason)):
                self._dead_letter(letter, reason)

    def _dead_letter(self, letter: Letter, reason: str) -> None:
        self.system.dead_letters.record(
            letter.message, recipient=self.name, reason=reason, sender=letter.sender
        )

    def _mark_stopped(self) -> None:
        if self._stopped is None:
            self._stopped = anyio.Event()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        """Wait until the cell has stopped."""
        if self._stopped is None:
            self._stopped = anyio.Event()
        await self._stopped.wait()
