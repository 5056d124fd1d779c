"""``system.tree()``: a snapshot of the supervision tree with restart counts and queues."""

from __future__ import annotations

import pytest

import kaizen_actors as ka

from .common import Boom, Ping, Recorder

pytestmark = pytest.mark.anyio


def find(node: ka.ActorNode, name: str) -> ka.ActorNode:
    nodes = [node]
    while nodes:
        here = nodes.pop()
        if here.name == name:
            return here
        nodes.extend(here.children)
    raise LookupError(name)


async def test_the_tree_shows_supervisors_their_children_and_restart_counts() -> None:
    async with ka.ActorSystem("tree") as system:
        await system.spawn(
            lambda: ka.Supervisor(
                children=[ka.ChildSpec(Recorder, name="a"), ka.ChildSpec(Recorder, name="b")]
            ),
            name="sup",
        )
        with pytest.raises(ka.ActorCrashed):
            await system.ref("b").ask(Boom())
        assert await system.ref("b").ask(Ping(7)) == 7  # answered by the restarted actor
        root = system.tree()
    sup = find(root, "sup")
    assert sup.kind == "Supervisor" and [c.name for c in sup.children] == ["a", "b"]
    assert (find(root, "a").restarts, find(root, "b").restarts) == (0, 1)
    assert find(root, "b").kind == "Recorder" and find(root, "b").alive


async def test_the_tree_of_a_stopped_system_raises_system_stopped() -> None:
    system = ka.ActorSystem("tree")
    with pytest.raises(ka.SystemStopped):
        system.tree()
