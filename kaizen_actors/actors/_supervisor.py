"""``Supervisor``: an actor that starts children from specs and restarts them by a strategy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import ConfigError
from ._actor import Actor, ActorContext
from ._strategy import ChildSpec, OneForOne, Strategy

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Supervisor"]


class Supervisor(Actor):
    """Starts its children in order and restarts them as its strategy says.

    Spawn it like any actor::

        await system.spawn(
            lambda: ka.Supervisor(
                children=[ka.ChildSpec(Worker, name="worker")],
                strategy=ka.OneForAll(max_restarts=3, within=5),
            ),
            name="root",
        )

    Its children are addressable by their names in the system's namespace.
    Past the strategy's intensity it stops its children (last started
    first) and fails to its own parent, which may restart it: a restart
    starts all its children afresh. Sending it a message returns the names
    of its running children.

    Version added: 0.1
    """

    def __init__(
        self, children: Sequence[ChildSpec] = (), strategy: Strategy | None = None
    ) -> None:
        self.children = tuple(children)
        self.supervisor_strategy = strategy if strategy is not None else OneForOne()  # type: ignore[misc]
        names = [spec.name for spec in self.children]
        if len(set(names)) != len(names):
            raise ConfigError(
                f"child names of a supervisor must be unique, got {names}", key="children"
            )

    async def on_start(self, ctx: ActorContext) -> None:
        """Start the children in order; a child whose start fails fails the supervisor."""
        for spec in self.children:
            await ctx.spawn(
                spec.factory, name=spec.name, mailbox_size=spec.mailbox_size, restart=spec.restart
            )

    async def receive(self, message: Any, ctx: ActorContext) -> list[str]:
        """Return the names of the running children, in start order."""
        return [child.name for child in ctx._cell.children]
