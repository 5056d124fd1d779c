"""``RunCall``: one team run, as the team system's middleware sees it.

A team's run (``team.run()``, ``team.stream()``) goes through the
middleware of the system its agents run in, as a ``RunCall`` message with
``ctx=None`` (a run is not an actor), so an audit log or a tracer wraps a
whole run the way it wraps a handler::

    async def timed(message, ctx, call_next):
        if isinstance(message, ka.coordination.RunCall):
            started = time.perf_counter()
            try:
                return await call_next(message, ctx)     # the TeamResult
            finally:
                print(message.run_id, time.perf_counter() - started)
        return await call_next(message, ctx)

What ``call_next`` raises (``RunError``, ``BudgetExceeded``...) is the run's
failure. Messages sent while it runs carry the headers a middleware sets
with :func:`~kaizen_actors.actors.carry_headers` around ``call_next``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actors._middleware import WrappedCall

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._result import TeamResult

__all__ = ["RunCall"]


class RunCall(WrappedCall):
    """One run of a team, passed to middleware as the message (with ``ctx=None``).

    Attributes:
        run_id: the run's id.
        team: the team's name (``ka.team(..., name=)``).
        pattern: the pattern's name (``"debate"``...).
        inputs: the run's inputs.

    Version added: 0.1

    """

    __slots__ = ("inputs", "pattern", "run_id", "team")

    def __init__(
        self,
        *,
        run_id: str,
        team: str,
        pattern: str,
        inputs: dict[str, Any],
        run: Callable[[], Awaitable[TeamResult]],
    ) -> None:
        self.run_id = run_id
        self.team = team
        self.pattern = pattern
        self.inputs = inputs
        super().__init__(run)

    def __repr__(self) -> str:
        return f"<RunCall {self.run_id} team={self.team!r} pattern={self.pattern!r}>"
