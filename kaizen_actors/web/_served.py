"""What a surface serves: teams by name, each with the inputs its entry agent's signature takes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec

from ..coordination import Solo, Team, team
from ..coordination._members import as_member, is_agent, member_name
from ..messages import ConfigError, SignatureError

if TYPE_CHECKING:
    from ..agents import Agent, FieldSpec

__all__ = ["Served", "ServedTeam", "resolve_served"]

_RELEARN = 5.0
"""Seconds before a remote entry agent that did not answer is asked again."""

Served = Any
"""A served object: a ``Team`` (not entered yet), an ``Agent`` or program, or a dict of them."""


def _field(spec: FieldSpec) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": spec.name,
        "type": spec.type_label(),
        "desc": spec.desc,
        "required": spec.required,
    }
    if not spec.required and not spec.optional:
        described["default"] = spec.to_json(spec.default)
    return described


class ServedTeam:
    """One team a surface serves: its name, the team, and what its runs take as inputs.

    The inputs are those of the entry agent's signature (the first member;
    a ``SupervisorWorker``'s supervisor), the outputs those of the agent
    whose output is the run's (``Pattern.result``: the entry, or a
    ``Debate``'s judge). For an entry agent served by name
    in another process they are learnt by asking it (:meth:`learn`, a
    ``Describe`` message); until it answers, any inputs are accepted and
    that agent checks them itself.

    Attributes:
        name: the name the team is served under.
        team: the :class:`~kaizen_actors.Team`.

    Version added: 0.1

    """

    __slots__ = ("_entry", "_fields", "_retry_at", "name", "result_agent", "team")

    def __init__(self, name: str, served_team: Team) -> None:
        self.name = name
        self.team = served_team
        entry = served_team.entry
        result = served_team.result_member
        self._entry: Agent | None = entry if is_agent(entry) else None
        self.result_agent: Agent | None = result if is_agent(result) else None
        """The agent whose output fields a run's result has, when it runs in this process."""
        self._fields: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None
        self._retry_at = 0.0
        if self._entry is not None:
            outputs = self.result_agent.signature.output_fields() if self.result_agent else {}
            self._fields = (
                [_field(f) for f in self._entry.signature.input_fields().values()],
                [_field(f) for f in outputs.values()],
            )

    @property
    def known(self) -> bool:
        """Whether the entry agent's fields are known (always, for an agent of this process)."""
        return self._fields is not None

    @property
    def input_names(self) -> list[str] | None:
        """The input fields' names in order; ``None`` while a remote entry agent is unknown."""
        return None if self._fields is None else [f["name"] for f in self._fields[0]]

    async def learn(self, timeout: float = 1.0) -> bool:  # noqa: ASYNC109 - a bounded ask
        """Ask a remote entry agent for its fields (once it answers, they are kept).

        Returns whether the fields are known. An agent not served yet, or
        not answering within ``timeout`` seconds, leaves them unknown, and
        is asked again 5 s later at the earliest (so a hung agent costs a
        request at most ``timeout`` every 5 s).
        """
        system = self.team.system
        if self._fields is not None or system is None or not system.running:
            return self._fields is not None
        if time.monotonic() < self._retry_at:  # it did not answer a moment ago
            return False
        self._retry_at = time.monotonic() + _RELEARN
        from ..agents import AgentInfo, Describe
        from ..messages import KaizenError

        try:
            info = await system.ref(member_name(self.team.entry)).ask(Describe(), timeout=timeout)
        except KaizenError:
            return False
        if isinstance(info, AgentInfo):
            result = self.result_agent
            self._fields = (
                [msgspec.to_builtins(f) for f in info.inputs],
                [_field(f) for f in result.signature.output_fields().values()]
                if result is not None
                else [msgspec.to_builtins(f) for f in info.outputs]
                if self.team.result_member is self.team.entry
                else [],
            )
        return self._fields is not None

    def validate(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The inputs of one run, checked against the entry agent's signature.

        An agent of this process checks names and types; a remote one's
        learnt fields check names (it checks types itself).

        Raises:
            SignatureError: an input is unknown, missing or of the wrong type.

        """
        if self._entry is not None:
            fields = self._entry.signature.input_fields()
            valid = self._entry.signature.validate_inputs(inputs)
            return {k: fields[k].to_json(v) for k, v in valid.items()}
        if self._fields is not None:
            known = {f["name"]: f for f in self._fields[0]}
            for name in inputs:
                if name not in known:
                    raise SignatureError(
                        f"{self.name}: unknown input field {name!r} (inputs: {', '.join(known)})",
                        field=name,
                    )
            for name, spec in known.items():
                if spec["required"] and name not in inputs:
                    raise SignatureError(f"{self.name}: missing input field {name!r}", field=name)
        return inputs

    def describe(self) -> dict[str, Any]:
        """The team as JSON: name, pattern, members, input and output fields (``[]`` if unknown)."""
        inputs, outputs = self._fields if self._fields is not None else ([], [])
        return {
            "name": self.name,
            "pattern": self.team.pattern.name,
            "members": self.team.member_names(),
            "inputs": inputs,
            "outputs": outputs,
        }

    def __repr__(self) -> str:
        return f"<ServedTeam {self.name!r} {self.team!r}>"


def resolve_served(served: Served) -> dict[str, ServedTeam]:
    """The served teams by name: a lone ``Agent`` becomes a :class:`Solo` team of its own.

    Raises:
        ConfigError: for anything but a ``Team``, an ``Agent`` or a non-empty
            dict of them (key ``"served"``).

    """
    served = as_member(served)
    if isinstance(served, Team) or is_agent(served):
        single = _as_team(served)
        return {single.name: ServedTeam(single.name, single)}
    if isinstance(served, dict) and served:
        return {_checked_name(n): ServedTeam(n, _as_team(v, n)) for n, v in served.items()}
    raise ConfigError(
        f"served: expected a ka.Team, a ka.Agent or a dict {{name: Team | Agent}}, got {served!r}",
        key="served",
    )


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise ConfigError(
            f"served: a served name must be a non-empty string without '/', got {name!r}",
            key="served",
        )
    return name


def _as_team(value: Any, name: str | None = None) -> Team:
    value = as_member(value)
    if isinstance(value, Team):
        return value
    if is_agent(value):
        return team(value, pattern=Solo(), name=name or member_name(value))
    raise ConfigError(f"served: expected a ka.Team or a ka.Agent, got {value!r}", key="served")
