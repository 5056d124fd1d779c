"""Rate limits per model: one token bucket per model name, shared by every agent of a system.

``ActorSystem(rate_limits={"openai/gpt-4o-mini": ka.RateLimit(requests_per_minute=500)})``
puts a :class:`RateLimiter` outermost in the system's middleware. Before each
model call (a ``ka.agents.ModelCall``) of a limited model it waits for a
permit (cancellable: it is an ``anyio.sleep``, and a run's time budget is wall
time, so the wait counts in it); a call never fails for its permit.

Two buckets per model: requests (``burst`` at once, refilled at
``requests_per_minute``) and tokens (``burst`` seconds' worth at once,
refilled at ``tokens_per_minute``). A call's tokens are not known before it
runs: it reserves an estimate (a token per 4 characters of its messages, plus
4 a message) and settles with the real usage afterwards, so the tokens bucket
may go into debt, and the next call waits until it is paid off. In any minute
the calls then use at most ``tokens_per_minute`` plus ``burst`` seconds'
worth, plus the last call's own tokens.

A provider's own 429 (``ModelRateLimited``, after the model's own retries)
pauses the model's limiter (for the provider's ``retry_after`` when the error
has one, else one request interval, at least a second) and halves its rates for a minute; the
error is raised as before.

Where the buckets live (:mod:`._limit_stores`): in the process for a
system on the in-process transport; for a system on NATS, in a JetStream
key-value bucket of the namespace (``KAIZEN_LIMITS_<namespace>``), updated
with compare-and-set, so every system of the namespace draws on the same
permits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ..agents import ModelCall
from ..messages import ConfigError, ModelRateLimited

if TYPE_CHECKING:
    from ..actors import ActorContext, ActorSystem
    from ..actors._middleware import CallNext
    from ._limit_stores import LimitStore

__all__ = ["Bucket", "RateLimit", "RateLimiter", "check_rate_limits", "estimate_tokens"]

SLOW_SECONDS = 60.0
"""How long a provider's 429 halves a model's rates."""


class RateLimit(msgspec.Struct, frozen=True, kw_only=True):
    """The rate one model may be called at, by every agent of a system (or NATS namespace).

    ``ka.RateLimit(requests_per_minute=600, tokens_per_minute=None, burst=1)``.

    Attributes:
        requests_per_minute: calls a minute (``None``: no limit on calls).
        tokens_per_minute: prompt and completion tokens a minute (``None``: no
            limit on tokens).
        burst: calls that may start at once after a quiet spell (1: calls
            evenly spaced).

    Raises:
        ConfigError: for a limit that is not a positive number, a ``burst``
            below 1, or neither limit given.

    Version added: 0.1

    """

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst: int = 1

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ConfigError(
                    f"RateLimit: {name} must be a positive number (or None), got {value!r}",
                    key=name,
                )
        if self.requests_per_minute is None and self.tokens_per_minute is None:
            raise ConfigError(
                "RateLimit: give requests_per_minute=, tokens_per_minute= or both",
                key="rate_limits",
            )
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ConfigError(
                f"RateLimit: burst must be an integer >= 1, got {self.burst!r}", key="burst"
            )


class Bucket(msgspec.Struct, kw_only=True):
    """The state of one model's buckets at ``at`` (seconds, on the store's clock)."""

    requests: float
    tokens: float
    at: float
    paused_until: float = 0.0
    slow_until: float = 0.0

    @classmethod
    def full(cls, limit: RateLimit, now: float) -> Bucket:
        """A bucket with every permit available."""
        return cls(requests=float(limit.burst), tokens=_token_room(limit), at=now)

    def refill(self, limit: RateLimit, now: float) -> None:
        """Add what the time since ``at`` earned (half as fast while slowed)."""
        elapsed = max(0.0, now - self.at)
        factor = 0.5 if now < self.slow_until else 1.0
        if limit.requests_per_minute is not None:
            earned = elapsed * limit.requests_per_minute / 60 * factor
            self.requests = min(float(limit.burst), self.requests + earned)
        if limit.tokens_per_minute is not None:
            earned = elapsed * limit.tokens_per_minute / 60 * factor
            self.tokens = min(_token_room(limit), self.tokens + earned)
        self.at = now

    def take(self, limit: RateLimit, now: float, estimate: int) -> float:
        """Take a permit and return 0.0, or return the seconds to wait before asking again."""
        self.refill(limit, now)
        factor = 0.5 if now < self.slow_until else 1.0
        if now < self.paused_until:
            return self.paused_until - now
        rpm, tpm = limit.requests_per_minute, limit.tokens_per_minute
        if rpm is not None and self.requests < 1.0:
            return (1.0 - self.requests) / (rpm / 60 * factor)
        if tpm is not None and self.tokens < 0.0:
            return -self.tokens / (tpm / 60 * factor)
        self.requests -= 1.0
        self.tokens -= estimate
        return 0.0

    def settle(self, limit: RateLimit, now: float, extra_tokens: int) -> None:
        """Count the tokens a call used beyond (or below) its estimate."""
        self.refill(limit, now)
        if limit.tokens_per_minute is not None:
            self.tokens -= extra_tokens

    def slow(self, limit: RateLimit, now: float, retry_after: float | None) -> None:
        """After a provider's 429: pause, then run at half rate for :data:`SLOW_SECONDS`."""
        self.refill(limit, now)
        interval = 60 / limit.requests_per_minute if limit.requests_per_minute else 1.0
        pause = retry_after if retry_after is not None and retry_after > 0 else interval
        self.paused_until = max(self.paused_until, now + max(pause, 1.0))
        self.slow_until = now + SLOW_SECONDS


def _token_room(limit: RateLimit) -> float:
    """The tokens a model's bucket holds when full: ``burst`` seconds' worth."""
    return (limit.tokens_per_minute or 0.0) / 60 * limit.burst


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """A call's tokens before it runs: one per 4 characters of text, plus 4 a message."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return chars // 4 + 4 * len(messages)


def check_rate_limits(rate_limits: Any) -> dict[str, RateLimit]:
    """``rate_limits`` as a dict of model name to :class:`RateLimit`, after checking it.

    Raises:
        ConfigError: (``key="rate_limits"``) for something that is not a
            mapping of model names to ``ka.RateLimit``.

    """
    if not isinstance(rate_limits, Mapping):
        raise ConfigError(
            "rate_limits must map model names to ka.RateLimit(...), "
            f"got {type(rate_limits).__name__}",
            key="rate_limits",
        )
    for model, limit in rate_limits.items():
        if not isinstance(model, str) or not model:
            raise ConfigError(
                f"rate_limits: keys are model names (str), got {model!r}", key="rate_limits"
            )
        if not isinstance(limit, RateLimit):
            raise ConfigError(
                f"rate_limits[{model!r}] must be a ka.RateLimit(requests_per_minute=..., "
                f"tokens_per_minute=...), got {limit!r}",
                key="rate_limits",
            )
    return dict(rate_limits)


class RateLimiter:
    """The middleware of ``ActorSystem(rate_limits=)``: a permit before each limited model call.

    Attributes:
        limits: the limits, by model name.

    Version added: 0.1

    """

    def __init__(self, limits: Mapping[str, RateLimit]) -> None:
        self.limits = check_rate_limits(limits)
        self._store: LimitStore | None = None

    def store(self, system: ActorSystem) -> LimitStore:
        """Where this system's buckets are (made on first use, when the transport is started)."""
        if self._store is None:
            from ._limit_stores import store_for

            self._store = store_for(system)
        return self._store

    async def __call__(self, message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        """Wait for a permit before a limited model call; pass everything else on."""
        if not isinstance(message, ModelCall):
            return await call_next(message, ctx)
        limit = self.limits.get(message.model)
        if limit is None:
            return await call_next(message, ctx)
        store = self.store(ctx.system)
        estimate = estimate_tokens(message.messages)
        await _permit(store, message.model, limit, estimate)
        try:
            reply = await call_next(message, ctx)
        except ModelRateLimited as exc:
            await store.slow(message.model, limit, getattr(exc, "retry_after", None))
            raise
        if limit.tokens_per_minute is not None:
            await store.settle(message.model, limit, reply.usage.total_tokens - estimate)
        return reply


async def _permit(store: LimitStore, model: str, limit: RateLimit, estimate: int) -> None:
    """Wait until ``store`` gives a permit: the wait is computed, there is no event to wait on."""
    while True:
        wait = await store.take(model, limit, estimate)
        if wait <= 0:
            return
        await anyio.sleep(wait)
