"""The model protocol shared by :class:`Model` (litellm) and :class:`ScriptedModel`.

A chat model streams the text of one reply for a list of chat messages
(``{"role": ..., "content": ...}`` dicts) and records what the call cost in a
:class:`UsageMeter`. Agents accept any object with this shape as ``model=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..events import Usage
from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["ChatModel", "UsageMeter", "resolve_model"]


class UsageMeter:
    """Mutable usage of one agent turn; models add to it as they stream.

    ``cost`` stays a number while every call's price is known and becomes
    ``None`` as soon as one call's price is unknown.
    """

    __slots__ = ("calls", "completion_tokens", "cost", "prompt_tokens")

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost: float | None = 0.0
        self.calls = 0

    def add(self, prompt: int, completion: int, cost: float | None) -> None:
        """Record one finished (or abandoned) model call."""
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.cost = None if cost is None or self.cost is None else self.cost + cost
        self.calls += 1

    def to_usage(self) -> Usage:
        """The immutable-by-convention :class:`~kaizen_actors.events.Usage`."""
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost=self.cost,
            calls=self.calls,
        )


@runtime_checkable
class ChatModel(Protocol):
    """What an agent needs from a model.

    ``stream`` is an async generator: it yields the reply's text in pieces and,
    when it ends (normally, on error or when closed after a cancel), adds the
    call's usage to ``meter``. Closing it (``aclose``) must stop the provider's
    stream.
    """

    name: str

    def stream(self, messages: list[dict[str, str]], meter: UsageMeter) -> AsyncIterator[str]:
        """Stream the reply to ``messages``."""
        ...


def resolve_model(model: Any, *, params: dict[str, Any] | None = None) -> ChatModel:
    """Turn an agent's ``model=`` argument into a :class:`ChatModel`.

    Args:
        model: a litellm model string (``"openai/gpt-4o-mini"``), a ``Model``,
            a ``ScriptedModel`` or any object with a ``stream`` method.
        params: extra litellm parameters for a model given as a string.

    Raises:
        ConfigError: when ``model`` is none of these (key ``"model"``).

    """
    if isinstance(model, str):
        if not model.strip():
            raise ConfigError("model: an empty model name", key="model")
        from ._litellm import Model

        return Model(model, **(params or {}))
    if callable(getattr(model, "stream", None)):
        return model
    raise ConfigError(
        f"model: expected a litellm model name, ka.Model or ka.ScriptedModel, got {model!r}",
        key="model",
    )
