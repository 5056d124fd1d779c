"""``system.resource(key, factory)``: shared values, closed at shutdown after the actors."""

from __future__ import annotations

from typing import Any

import pytest

import kaizen_actors as ka

pytestmark = pytest.mark.anyio


class Closable:
    def __init__(self, name: str, log: list[str], *, fail: bool = False) -> None:
        self.name = name
        self.log = log
        self.fail = fail

    async def aclose(self) -> None:
        self.log.append(f"close {self.name}")
        if self.fail:
            raise RuntimeError(f"{self.name} would not close")


class Stopping(ka.Actor):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def on_stop(self, ctx: ka.ActorContext) -> None:
        self.log.append("stop actor")

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        return None


async def test_one_value_per_key_closed_after_the_actors_newest_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []
    made: list[str] = []

    def make(name: str, *, fail: bool = False) -> Closable:
        made.append(name)
        return Closable(name, log, fail=fail)

    async with ka.ActorSystem() as system:
        await system.spawn(lambda: Stopping(log), name="a")
        first = system.resource("pool", lambda: make("pool"))
        assert system.resource("pool", lambda: make("again")) is first
        system.resource(Closable, lambda: make("failing", fail=True))
        assert system.resource("plain", dict) == {}  # no aclose: left alone
        assert made == ["pool", "failing"]
    assert log == ["stop actor", "close failing", "close pool"]
    assert "failing" in caplog.text and "would not close" in caplog.text
    with pytest.raises(ka.SystemStopped):
        system.resource("late", dict)
