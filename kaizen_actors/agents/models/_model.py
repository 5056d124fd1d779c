"""The model protocol shared by :class:`Model` (litellm) and :class:`ScriptedModel`.

A chat model streams the text of one reply for a list of chat messages
(``{"role": ..., "content": ...}`` dicts) and records what the call cost in a
:class:`UsageMeter`. Agents accept any object with this shape as ``model=``.

Tools: an agent with tools calls ``stream(messages, meter, tools=[...])``
with OpenAI-style tool definitions (``{"type": "function", "function":
{"name", "description", "parameters"}}``); the model then yields, besides
text, complete :class:`~kaizen_actors.agents.ToolCall` objects for the calls
it asks for. Later messages of the turn include the assistant's
``tool_calls`` and ``role: tool`` results (OpenAI's shapes). A model whose
``stream`` takes no ``tools`` works for agents without tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ...events import Usage, add_costs
from ...messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["ChatModel", "UsageMeter", "accepts_tools", "resolve_model"]


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
        self.cost = add_costs(self.cost, cost)
        self.calls += 1

    def mark(self) -> tuple[int, int, float | None]:
        """Where the meter stands now, for :meth:`since`."""
        return self.prompt_tokens, self.completion_tokens, self.cost

    def since(self, mark: tuple[int, int, float | None]) -> Usage:
        """The usage of the one call made since ``mark``."""
        prompt, completion, cost = mark
        spent = None if self.cost is None or cost is None else self.cost - cost
        return Usage(
            prompt_tokens=self.prompt_tokens - prompt,
            completion_tokens=self.completion_tokens - completion,
            cost=spent,
            calls=1,
        )

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

    ``stream`` is an async generator: it yields the reply's text in pieces
    (and, when offered ``tools``, :class:`~kaizen_actors.agents.ToolCall`
    objects) and, when it ends (normally, on error or when closed after a
    cancel), adds the call's usage to ``meter``. Closing it (``aclose``) must
    stop the provider's stream. Taking ``tools`` is optional (see the module
    docstring).
    """

    name: str

    def stream(self, messages: list[dict[str, Any]], meter: UsageMeter) -> AsyncIterator[Any]:
        """Stream the reply to ``messages``."""
        ...


def accepts_tools(model: Any) -> bool:
    """Whether ``model.stream`` takes a ``tools`` keyword."""
    import inspect

    try:
        params = inspect.signature(model.stream).parameters
    except (TypeError, ValueError):
        return True
    return "tools" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


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
        chat: ChatModel = model
        return chat
    raise ConfigError(
        f"model: expected a litellm model name, ka.Model or ka.ScriptedModel, got {model!r}",
        key="model",
    )
