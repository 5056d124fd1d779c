"""Memory providers: what an agent remembers between turns, and how it enters the prompt.

- :class:`MemoryProvider`: the protocol (async ``store_context`` and
  ``retrieve_context``; ``clear`` optional), and how recalled items enter
  the prompt (``_provider``); :class:`Memory`, the older sync protocol,
  still accepted.
- :class:`BufferMemory`: the last turns (``_buffer``).
- :class:`WindowMemory`: the recent turns that fit a token budget
  (``_window``; token counting in ``_tokens``).
- :class:`VectorMemory`: recall by cosine similarity (``_vector``), kept in
  SQLite (``_store``), with a litellm or function embedder (``_embed``).
  It loads numpy: it is imported on first use.

An agent's memory belongs to its compiled turn (``agents/_program.py``), in
the process that serves the agent: over NATS only a turn's inputs and
outputs travel, never the memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._buffer import BufferMemory
from ._provider import Memory, MemoryProvider
from ._window import WindowMemory

if TYPE_CHECKING:
    from ._vector import VectorMemory

__all__ = ["BufferMemory", "Memory", "MemoryProvider", "VectorMemory", "WindowMemory"]


def __getattr__(name: str) -> Any:
    if name == "VectorMemory":
        from ._vector import VectorMemory

        return VectorMemory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
