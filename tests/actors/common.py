"""Messages and actors shared by the actor tests (wire-safe: they cross every transport)."""

from __future__ import annotations

from typing import Any

import anyio

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
