"""``Model``: every real provider, through litellm, streamed.

litellm is imported on the first call of a ``Model`` (it takes seconds to
import), after ``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set so the import does
not fetch the price list from the network.

Retryable provider errors (rate limit, timeout, connection, 5xx) are retried
with exponential backoff and full jitter while no text has been streamed yet;
the rest raise a typed :class:`~kaizen_actors.ModelError` whose message is the
provider's, with API keys removed. Closing the stream (what a cancelled agent
does) closes the provider's HTTP stream.

Tools go to litellm as ``tools=[{"type": "function", "function": {...}}]``;
the streamed ``delta.tool_calls`` fragments (an ``index``, the ``id`` and
name in the first fragment, the arguments JSON in pieces) are put together by
:class:`ToolCallAssembler` and yielded as ``ToolCall`` objects when the
stream ends.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import TYPE_CHECKING, Any

import anyio

from ...messages import (
    ModelAuthError,
    ModelBadRequest,
    ModelConnectionError,
    ModelError,
    ModelRateLimited,
    ModelTimeout,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ._model import UsageMeter

__all__ = ["Model", "ToolCallAssembler", "load_litellm", "map_litellm_error"]

_litellm: Any = None


_CLOSE_TIMEOUT = 5.0
"""Seconds closing a provider's HTTP stream may take (it is shielded from cancellation)."""


def _import_litellm() -> Any:
    """Import litellm once, offline, quietly.

    Raises:
        ModelError: when litellm is not installed (with the install hint).

    """
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        try:
            import litellm
        except ImportError as exc:  # pragma: no cover - litellm is a dependency
            raise ModelError(
                "litellm is not installed: pip install litellm", model="litellm"
            ) from exc
        litellm.suppress_debug_info = True
        _litellm = litellm
    return _litellm


async def load_litellm() -> Any:
    """The litellm module; its first import (seconds) runs in a worker thread, off the loop.

    Raises:
        ModelError: when litellm is not installed (with the install hint).

    """
    return _litellm if _litellm is not None else await anyio.to_thread.run_sync(_import_litellm)


class Model:
    """A model served through litellm.

    Args:
        name: the litellm model name, e.g. ``"openai/gpt-4o-mini"``.
        retries: how many times a retryable error is retried.
        backoff: first backoff in seconds; doubles per retry, full jitter.
        max_backoff: cap of one backoff.
        **params: passed to ``litellm.acompletion`` (``temperature``,
            ``max_tokens``, ``api_base``, ``api_key``, ``mock_response``...).

    Raises:
        ModelError: (from a call) or one of its subclasses, carrying the
            provider's message without API keys.

    Version added: 0.1

    """

    def __init__(
        self,
        name: str,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        **params: Any,
    ) -> None:
        self.name = name
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.params = params

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.params.items() if "key" not in k.lower()}
        return f"Model({self.name!r}, {shown!r})" if shown else f"Model({self.name!r})"

    def _delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    async def stream(
        self,
        messages: list[dict[str, Any]],
        meter: UsageMeter,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[Any]:
        """Stream the reply to ``messages`` and add its usage to ``meter``.

        With ``tools``, the tool calls the model asks for are yielded (as
        ``ToolCall`` objects) after its text.

        Raises:
            ModelError: or a subclass when the provider fails.

        """
        litellm = await load_litellm()
        params = {"stream_options": {"include_usage": True}, **self.params}
        if tools:
            params["tools"] = tools
        attempt = 0
        while True:
            sent = 0
            usage: Any = None
            response: Any = None
            calls = ToolCallAssembler()
            try:
                response = await litellm.acompletion(
                    model=self.name, messages=messages, stream=True, **params
                )
                async for chunk in response:
                    if getattr(chunk, "usage", None):
                        usage = chunk.usage
                    choices = chunk.choices
                    if choices:
                        delta = choices[0].delta
                        text = delta.content
                        if text:
                            sent += 1
                            yield text
                        fragments = getattr(delta, "tool_calls", None)
                        if fragments:
                            calls.feed(fragments)
                for call in calls.calls():
                    sent += 1
                    yield call
                return
            except Exception as exc:
                if isinstance(exc, ModelError):
                    raise
                error = map_litellm_error(exc, self.name, self._secrets())
                if not (error.retryable and sent == 0 and attempt < self.retries):
                    # The original exception is not chained: its text and
                    # attributes may hold the API key.
                    raise error from None
            finally:
                if response is not None:
                    with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
                        await response.aclose()
                    self._record(litellm, meter, usage, sent)
            await anyio.sleep(self._delay(attempt))
            attempt += 1

    def _record(self, litellm: Any, meter: UsageMeter, usage: Any, sent: int) -> None:
        if usage is None:
            meter.add(0, sent, None)
            return
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cost: float | None
        try:
            p, c = litellm.cost_per_token(
                model=self.name, prompt_tokens=prompt, completion_tokens=completion
            )
            cost = float(p) + float(c)
        except Exception:
            cost = None
        meter.add(prompt, completion, cost)

    def _secrets(self) -> list[str]:
        found = [str(v) for k, v in self.params.items() if "key" in k.lower() and v]
        found += [
            v
            for k, v in os.environ.items()
            if len(v) >= 8 and any(w in k.upper() for w in ("KEY", "TOKEN", "SECRET"))
        ]
        return found


class ToolCallAssembler:
    """Puts streamed OpenAI-style ``tool_calls`` delta fragments together.

    Each fragment has an ``index`` (which call it belongs to); the first
    fragment of a call carries its ``id`` and ``function.name``, the
    arguments JSON arrives in ``function.arguments`` pieces. Fragments may
    be objects (litellm's ``ChatCompletionDeltaToolCall``) or dicts.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def feed(self, fragments: Any) -> None:
        """Add one chunk's ``delta.tool_calls``."""
        for fragment in fragments:
            index = _get(fragment, "index")
            if index is None:
                index = len(self._calls) if _get(fragment, "id") else max(self._calls, default=0)
            call = self._calls.setdefault(int(index), {"id": "", "name": "", "arguments": []})
            if _get(fragment, "id"):
                call["id"] = _get(fragment, "id")
            function = _get(fragment, "function")
            if function is not None:
                if _get(function, "name"):
                    call["name"] += _get(function, "name")
                if _get(function, "arguments"):
                    call["arguments"].append(_get(function, "arguments"))

    def calls(self) -> list[Any]:
        """The complete calls, in index order, as ``ToolCall`` objects.

        Arguments that are not a JSON object give a call with
        ``raw_arguments`` set (it fails, and the model sees why).
        """
        from ..tools import ToolCall

        result = []
        for _, call in sorted(self._calls.items()):
            text = "".join(call["arguments"])
            try:
                arguments = json.loads(text) if text.strip() else {}
            except ValueError:
                arguments = None
            if isinstance(arguments, dict):
                result.append(ToolCall(call["name"], arguments, id=call["id"]))
            else:
                result.append(ToolCall(call["name"], {}, id=call["id"], raw_arguments=text))
        return result


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


_KEY_PATTERN = re.compile(r"\b(sk|pk|rk|gsk|xai|key)-[A-Za-z0-9_\-]{6,}")


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return _KEY_PATTERN.sub(r"\1-***", text)


def map_litellm_error(exc: BaseException, model: str, secrets: list[str] = ()) -> ModelError:  # type: ignore[assignment]
    """Translate a litellm (openai-style) exception into a :class:`ModelError`.

    Args:
        exc: the exception litellm raised.
        model: the model name.
        secrets: strings to remove from the message (API keys).

    Returns:
        The typed error: ``ModelRateLimited``, ``ModelTimeout`` and
        ``ModelConnectionError`` are retryable; ``ModelAuthError``,
        ``ModelBadRequest`` and plain ``ModelError`` are not.

    """
    litellm = _litellm
    message = _scrub(str(exc).replace("litellm.", "").strip(), list(secrets))
    message = f"{model}: {message}" if message else f"{model}: {type(exc).__name__}"
    status = getattr(exc, "status_code", None)
    cls: type[ModelError] = ModelError
    if litellm is not None and isinstance(exc, litellm.Timeout):
        cls = ModelTimeout
    elif (litellm is not None and isinstance(exc, litellm.RateLimitError)) or status == 429:
        cls = ModelRateLimited
    elif (
        litellm is not None
        and isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError)
    ) or status in (401, 403):
        cls = ModelAuthError
    elif (
        litellm is not None
        and isinstance(
            exc, litellm.BadRequestError | litellm.NotFoundError | litellm.UnprocessableEntityError
        )
    ) or status in (400, 404, 413, 422):
        cls = ModelBadRequest
    elif (litellm is not None and isinstance(exc, litellm.APIConnectionError)) or (
        isinstance(status, int) and status >= 500
    ):
        cls = ModelConnectionError
    elif status == 408 or isinstance(exc, TimeoutError):
        cls = ModelTimeout
    return cls(message, model=model)
