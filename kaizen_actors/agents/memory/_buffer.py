"""``BufferMemory``: the last turns, as chat messages."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from ...messages import ConfigError
from ..signatures._prompt import format_inputs, reply_text
from ._provider import as_context

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BufferMemory", "turn_messages"]


def turn_messages(context: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """A stored context as prompt items.

    A turn (``"inputs"`` and ``"outputs"``) is a user message listing the
    inputs (``name: value`` lines) and an assistant message with the outputs
    as a JSON object (a single text output as plain text). Anything else is
    one item: its content, with its ``"role"`` when it has one.
    """
    inputs, outputs = context.get("inputs"), context.get("outputs")
    if isinstance(inputs, dict) and isinstance(outputs, dict):
        return (
            {"role": "user", "content": format_inputs(inputs)},
            {"role": "assistant", "content": reply_text(outputs)},
        )
    role = context.get("role")
    item = (
        {"role": role, "content": context["content"]} if role else {"content": context["content"]}
    )
    return (item,)


class BufferMemory:
    """The last ``window`` turns, put back into the prompt as chat messages.

    Each turn is a user message listing its inputs (``name: value`` lines)
    and an assistant message with its outputs as a JSON object (a single
    text output as plain text). A context stored by hand without inputs and
    outputs counts as a turn and is recalled as a memory (or as a chat
    message when it has a ``"role"``). Safe to share between threads.

    Args:
        window: how many turns to keep; older ones are forgotten.

    Raises:
        ConfigError: when ``window`` is less than 1.

    Version added: 0.1

    """

    def __init__(self, window: int = 10) -> None:
        if not isinstance(window, int) or window < 1:
            raise ConfigError(
                f"BufferMemory window must be an integer >= 1, got {window!r}", key="window"
            )
        self.window = window
        self._turns: deque[tuple[dict[str, str], ...]] = deque(maxlen=window)
        self._lock = threading.Lock()
        self._count = 0

    def __len__(self) -> int:
        return len(self._turns)

    def __repr__(self) -> str:
        return f"BufferMemory(window={self.window})"

    async def store_context(self, context: Mapping[str, Any] | str) -> str:
        """Remember a turn (or any context); returns its number, counted from 1.

        Raises:
            ConfigError: when ``context`` has no text ``"content"``.

        """
        return self._keep(turn_messages(as_context(context)))

    async def retrieve_context(self, query: str, k: int | None = None) -> list[dict[str, Any]]:
        """The last ``k`` turns (default: all kept), oldest first; ``query`` is not used."""
        with self._lock:
            turns = list(self._turns)
        if k is not None:
            turns = turns[-k:] if k > 0 else []
        return [dict(item) for turn in turns for item in turn]

    def add(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Remember one finished turn (the sync form of :meth:`store_context`)."""
        self._keep(turn_messages({"inputs": inputs, "outputs": outputs}))

    def messages(self) -> list[dict[str, str]]:
        """The remembered chat messages, oldest first (copies: callers may edit them)."""
        with self._lock:
            return [dict(item) for turn in self._turns for item in turn if "role" in item]

    async def clear(self) -> None:
        """Forget every turn."""
        with self._lock:
            self._turns.clear()

    def _keep(self, turn: tuple[dict[str, str], ...]) -> str:
        with self._lock:
            self._turns.append(turn)
            self._count += 1
            return str(self._count)
