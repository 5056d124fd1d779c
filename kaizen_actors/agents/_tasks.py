"""What an agent actor serves: ``AgentTask`` -> ``AgentReply``, ``Describe`` -> ``AgentInfo``."""

from __future__ import annotations

from typing import Any

import msgspec

from ..events import Usage
from ..messages import Message

__all__ = ["AgentInfo", "AgentReply", "AgentTask", "Describe", "FieldInfo"]


class AgentTask(Message, tag="ka.AgentTask", kw_only=True):
    """Ask an agent actor for one turn.

    Attributes:
        inputs: the signature's input values (JSON-compatible).
        run_id: the run the turn belongs to; put on its events.
        round: the round number put on ``AgentStarted``/``AgentFinished``.
        notes: extra context appended to the prompt (e.g. other agents'
            answers in a debate); empty strings are skipped.
        numbered: the turn's events carry ``run_id`` and ``seq`` from 0
            within the turn; a team, whose stream numbers the whole run,
            asks for them unnumbered (each event is then stamped once).

    Version added: 0.1

    """

    inputs: dict[str, Any] = msgspec.field(default_factory=dict)
    run_id: str = ""
    round: int = 0
    notes: list[str] = msgspec.field(default_factory=list)
    numbered: bool = True


class AgentReply(Message, tag="ka.AgentReply", kw_only=True):
    """An agent actor's answer to an :class:`AgentTask`.

    Attributes:
        agent: the agent's name.
        run_id: the task's run id.
        output: the validated output fields, JSON-compatible.
        usage: tokens, cost and calls of the turn (retries included).
        raw: the model's last reply text.

    Version added: 0.1

    """

    agent: str
    run_id: str = ""
    output: dict[str, Any] = msgspec.field(default_factory=dict)
    usage: Usage = msgspec.field(default_factory=Usage)
    raw: str = ""


class Describe(Message, tag="ka.Describe"):
    """Ask an agent actor what it takes and gives; it answers with an :class:`AgentInfo`.

    A surface serving a team whose agents run in another process (given
    by name) learns their signatures this way, to check inputs and draw forms.

    Version added: 0.1
    """


class FieldInfo(msgspec.Struct, kw_only=True):
    """One field of a signature as JSON: name, type label, description, whether required.

    Version added: 0.1
    """

    name: str
    type: str
    desc: str = ""
    required: bool = True


class AgentInfo(Message, tag="ka.AgentInfo", kw_only=True):
    """An agent actor's answer to :class:`Describe`.

    Attributes:
        agent: the agent's name.
        inputs: its signature's input fields, in order.
        outputs: its signature's output fields, in order.

    Version added: 0.1

    """

    agent: str
    inputs: list[FieldInfo] = msgspec.field(default_factory=list)
    outputs: list[FieldInfo] = msgspec.field(default_factory=list)
