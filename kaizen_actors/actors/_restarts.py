"""What a supervisor does when a child fails or exits: its strategy, intensity and backoff.

Runs in the supervising cell's drain task, which handles these system
messages before its own mail, as OTP supervisors do: a temporary child (or a
transient one that exited normally) is stopped; otherwise the restart is
counted in the intensity window, and past ``max_restarts`` the supervisor
stops its children and fails to its parent; else the strategy's group of
children is terminated, the backoff waited out, and the group restarted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from ..messages import RestartIntensityExceeded, error_type_name
from ._signals import Escalated, Restarted
from ._strategy import Intensity

if TYPE_CHECKING:
    from ._cell import ActorCell
    from ._strategy import Strategy

__all__ = ["child_ended"]

logger = logging.getLogger("kaizen_actors")


async def child_ended(
    parent: ActorCell, kind: str, child: ActorCell, exc: BaseException | None
) -> None:
    """Apply ``parent``'s strategy to a child that failed (``kind="failed"``) or exited."""
    if child not in parent.children or child._stopping:
        return
    if child.restart == "temporary" or (kind == "exited" and child.restart == "transient"):
        reason = "crashed (temporary child)" if kind == "failed" else "stopped itself"
        await child.stop(reason)
        return
    strategy = parent.strategy
    if parent._intensity is None:
        parent._intensity = Intensity()
    count = parent._intensity.add(anyio.current_time(), strategy)
    if count > strategy.max_restarts:
        await _give_up(parent, child, exc, strategy)
        return
    group = strategy.affected(parent.children, child)
    for cell in reversed(group):
        await cell._terminate()
    delay = strategy.backoff.delay(count)
    if delay > 0:
        await anyio.sleep(delay)
    error_type = error_type_name(exc) if exc is not None else "exit"
    error = str(exc) if exc is not None else "stopped itself"
    for cell in group:
        if cell.restart == "temporary" and cell is not child:
            await cell.stop("sibling failed (temporary child)")
        elif not cell._stopping:
            await cell._restart()
            parent.system.supervision.emit(
                Restarted(
                    actor=cell.name,
                    supervisor=parent.name,
                    restarts=cell.restarts,
                    cause=child.name,
                    error_type=error_type,
                    error=error,
                )
            )


async def _give_up(
    parent: ActorCell, child: ActorCell, exc: BaseException | None, strategy: Strategy
) -> None:
    cause = f"{error_type_name(exc)}: {exc}" if exc is not None else "a normal exit"
    error = RestartIntensityExceeded(
        f"supervisor {parent.name!r} gave up: more than {strategy.max_restarts} restarts within "
        f"{strategy.within:g} s; the last was {child.name!r} after {cause}"
    )
    logger.error("%s", error)
    parent.system.supervision.emit(Escalated(supervisor=parent.name, error=str(error)))
    for cell in reversed(parent.children):
        await cell.stop("its supervisor gave up")
    parent._fail(error)
