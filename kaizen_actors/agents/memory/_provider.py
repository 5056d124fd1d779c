"""What an agent needs from a memory, and how what it recalls enters the prompt.

A :class:`MemoryProvider` stores each finished turn (``store_context``) and,
before the next, is asked for context for the turn's inputs
(``retrieve_context``). What it returns is one list of dicts, each with at
least ``"content"``; where an item goes in the prompt depends on one key:

- an item with a ``"role"`` (``"user"``/``"assistant"``) is a remembered chat
  message: these go, oldest first, between the system message and the
  turn's user message (what :class:`BufferMemory` and :class:`WindowMemory`
  return);
- an item without one is a memory: they are listed, in the order given
  (most relevant first), under ``Relevant memories:`` at the end of the
  turn's user message, before the coordination layer's notes (what
  :class:`VectorMemory` returns, with ``"score"``, ``"id"`` and
  ``"metadata"``).

A provider whose ``retrieve_context`` takes a ``prompt`` keyword is also
given the turn's messages without any recalled context (the system message
and the user message), so it can budget the whole prompt
(:class:`WindowMemory` does).

The older sync protocol, :class:`Memory` (``messages()`` and ``add(inputs,
outputs)``), is still accepted: such an object is adapted (its messages are
the chat items, ``add`` stores the turn).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ...messages import ConfigError
from ..signatures._prompt import build_messages, format_inputs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "Memory",
    "MemoryProvider",
    "as_context",
    "as_provider",
    "recall",
    "resolve_memory",
    "takes_prompt",
    "turn_context",
]


@runtime_checkable
class MemoryProvider(Protocol):
    """What an agent needs from a memory: store a turn, retrieve context for the next.

    Both methods are async. ``clear()`` (forget everything) is optional.
    ``retrieve_context`` may take a keyword ``prompt`` (see the module
    docstring).

    Version added: 0.1
    """

    async def store_context(self, context: Mapping[str, Any]) -> str:
        """Remember ``context`` and return its id.

        ``context`` has ``"content"`` (the text to remember); an agent's turn
        also has ``"inputs"`` and ``"outputs"`` (JSON-compatible) and its
        content is the inputs then the outputs as ``name: value`` lines.
        """
        ...

    async def retrieve_context(self, query: str, k: int | None = None) -> list[dict[str, Any]]:
        """Context for ``query`` (a turn's inputs as ``name: value`` lines), at most ``k`` items.

        Each item has ``"content"``; ``"role"`` makes it a chat message,
        and it may have ``"score"``, ``"id"`` and ``"metadata"``. ``k=None``
        is the provider's default.
        """
        ...


@runtime_checkable
class Memory(Protocol):
    """The sync conversation protocol (still accepted; adapted to :class:`MemoryProvider`).

    Version added: 0.1
    """

    def messages(self) -> list[dict[str, str]]:
        """Chat messages of the remembered turns, oldest first."""
        ...

    def add(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Remember one finished turn (JSON-compatible inputs and outputs)."""
        ...


def as_context(context: Mapping[str, Any] | str) -> dict[str, Any]:
    """``context`` as a dict with a text ``"content"``.

    A string is the content alone; a dict without ``"content"`` but with
    ``"inputs"`` and ``"outputs"`` dicts gets the text of that turn
    (:func:`turn_context`).

    Raises:
        ConfigError: when there is no text ``"content"`` (key ``"context"``).

    """
    if isinstance(context, str):
        return {"content": context}
    if isinstance(context, Mapping):
        if isinstance(context.get("content"), str):
            return dict(context)
        inputs, outputs = context.get("inputs"), context.get("outputs")
        if "content" not in context and isinstance(inputs, dict) and isinstance(outputs, dict):
            return {**context, **turn_context(inputs, outputs)}
    raise ConfigError(
        f"context: store a string, a dict with a text 'content', or a turn's 'inputs' and "
        f"'outputs', got {context!r}",
        key="context",
    )


def turn_context(inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    """What an agent stores after a turn: its text (inputs then outputs), inputs and outputs."""
    content = f"{format_inputs(inputs)}\n{format_inputs(outputs)}".strip()
    return {"content": content, "inputs": inputs, "outputs": outputs}


class _Conversation:
    """A :class:`Memory` (``messages``/``add``) seen as a :class:`MemoryProvider`."""

    __slots__ = ("memory",)

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    async def store_context(self, context: Mapping[str, Any]) -> str:
        ctx = as_context(context)
        self.memory.add(ctx.get("inputs", {"content": ctx["content"]}), ctx.get("outputs", {}))
        return ""

    async def retrieve_context(self, query: str, k: int | None = None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = list(self.memory.messages())
        return messages if k is None else messages[-2 * k :]


def resolve_memory(memory: Any) -> MemoryProvider | Memory | None:
    """Check an agent's ``memory=`` argument; ``True`` and window sizes become a BufferMemory.

    ``None``/``False``: no memory; ``True``: a :class:`BufferMemory`; an int:
    a :class:`BufferMemory` with that window; a :class:`MemoryProvider` or a
    :class:`Memory`: itself.

    Raises:
        ConfigError: for anything else (key ``"memory"``).

    """
    from ._buffer import BufferMemory

    if memory is None or memory is False:
        return None
    if memory is True:
        return BufferMemory()
    if isinstance(memory, int):
        return BufferMemory(window=memory)
    if isinstance(memory, MemoryProvider | Memory):
        return memory
    raise ConfigError(
        f"memory: expected True, a window size or a memory provider (store_context and "
        f"retrieve_context), got {memory!r}",
        key="memory",
    )


def as_provider(memory: MemoryProvider | Memory | None) -> MemoryProvider | None:
    """The provider an agent's turns use (an old-style :class:`Memory` adapted)."""
    if memory is None or isinstance(memory, MemoryProvider):
        return memory
    return _Conversation(memory)


def takes_prompt(provider: MemoryProvider | None) -> bool:
    """Whether ``provider.retrieve_context`` takes a ``prompt`` keyword."""
    if provider is None:
        return False
    try:
        params = inspect.signature(provider.retrieve_context).parameters
    except (TypeError, ValueError):
        return False
    return "prompt" in params


def _check_items(provider: MemoryProvider, items: Any) -> list[dict[str, Any]]:
    if isinstance(items, list) and all(
        isinstance(item, dict) and isinstance(item.get("content"), str) for item in items
    ):
        return items
    raise ConfigError(
        f"memory: {type(provider).__name__}.retrieve_context must return a list of dicts "
        f"each with a text 'content', got {items!r}",
        key="memory",
    )


def _memory_note(contents: Iterable[str]) -> str:
    lines = ["Relevant memories:"]
    lines += ["- " + text.replace("\n", "\n  ") for text in contents]
    return "\n".join(lines)


async def recall(
    provider: MemoryProvider,
    system: str,
    inputs: dict[str, Any],
    notes: tuple[str, ...],
    *,
    with_prompt: bool,
) -> list[dict[str, Any]]:
    """The messages of a turn with the context ``provider`` recalls for its inputs.

    Args:
        provider: the agent's memory.
        system: the signature's system message.
        inputs: the turn's inputs, JSON-compatible.
        notes: the turn's notes from the coordination layer.
        with_prompt: pass the turn's messages as ``prompt=`` (see :func:`takes_prompt`).

    Raises:
        ConfigError: when the provider returns something else than a list
            of dicts with a text ``"content"`` (key ``"memory"``).

    """
    query = format_inputs(inputs)
    if with_prompt:
        prompt = build_messages(system, inputs, notes=notes)
        found = await provider.retrieve_context(query, prompt=prompt)  # type: ignore[call-arg]
    else:
        found = await provider.retrieve_context(query)
    items = _check_items(provider, found)
    history = [{"role": i["role"], "content": i["content"]} for i in items if "role" in i]
    memories = [i["content"] for i in items if "role" not in i]
    if memories:
        notes = (_memory_note(memories), *notes)
    return build_messages(system, inputs, history=history, notes=notes)
