"""Supervision strategies, restart intensity and backoff, as Erlang/OTP defines them."""

from __future__ import annotations

import random
from collections import deque
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._actor import Actor

__all__ = [
    "Backoff",
    "ChildSpec",
    "OneForAll",
    "OneForOne",
    "RestForOne",
    "RESTART_TYPES",
    "RestartType",
    "Strategy",
]

RestartType = Literal["permanent", "transient", "temporary"]
"""When a supervisor restarts a child: always, only after a crash, or never."""

RESTART_TYPES: tuple[RestartType, ...] = ("permanent", "transient", "temporary")


class Backoff(msgspec.Struct, frozen=True):
    """Delay before the n-th restart within the intensity window.

    The delay is ``min * 2 ** (n - 1)`` capped at ``max``, then spread by
    ``± jitter`` (a fraction). The default, ``min=0``, restarts at once, as OTP does.

    Version added: 0.1
    """

    min: float = 0.0
    max: float = 30.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.min < 0 or self.max < self.min:
            raise ConfigError(
                f"Backoff needs 0 <= min <= max, got min={self.min} max={self.max}", key="backoff"
            )
        if not 0 <= self.jitter <= 1:
            raise ConfigError(
                f"Backoff jitter is a fraction in [0, 1], got {self.jitter}", key="jitter"
            )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before restart number ``attempt`` (1-based)."""
        if self.min == 0:
            return 0.0
        base: float = min(self.max, self.min * 2 ** max(0, attempt - 1))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


class Strategy(msgspec.Struct, frozen=True):
    """Base of the restart strategies.

    Attributes:
        max_restarts: restarts allowed within ``within`` seconds; one more and
            the supervisor stops its children and fails to its parent.
        within: the intensity window in seconds.
        backoff: delay between restarts.

    """

    max_restarts: int = 3
    within: float = 5.0
    backoff: Backoff = msgspec.field(default_factory=Backoff)

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ConfigError(
                f"max_restarts must be >= 0, got {self.max_restarts}", key="max_restarts"
            )
        if self.within <= 0:
            raise ConfigError(f"within must be > 0 seconds, got {self.within}", key="within")

    def affected(self, children: list[Any], failed: Any) -> list[Any]:
        """The children to restart when ``failed`` fails, in start order."""
        raise NotImplementedError


class OneForOne(Strategy, frozen=True):
    """Restart only the child that failed.

    Version added: 0.1
    """

    def affected(self, children: list[Any], failed: Any) -> list[Any]:
        """Just the failed child."""
        return [failed]


class OneForAll(Strategy, frozen=True):
    """Restart every child when one fails.

    Version added: 0.1
    """

    def affected(self, children: list[Any], failed: Any) -> list[Any]:
        """Every child."""
        return list(children)


class RestForOne(Strategy, frozen=True):
    """Restart the failed child and the children started after it.

    Version added: 0.1
    """

    def affected(self, children: list[Any], failed: Any) -> list[Any]:
        """The failed child and its younger siblings."""
        return children[children.index(failed) :] if failed in children else [failed]


class ChildSpec(msgspec.Struct, frozen=True):
    """How a supervisor starts and restarts one child.

    Attributes:
        factory: zero-argument callable returning a fresh ``Actor`` (a class works).
        name: the child's name in the system's namespace.
        restart: ``"permanent"`` (always restarted), ``"transient"`` (restarted
            only after a crash) or ``"temporary"`` (never restarted).
        mailbox_size: the child's mailbox bound, the system default when ``None``.

    Version added: 0.1

    """

    factory: Callable[[], Actor]
    name: str
    restart: RestartType = "permanent"
    mailbox_size: int | None = None

    def __post_init__(self) -> None:
        if self.restart not in RESTART_TYPES:
            raise ConfigError(
                f"ChildSpec restart must be 'permanent', 'transient' or 'temporary', "
                f"got {self.restart!r}",
                key="restart",
            )


class Intensity:
    """Counts restarts in a sliding window."""

    __slots__ = ("_times",)

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def add(self, now: float, strategy: Strategy) -> int:
        """Record a restart at ``now``; return how many fall in the window."""
        self._times.append(now)
        while self._times and self._times[0] <= now - strategy.within:
            self._times.popleft()
        return len(self._times)
