"""Counting the tokens of chat messages: litellm's counter, or an estimate.

For a litellm model (a model name, or a ``ka.Model``) the count is
``litellm.token_counter(model=..., messages=...)``; litellm is imported in a
worker thread on first use and each count runs in one (tokenizers load
lazily and take milliseconds). For any other model the count is an
estimate, computed on the spot: per message, one token per 4 characters of
its content (rounded up) plus 4 for the message's framing. Counting a
prompt in parts adds each part's framing, so the sum of the parts is never
less than the count of the whole.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["TokenCounter", "estimate_tokens"]

MESSAGE_OVERHEAD = 4
"""Tokens counted for a message's framing (role, separators) by the estimate."""


def estimate_tokens(messages: Sequence[dict[str, Any]]) -> int:
    """The estimate: per message, ``ceil(len(content) / 4) + 4``."""
    return sum(-(-len(str(m.get("content") or "")) // 4) + MESSAGE_OVERHEAD for m in messages)


def _litellm_name(model: Any) -> str | None:
    from ..models._litellm import Model

    if isinstance(model, str):
        return model
    if isinstance(model, Model):
        return model.name
    return None


class TokenCounter:
    """Counts messages' tokens for ``model`` (litellm's counter for a litellm model).

    Args:
        model: a litellm model name or ``ka.Model``; anything else (``None``,
            ``ScriptedModel``) uses :func:`estimate_tokens`.

    """

    __slots__ = ("litellm_model",)

    def __init__(self, model: Any = None) -> None:
        self.litellm_model = _litellm_name(model)

    async def count(self, messages: Sequence[dict[str, Any]]) -> int:
        """The tokens of ``messages``."""
        if self.litellm_model is None:
            return estimate_tokens(messages)
        from ..models._litellm import load_litellm

        litellm = await load_litellm()
        count = partial(litellm.token_counter, model=self.litellm_model, messages=list(messages))
        tokens: int = await anyio.to_thread.run_sync(count)
        return tokens
