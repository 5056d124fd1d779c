"""Test models (the ChatModel protocol): probes, crashes, costs, barriers."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from kaizen_actors.agents import Agent, ScriptedModel, UsageMeter

_TOKEN = re.compile(r"\s*\S+")


def scripted(name: str, *replies: str, sig: str = "question -> answer", **kw: Any) -> Agent:
    """An agent whose model replies ``replies`` in order."""
    return Agent(name, signature=sig, model=ScriptedModel(list(replies), **kw))


def responder(name: str, fn: Callable[[list[dict[str, str]]], Any], **kw: Any) -> Agent:
    return Agent(
        name, signature=kw.pop("sig", "question -> answer"), model=ScriptedModel(respond=fn, **kw)
    )


def user_text(messages: list[dict[str, str]]) -> str:
    """The text of the last user message (inputs and notes)."""
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


class ProbeModel:
    """Streams ``text`` word by word with ``delay`` between words; records when it stopped."""

    def __init__(self, text: str, delay: float = 0.0, *, cost: float = 0.0) -> None:
        self.name = "probe"
        self.text = text
        self.delay = delay
        self.cost = cost
        self.yielded_at: list[float] = []
        self.closed_at: float | None = None
        self.closed = anyio.Event()
        self.streaming = anyio.Event()
        self.calls = 0

    async def stream(self, messages: list[dict[str, str]], meter: UsageMeter) -> AsyncIterator[str]:
        self.calls += 1
        sent = 0
        try:
            for token in _TOKEN.findall(self.text):
                if sent:
                    await anyio.sleep(self.delay)
                self.yielded_at.append(time.perf_counter())
                sent += 1
                self.streaming.set()
                yield token
        finally:
            self.closed_at = time.perf_counter()
            self.closed.set()
            meter.add(10, sent, self.cost)


class CrashModel:
    """Streams a few tokens, then raises on its first ``fails`` calls; answers ``answer`` after."""

    def __init__(self, fails: int, answer: str = "yes") -> None:
        self.name = "crash"
        self.fails = fails
        self.answer = answer
        self.calls = 0

    async def stream(self, messages: list[dict[str, str]], meter: UsageMeter) -> AsyncIterator[str]:
        self.calls += 1
        try:
            yield "thinking"
            await anyio.lowlevel.checkpoint()
            if self.calls <= self.fails:
                raise RuntimeError(f"model blew up on call {self.calls}")
            yield f" {self.answer}"
        finally:
            meter.add(1, 2, 0.0)


class Barrier:
    """``await barrier.wait()`` returns once ``parties`` callers are waiting at once."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.arrived = 0
        self.max_waiting = 0
        self._waiting = 0
        self._event = anyio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        self._waiting += 1
        self.max_waiting = max(self.max_waiting, self._waiting)
        if self._waiting >= self.parties:
            self._event.set()
        with anyio.fail_after(5):
            await self._event.wait()
        self._waiting -= 1
