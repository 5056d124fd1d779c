"""Actors served by the subprocess tests (importable by ``kaizen-actors serve``)."""

from __future__ import annotations

import os
from typing import Any

import anyio

import kaizen_actors as ka


class Work(ka.Message, tag="nats-test.Work"):
    seconds: float = 0.0
    n: int = 0


class Started(ka.Message, tag="nats-test.Started"):
    pid: int


class Worker(ka.Actor):
    """Emits ``Started(pid)``, sleeps ``seconds``, then replies with its pid and ``n``."""

    async def receive(self, message: Any, ctx: ka.ActorContext) -> list[int]:
        await ctx.emit(Started(os.getpid()))
        await anyio.sleep(message.seconds)
        return [os.getpid(), message.n]


def build_worker() -> ka.Supervisor:
    return ka.Supervisor(children=[ka.ChildSpec(Worker, name="worker")])


class Crash(ka.Message, tag="nats-test.Crash"):
    pass


class Crasher(ka.Actor):
    """Crashes right after every start: its supervisors give up within a moment."""

    async def on_start(self, ctx: ka.ActorContext) -> None:
        await ctx.self.tell(Crash())

    async def receive(self, message: Any, ctx: ka.ActorContext) -> None:
        raise RuntimeError("crashes on purpose")


def build_crasher() -> ka.Supervisor:
    return ka.Supervisor(children=[ka.ChildSpec(Crasher, name="crasher")])
