"""``Budget``: limits on what one team run may spend, and the meter that enforces them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..messages import BudgetExceeded, ConfigError

if TYPE_CHECKING:
    from ..events import Usage

__all__ = ["Budget", "BudgetMeter"]


@dataclass(frozen=True)
class Budget:
    """Limits on one team run; ``None`` means no limit.

    The run stops as soon as a limit is crossed: it ends with
    ``RunFailed(reason="budget")`` and ``team.run()`` raises
    ``ka.BudgetExceeded`` holding the partial transcript.

    How each limit is checked:

    - ``max_tokens``: after every turn (prompt plus completion tokens), and
      while tokens stream: each streamed ``Token`` counts as one completion
      token of the turn in flight, so a long reply is stopped mid-stream.
    - ``max_cost``: after every turn, in US dollars. Turns whose provider
      price is unknown (cost ``None``) count as free.
    - ``max_calls``: model calls. A turn is not started when the finished
      calls plus the turns in flight already reach the limit (it would cross
      it), and the limit is checked again after every turn (an agent may
      retry an invalid reply, which is another call).
    - ``max_seconds``: a deadline on the whole run, from ``RunStarted``.

    Args:
        max_tokens: total tokens (prompt and completion) of the run.
        max_cost: total cost in US dollars.
        max_seconds: wall time of the run.
        max_calls: model calls of the run.

    Raises:
        ConfigError: when a limit is negative or not a number.

    Version added: 0.1

    """

    max_tokens: int | None = None
    max_cost: float | None = None
    max_seconds: float | None = None
    max_calls: int | None = None

    def __post_init__(self) -> None:
        for key in ("max_tokens", "max_cost", "max_seconds", "max_calls"):
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise ConfigError(f"Budget {key} must be a number, got {value!r}", key=key)
            if value < 0:
                raise ConfigError(f"Budget {key} must be >= 0, got {value!r}", key=key)


class BudgetMeter:
    """Running totals of one run, checked against its :class:`Budget` (internal)."""

    __slots__ = ("budget", "calls", "cost", "in_flight", "streamed", "tokens")

    def __init__(self, budget: Budget | None) -> None:
        self.budget = budget
        self.tokens = 0
        self.cost = 0.0
        self.calls = 0
        self.in_flight = 0
        self.streamed = 0

    @property
    def counts_tokens(self) -> bool:
        """Whether streamed tokens must be counted (there is a ``max_tokens``)."""
        return self.budget is not None and self.budget.max_tokens is not None

    def admit(self) -> BudgetExceeded | None:
        """Reserve a turn; the error when starting it would cross ``max_calls``."""
        budget = self.budget
        limit = budget.max_calls if budget is not None else None
        if limit is not None and self.calls + self.in_flight >= limit:
            return BudgetExceeded(
                f"budget: max_calls={limit} reached ({self.calls} calls made, "
                f"{self.in_flight} in flight); raise Budget(max_calls=) to let the run go on",
                limit="calls",
            )
        self.in_flight += 1
        return None

    def streamed_token(self) -> BudgetExceeded | None:
        """Count a streamed token; the error when it crosses ``max_tokens``."""
        self.streamed += 1
        budget = self.budget
        limit = budget.max_tokens if budget is not None else None
        if limit is not None and self.tokens + self.streamed > limit:
            return self._tokens_error(self.tokens + self.streamed)
        return None

    def finished(self, usage: Usage, streamed: int) -> BudgetExceeded | None:
        """Account a finished (or failed) turn; the error when a limit is now crossed."""
        self.in_flight -= 1
        self.streamed -= streamed
        self.tokens += usage.total_tokens
        self.calls += usage.calls
        if usage.cost is not None:
            self.cost += usage.cost
        return self.check()

    def check(self) -> BudgetExceeded | None:
        """The error for the first limit crossed by the finished turns, if any."""
        budget = self.budget
        if budget is None:
            return None
        if budget.max_tokens is not None and self.tokens > budget.max_tokens:
            return self._tokens_error(self.tokens)
        if budget.max_cost is not None and self.cost > budget.max_cost:
            return BudgetExceeded(
                f"budget: max_cost=${budget.max_cost:g} crossed (${self.cost:.6g} spent)",
                limit="cost",
            )
        if budget.max_calls is not None and self.calls > budget.max_calls:
            return BudgetExceeded(
                f"budget: max_calls={budget.max_calls} crossed ({self.calls} calls made; "
                "agents retrying invalid replies make extra calls)",
                limit="calls",
            )
        return None

    def _tokens_error(self, tokens: int) -> BudgetExceeded:
        assert self.budget is not None
        return BudgetExceeded(
            f"budget: max_tokens={self.budget.max_tokens} crossed ({tokens} tokens so far)",
            limit="tokens",
        )

    def seconds_error(self) -> BudgetExceeded:
        """The error for a run that hit ``max_seconds``."""
        assert self.budget is not None
        return BudgetExceeded(
            f"budget: max_seconds={self.budget.max_seconds:g} reached; the run was stopped",
            limit="seconds",
        )
