"""``ActorNode``: a snapshot of a system's supervision tree (names, kinds, restarts, queues)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from ._cell import ActorCell

__all__ = ["ActorNode", "snapshot"]


class ActorNode(msgspec.Struct, kw_only=True):
    """One actor of a supervision tree, as ``system.tree()`` saw it.

    Attributes:
        name: the actor's name (``"root"`` for the system's root supervisor).
        kind: the class name of its current instance (``"Supervisor"``, ``"AgentActor"``...).
        restarts: how often its supervisor has restarted it.
        mailbox: messages waiting in its mailbox.
        alive: whether it accepts messages.
        children: the actors it supervises, in start order.

    Version added: 0.1

    """

    name: str
    kind: str
    restarts: int = 0
    mailbox: int = 0
    alive: bool = True
    children: list[ActorNode] = msgspec.field(default_factory=list)


def snapshot(cell: ActorCell) -> ActorNode:
    """The tree under ``cell``, read at once (no await: a consistent picture)."""
    instance = cell.instance
    return ActorNode(
        name=cell.name,
        kind=type(instance).__name__ if instance is not None else "stopped",
        restarts=cell.restarts,
        mailbox=len(cell.mailbox),
        alive=cell.alive,
        children=[snapshot(child) for child in cell.children],
    )
