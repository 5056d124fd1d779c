"""Conversation memory: earlier turns put back into the prompt.

``memory=True`` on an agent gives it a :class:`BufferMemory` with the default
window. Any object with ``messages()`` and ``add(inputs, outputs)`` works.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any, Protocol, runtime_checkable

from ..messages import ConfigError

__all__ = ["BufferMemory", "Memory", "resolve_memory"]


@runtime_checkable
class Memory(Protocol):
    """What an agent needs from a memory."""

    def messages(self) -> list[dict[str, str]]:
        """Chat messages of the remembered turns, oldest first."""
        ...

    def add(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Remember one finished turn (JSON-compatible inputs and outputs)."""
        ...


class BufferMemory:
    """The last ``window`` turns, each as a user message and an assistant message.

    The user message lists the turn's inputs (``name: value`` lines) and the
    assistant message is the outputs as a JSON object (a single text output
    as plain text). Safe to share between
    threads.

    Args:
        window: how many turns to keep; older ones are forgotten.

    Raises:
        ValueError: when ``window`` is less than 1.

    Version added: 0.1

    """

    def __init__(self, window: int = 10) -> None:
        if window < 1:
            raise ConfigError(f"BufferMemory window must be at least 1, got {window}", key="window")
        self.window = window
        self._turns: deque[tuple[dict[str, str], dict[str, str]]] = deque(maxlen=window)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._turns)

    def add(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Remember one finished turn, formatted once as its two chat messages."""
        from .signatures._prompt import format_inputs

        if len(outputs) == 1 and isinstance(next(iter(outputs.values())), str):
            reply = next(iter(outputs.values()))
        else:
            reply = json.dumps(outputs, ensure_ascii=False, default=str)
        turn = (
            {"role": "user", "content": format_inputs(inputs)},
            {"role": "assistant", "content": reply},
        )
        with self._lock:
            self._turns.append(turn)

    def clear(self) -> None:
        """Forget every turn."""
        with self._lock:
            self._turns.clear()

    def messages(self) -> list[dict[str, str]]:
        """The remembered turns as chat messages, oldest first (copies: callers may edit them)."""
        with self._lock:
            return [dict(message) for turn in self._turns for message in turn]


def resolve_memory(memory: Any) -> Memory | None:
    """Turn an agent's ``memory=`` argument into a memory (or ``None``).

    ``None``/``False``: no memory; ``True``: a :class:`BufferMemory`; an int:
    a :class:`BufferMemory` with that window; else the object itself.

    Raises:
        ConfigError: when the object has no ``messages``/``add`` (key ``"memory"``).

    """
    if memory is None or memory is False:
        return None
    if memory is True:
        return BufferMemory()
    if isinstance(memory, int):
        return BufferMemory(window=memory)
    if isinstance(memory, Memory):
        return memory
    raise ConfigError(
        f"memory: expected True, a window size or a memory object, got {memory!r}", key="memory"
    )
