"""``ScriptedModel``: the deterministic offline model.

It needs no network and never imports litellm. A reply streams as word-sized
tokens, each word with the whitespace before it (``"Hello big world"`` streams
``"Hello"``, ``" big"``, ``" world"``).

Usage is counted simply: a prompt token is a whitespace-separated word of the
messages' contents, a completion token is a streamed token (a tool call counts
one); cost is ``0.0``.

A reply may ask for tools: a :class:`~kaizen_actors.agents.ToolCall`, a dict
``{"tool": name, "arguments": {...}}`` (or ``{"name": ..., "arguments": ...}``), or
a list mixing them (calls run concurrently) with text. Script "call ``add``,
then answer with its result"::

    ScriptedModel([ka.ToolCall("add", {"a": 2, "b": 3}), "The sum is 5."])
"""

from __future__ import annotations

import inspect
import re
import threading
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from ...messages import ConfigError, ModelError
from ..tools import ToolCall

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
        replies: replies used in order, one per call: a text, a tool call
            (``ToolCall`` or ``{"tool": name, "arguments": {...}}``) or a
            list of them.
        respond: a function of the chat messages (a list of ``{"role",
            "content"}`` dicts, with ``tool_calls`` / ``role: tool``
            messages in a tool loop) returning a reply as above (or an
            awaitable of it); use it instead of ``replies``.
        token_delay: seconds to sleep before each streamed token after the first.
        name: the model name reported in errors.

    With neither ``replies`` nor ``respond``, every reply is ``"ok"``.

    Raises:
        ScriptExhausted: (from a call) when all ``replies`` were used.
        ModelError: (from a call) when a reply asks for a tool but the agent
            offers none.

    Attributes:
        calls: the messages of every call, in order.
        offered_tools: the ``tools`` offered to every call (``None`` when none).

    Version added: 0.1

    """

    def __init__(
        self,
        replies: Iterable[Any] | None = None,
        *,
        respond: Callable[[list[dict[str, str]]], Any] | None = None,
        token_delay: float = 0.0,
        name: str = "scripted",
    ) -> None:
        if replies is not None and respond is not None:
            raise ConfigError("ScriptedModel takes replies or respond, not both", key="respond")
        self.name = name
        self.replies = None if replies is None else list(replies)
        self.respond = respond
        self.token_delay = float(token_delay)
        self.calls: list[list[dict[str, Any]]] = []
        self.offered_tools: list[list[dict[str, Any]] | None] = []
        self._next = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ScriptedModel(name={self.name!r}, calls={len(self.calls)})"

    async def reply(self, messages: list[dict[str, Any]]) -> Any:
        """The scripted reply for ``messages`` (what :meth:`stream` streams).

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
        return text

    async def stream(
        self,
        messages: list[dict[str, Any]],
        meter: UsageMeter,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[Any]:
        """Stream the reply as word-sized tokens (and its tool calls); add its usage to ``meter``.

        Raises:
            ScriptExhausted: when all ``replies`` were used.
            ModelError: when the reply asks for a tool but ``tools`` is empty.

        """
        self.offered_tools.append(tools)
        items = _reply_items(await self.reply(messages))
        if not tools and any(isinstance(i, ToolCall) for i in items):
            raise ModelError(
                f"ScriptedModel {self.name!r}: reply {len(self.calls)} is a tool call, "
                "but the agent offers no tools",
                model=self.name,
            )
        prompt = sum(len(str(m.get("content") or "").split()) for m in messages)
        sent = 0
        delay = self.token_delay
        try:
            for item in items:
                tokens = [item] if isinstance(item, ToolCall) else _TOKEN.findall(item)
                for token in tokens:
                    if delay and sent:
                        await anyio.sleep(delay)
                    elif sent % _CHECKPOINT_EVERY == _CHECKPOINT_EVERY - 1:
                        await anyio.lowlevel.checkpoint()
                    sent += 1
                    yield token
        finally:
            meter.add(prompt, sent, 0.0)


def _reply_items(reply: Any) -> list[str | ToolCall]:
    """A scripted reply as a list of texts and tool calls."""
    if isinstance(reply, (list, tuple)):
        return [item for part in reply for item in _reply_items(part)]
    if isinstance(reply, ToolCall):
        return [reply]
    if isinstance(reply, dict) and ("tool" in reply or {"name", "arguments"} <= reply.keys()):
        return [
            ToolCall(
                str(reply.get("tool", reply.get("name"))),
                dict(reply.get("arguments") or {}),
                id=str(reply.get("id") or ""),
            )
        ]
    return [reply if isinstance(reply, str) else str(reply)]
