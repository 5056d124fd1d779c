"""Messages and actors shared by the actor tests (wire-safe: they cross every transport)."""

from __future__ import annotations

from typing import Any

import anyio
import msgspec

import kaizen_actors as ka


class Ping(ka.Message, tag="test.Ping"):
    n: int = 0


class Boom(ka.Message, tag="test.Boom"):
    text: str = "boom"


class Hold(ka.Message, tag="test.Hold"):
    """Handled by waiting on the actor's ``release`` event."""


class Count(ka.Message, tag="test.Count"):
    pass


class Crash(ka.Message, tag="test.Crash"):
    """Makes the receiving test actor raise."""


class Exit(ka.Message, tag="test.Exit"):
    """Makes the receiving test actor stop itself (a normal exit)."""


class WhoAreYou(ka.Message, tag="test.WhoAreYou"):
    """Answered with the id of the actor instance."""


class Which(ka.Message, tag="test.Which"):
    """Sent to a supervisor: answered with its children's names."""


class SpawnChild(ka.Message, tag="test.SpawnChild"):
    """Makes the receiving test actor spawn a child."""


class Recorder(ka.Actor):
    """Replies ``n`` to ``Ping(n)``, records what it saw, raises on ``Boom``."""

    seen: list[int]

    def __init__(
        self,
        log: list[Any] | None = None,
        release: anyio.Event | None = None,
        holding: anyio.Event | None = None,
    ) -> None:
        self.seen = [] if log is None else log
        self.release = release
        self.holding = holding

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Boom):
            raise ValueError(message.text)
        if isinstance(message, Hold):
            assert self.release is not None
            if self.holding is not None:
                self.holding.set()
            await self.release.wait()
            return "released"
        if isinstance(message, Count):
            return len(self.seen)
        self.seen.append(message.n)
        return message.n


class Relay(ka.Message, tag="test.Relay"):
    """Asked along ``path``; the last actor answers with the headers it saw.

    ``own`` are the headers the first hop sets on its own ask; ``tell`` makes
    the first hop tell the next one instead (which records what it saw).
    """

    path: list[str] = msgspec.field(default_factory=list)
    own: dict[str, str] = msgspec.field(default_factory=dict)
    tell: bool = False


class Seen(ka.Message, tag="test.Seen"):
    """Answered with the headers of every message the actor handled so far."""


class Hop(ka.Actor):
    """Passes a ``Relay`` on to the next name of its path, or answers with its headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Seen):
            return self.seen
        self.seen.append(dict(ctx.headers))
        if not isinstance(message, Relay) or not message.path:
            return dict(ctx.headers)
        onward = ctx.system.ref(message.path[0])
        rest = Relay(message.path[1:])
        if message.tell:
            await onward.tell(rest, headers=message.own or None)
            return None
        return await onward.ask(rest, headers=message.own or None, timeout=10)
