"""Actors served by the subprocess tests (importable by ``kaizen-actors serve``)."""

from __future__ import annotations

import os
from typing import Any

import anyio

import kaizen_actors as ka


class Work(ka.Message, tag="nats-test.Work"):
    seconds: float = 0.0
    n: int = 0


class Worker(ka.Actor):
    """Sleeps ``seconds`` then replies with its pid and ``n``."""

    async def receive(self, message: Any, ctx: ka.ActorContext) -> list[int]:
        await anyio.sleep(message.seconds)
        return [os.getpid(), message.n]


def build_worker() -> ka.Supervisor:
    return ka.Supervisor(children=[ka.ChildSpec(Worker, name="worker")])
