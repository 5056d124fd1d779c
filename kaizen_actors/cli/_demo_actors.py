"""``kaizen-actors demo actors``: a supervision tree surviving crashes, printed live."""

from __future__ import annotations

import itertools
import logging
import random
from functools import partial
from typing import Any

import kaizen_actors as ka

_instances = itertools.count(1)


class Worker(ka.Actor):
    """Squares numbers; crashes on the numbers its fate says it crashes on."""

    def __init__(self, name: str, say: Any) -> None:
        self.name = name
        self.say = say
        self.number = next(_instances)

    async def on_start(self, ctx: ka.ActorContext) -> None:
        self.say(f"  [green]start[/] {self.name} (instance #{self.number})")

    async def on_stop(self, ctx: ka.ActorContext) -> None:
        self.say(f"  [yellow]stop[/]  {self.name}")

    async def receive(self, message: Any, ctx: ka.ActorContext) -> int:
        if message < 0:
            raise ValueError(f"{self.name} cannot square {message}")
        square: int = message * message
        return square


async def run_actors_demo(say: Any, *, seed: int = 7) -> None:
    """Run a OneForAll tree of three workers through a schedule of good and crashing jobs."""
    logging.getLogger("kaizen_actors").setLevel(logging.CRITICAL)
    rng = random.Random(seed)
    names = ("parser", "scorer", "writer")
    children = [ka.ChildSpec(partial(Worker, n, say), name=n) for n in names]
    strategy = ka.OneForAll(max_restarts=5, within=10)
    say("[bold]A OneForAll supervisor with three workers[/] (5 restarts within 10 s)")
    async with ka.ActorSystem("demo") as system:
        await system.spawn(lambda: ka.Supervisor(children, strategy), name="supervisor")
        for job in range(8):
            name = rng.choice(names)
            number = rng.choice([job, job, -job - 1])
            try:
                result = await system.ref(name).ask(number, timeout=2)
                say(f"job {job}: {name}({number}) = {result}")
            except ka.ActorCrashed as exc:
                say(f"job {job}: [red]{name} crashed[/]: {exc.error_type}: {exc.error_message}")
                await system.ref("supervisor").ask("children", timeout=2)
        say(f"dead letters: {system.dead_letters.total}; shutting down (children before parents)")
    say("[bold]done[/]: every crash was answered at once and every worker came back")
