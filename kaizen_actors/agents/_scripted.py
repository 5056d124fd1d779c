"""``ScriptedModel``: the deterministic offline model.

It needs no network and never imports litellm. A reply streams as word-sized
tokens, each word with the whitespace before it (``"Hello big world"`` streams
``"Hello"``, ``" big"``, ``" world"``).

Usage is counted simply: a prompt token is a whitespace-separated word of the
messages' contents, a completion token is a streamed token; cost is ``0.0``.
"""

from __future__ import annotations

import inspect
import re
import threading
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from ..messages import ModelError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable

    from ._model import UsageMeter

__all__ = ["ScriptExhausted", "ScriptedModel"]

_TOKEN = re.compile(r"\s*\S+|\s+")
_CHECKPOINT_EVERY = 64


class ScriptExhausted(ModelError):
    """A :class:`ScriptedModel` was called more often than it has replies.

    Version added: 0.1
    """


class ScriptedModel:
    """A deterministic offline chat model.

    Args:
        replies: reply texts used in order, one per call.
        respond: a function of the chat messages (a list of ``{"role",
            "content"}`` dicts) returning the reply text (or an awaitable of
            it); use it instead of ``replies``.
        token_delay: seconds to sleep before each streamed token after the first.
        name: the model name reported in errors.

    With neither ``replies`` nor ``respond``, every reply is ``"ok"``.

    Raises:
        ScriptExhausted: (from a call) when all ``replies`` were used.

    Version added: 0.1

    """

    def __init__(
        self,
        replies: Iterable[str] | None = None,
        *,
        respond: Callable[[list[dict[str, str]]], Any] | None = None,
        token_delay: float = 0.0,
        name: str = "scripted",
    ) -> None:
        if replies is not None and respond is not None:
            raise ValueError("ScriptedModel takes replies or respond, not both")
        self.name = name
        self.replies = None if replies is None else list(replies)
        self.respond = respond
        self.token_delay = float(token_delay)
        self.calls: list[list[dict[str, str]]] = []
        self._next = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ScriptedModel(name={self.name!r}, calls={len(self.calls)})"

    async def reply(self, messages: list[dict[str, str]]) -> str:
        """The full reply text for ``messages`` (what :meth:`stream` streams).

        Raises:
            ScriptExhausted: when all ``replies`` were used.

        """
        with self._lock:
            self.calls.append(messages)
            if self.replies is not None:
                if self._next >= len(self.replies):
                    raise ScriptExhausted(
                        f"ScriptedModel {self.name!r} has no reply left for call "
                        f"{self._next + 1} (it has {len(self.replies)})",
                        model=self.name,
                    )
                text = self.replies[self._next]
                self._next += 1
                return text
        if self.respond is None:
            return "ok"
        text = self.respond(messages)
        if inspect.isawaitable(text):
            text = await text
        return str(text)

    async def stream(self, messages: list[dict[str, str]], meter: UsageMeter) -> AsyncIterator[str]:
        """Stream the reply as word-sized tokens and add its usage to ``meter``.

        Raises:
            ScriptExhausted: when all ``replies`` were used.

        """
        text = await self.reply(messages)
        prompt = sum(len(str(m.get("content", "")).split()) for m in messages)
        sent = 0
        delay = self.token_delay
        try:
            for token in _TOKEN.findall(text):
                if delay and sent:
                    await anyio.sleep(delay)
                elif sent % _CHECKPOINT_EVERY == _CHECKPOINT_EVERY - 1:
                    await anyio.lowlevel.checkpoint()
                sent += 1
                yield token
        finally:
            meter.add(prompt, sent, 0.0)
