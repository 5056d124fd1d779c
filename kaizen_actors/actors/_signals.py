"""Supervision signals: what a system's supervisors did (restarts, giving up), for observers.

``system.supervision.subscribe(listener)`` calls ``listener(signal)`` with a
:class:`Restarted` for every restart and an :class:`Escalated` when a
supervisor gives up, in the supervisor's task, after the fact. An audit log
or a metrics collector listens here rather than inside the supervisors.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Escalated", "Restarted", "SupervisionSignal", "SupervisionSignals"]

logger = logging.getLogger("kaizen_actors")


class Restarted(msgspec.Struct, frozen=True, kw_only=True):
    """A supervisor restarted an actor.

    Attributes:
        actor: the restarted actor's name.
        supervisor: its supervisor's name.
        restarts: how often the actor has been restarted, this one included.
        cause: the actor whose failure led to it (a sibling under
            ``OneForAll``/``RestForOne``, else ``actor`` itself).
        error_type: the class name of that failure's error.
        error: its message.

    Version added: 0.1

    """

    actor: str
    supervisor: str
    restarts: int
    cause: str
    error_type: str
    error: str


class Escalated(msgspec.Struct, frozen=True, kw_only=True):
    """A supervisor gave up (too many restarts) and failed to its own parent.

    Attributes:
        supervisor: the supervisor's name.
        error: why (the ``RestartIntensityExceeded`` message).

    Version added: 0.1

    """

    supervisor: str
    error: str


SupervisionSignal = Restarted | Escalated


class SupervisionSignals:
    """The listeners of a system's supervision signals (``system.supervision``).

    Version added: 0.1
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[SupervisionSignal], None]] = []

    def subscribe(self, listener: Callable[[SupervisionSignal], None]) -> Callable[[], None]:
        """Call ``listener(signal)`` for each signal from now on; returns the unsubscribe function.

        A listener runs in the supervisor's task: it must be quick and must
        not block. What it raises is logged and otherwise ignored.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, signal: SupervisionSignal) -> None:
        """Tell every listener about ``signal``."""
        for listener in list(self._listeners):
            try:
                listener(signal)
            except Exception as exc:
                logger.error("a supervision listener raised on %r", signal, exc_info=exc)
