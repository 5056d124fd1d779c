"""Two "agents" served as separate processes with ``kaizen-actors serve``.

Each build function returns a supervisor tree; run each in its own process::

    kaizen-actors serve services:build_researcher --nats nats://127.0.0.1:4222 --name demo
    kaizen-actors serve services:build_writer --nats nats://127.0.0.1:4222 --name demo

(from this folder, or with it on PYTHONPATH). Then ``python team.py`` uses them by name.
The agents here are small deterministic actors that stream their answer as
``Token`` events, so the example needs no model or API key.
"""

from __future__ import annotations

import os
from typing import Any

import kaizen_actors as ka
from kaizen_actors.events import Token


class Question(ka.Message, tag="example.Question"):
    text: str
    run_id: str = ""


class Draft(ka.Message, tag="example.Draft"):
    notes: str
    run_id: str = ""


class _Streaming(ka.Actor):
    role = "agent"

    async def stream(self, ctx: ka.ActorContext, run_id: str, text: str) -> str:
        for seq, word in enumerate(text.split()):
            await ctx.emit(Token(run_id=run_id, seq=seq, agent=self.role, text=word, field="out"))
        return text


class Researcher(_Streaming):
    role = "researcher"

    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        notes = f"notes on {message.text!r} from pid {os.getpid()}"
        return await self.stream(ctx, message.run_id, notes)


class Writer(_Streaming):
    role = "writer"

    async def receive(self, message: Any, ctx: ka.ActorContext) -> str:
        text = f"a short article based on {message.notes} written by pid {os.getpid()}"
        return await self.stream(ctx, message.run_id, text)


def build_researcher() -> ka.Supervisor:
    return ka.Supervisor(children=[ka.ChildSpec(Researcher, name="researcher")])


def build_writer() -> ka.Supervisor:
    return ka.Supervisor(children=[ka.ChildSpec(Writer, name="writer")])
