"""``WindowMemory``: as many recent turns as fit a token budget."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from ...messages import ConfigError
from ._buffer import turn_messages
from ._provider import as_context
from ._tokens import TokenCounter

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["WindowMemory"]


class WindowMemory:
    """The most recent turns that keep the prompt within ``context_window`` tokens.

    Turns are put back into the prompt as :class:`BufferMemory` puts them
    (a user and an assistant message each). Before a turn, the newest turns
    are taken, newest first, while the prompt (the agent's system message,
    the turn's user message and the turns taken) stays within
    ``context_window`` tokens; older turns are left out, and dropped for
    good once they could not fit even alone. Tokens are counted with
    litellm's ``token_counter`` when ``model`` is a litellm model, else
    estimated (one token per 4 characters plus 4 per message: see
    :mod:`~kaizen_actors.agents.memory._tokens`). Safe to share between
    threads.

    Args:
        context_window: the prompt's budget, in tokens.
        model: the model whose tokenizer counts (a litellm model name or
            ``ka.Model``); ``None`` (or any other model) uses the estimate.
            ``create_agent`` passes the agent's model.

    Raises:
        ConfigError: when ``context_window`` is not a positive integer.

    Version added: 0.1

    """

    def __init__(self, context_window: int, *, model: Any = None) -> None:
        if not isinstance(context_window, int) or context_window < 1:
            raise ConfigError(
                f"context_window: a positive number of tokens, got {context_window!r}",
                key="context_window",
            )
        self.context_window = context_window
        self.counter = TokenCounter(model)
        self._turns: deque[tuple[tuple[dict[str, str], ...], int]] = deque()
        self._kept = 0
        self._count = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._turns)

    def __repr__(self) -> str:
        return f"WindowMemory(context_window={self.context_window})"

    async def store_context(self, context: Mapping[str, Any] | str) -> str:
        """Remember a turn (or any context); returns its number, counted from 1.

        Raises:
            ConfigError: when ``context`` has no text ``"content"``.

        """
        turn = turn_messages(as_context(context))
        tokens = await self.counter.count(turn)
        with self._lock:
            self._turns.append((turn, tokens))
            self._kept += tokens
            while self._kept > self.context_window and len(self._turns) > 1:
                self._kept -= self._turns.popleft()[1]
            self._count += 1
            return str(self._count)

    async def retrieve_context(
        self,
        query: str,
        k: int | None = None,
        *,
        prompt: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """The newest turns (at most ``k``) that fit beside ``prompt``, oldest first.

        Args:
            query: the turn's inputs as ``name: value`` lines (counted as the
                prompt when ``prompt`` is not given).
            k: at most this many turns (default: as many as fit).
            prompt: the turn's messages without recalled turns (an agent
                passes them).

        """
        fixed = prompt if prompt is not None else [{"role": "user", "content": query}]
        budget = self.context_window - await self.counter.count(fixed)
        with self._lock:
            turns = list(self._turns)
        taken: list[tuple[dict[str, str], ...]] = []
        for turn, tokens in reversed(turns):
            if (k is not None and len(taken) >= k) or tokens > budget:
                break
            budget -= tokens
            taken.append(turn)
        return [dict(item) for turn in reversed(taken) for item in turn]

    async def clear(self) -> None:
        """Forget every turn."""
        with self._lock:
            self._turns.clear()
            self._kept = 0
