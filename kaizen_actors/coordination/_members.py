"""Team members: agents spawned by the team, or names of agents served elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..actors import ActorRef
    from ..agents import Agent, FieldSpec, Prediction

__all__ = ["Member", "MemberSpec", "as_member", "is_agent", "member_name", "merge_members"]

MemberSpec = Any
"""What ``team()`` and patterns accept as a member: an ``Agent``, an ``AgentProgram``
(its agent takes part), a name, or an ``ActorRef``."""


def as_member(spec: MemberSpec) -> MemberSpec:
    """``spec``, or the agent under it for an agent program (``ka.AgentProgram``).

    A program is anything whose ``agent`` attribute is an ``Agent``; a program
    without a model raises ``ConfigError`` here, saying how to give it one.
    """
    if isinstance(spec, str) or is_agent(spec) or _is_ref(spec):
        return spec
    inner = getattr(spec, "agent", None)
    return inner if inner is not None and is_agent(inner) else spec


def member_name(spec: MemberSpec) -> str:
    """The name of a member given as an ``Agent``, a name or an ``ActorRef``.

    Raises:
        ConfigError: for anything else.

    """
    spec = as_member(spec)
    if isinstance(spec, str):
        if not spec:
            raise ConfigError("team: an agent name must not be empty", key="agents")
        return spec
    name = getattr(spec, "name", None)
    if isinstance(name, str) and (is_agent(spec) or _is_ref(spec)):
        return name
    raise ConfigError(
        f"team: expected a ka.Agent, an agent program, an agent's name or an ActorRef, "
        f"got {spec!r}",
        key="agents",
    )


def is_agent(spec: MemberSpec) -> bool:
    """Whether ``spec`` is an ``Agent`` (it makes its actor), told without importing the agents."""
    return callable(getattr(spec, "factory", None))


def _is_ref(spec: Any) -> bool:
    return callable(getattr(spec, "ask", None))


def merge_members(*groups: Iterable[MemberSpec]) -> list[MemberSpec]:
    """Concatenate member lists, dropping repeats of the same name (first position kept).

    Raises:
        ConfigError: when two different agents share a name.

    """
    seen: dict[str, MemberSpec] = {}
    for group in groups:
        for given in group:
            spec = as_member(given)
            name = member_name(spec)
            previous = seen.get(name)
            if previous is None or (isinstance(previous, str) and not isinstance(spec, str)):
                seen[name] = spec  # an Agent given anywhere wins over its bare name
            elif previous is not spec and not _same(previous, spec):
                raise ConfigError(
                    f"team: two different agents are named {name!r}; give each a unique name",
                    key="agents",
                )
    return list(seen.values())


def _same(a: MemberSpec, b: MemberSpec) -> bool:
    # A name and the Agent it names, or two refs to one actor, are one member.
    return isinstance(a, str) or isinstance(b, str) or (_is_ref(a) and _is_ref(b) and a == b)


class Member:
    """A team member as a pattern sees it.

    Attributes:
        name: the agent's name (its actor name, and ``agent`` of its events).
        ref: the ``ActorRef`` turns are asked through.
        agent: the ``Agent`` when the team spawned it, ``None`` for a member
            given by name (served by another system of the namespace).

    Version added: 0.1

    """

    __slots__ = ("agent", "name", "ref")

    def __init__(self, name: str, ref: ActorRef, agent: Agent | None = None) -> None:
        self.name = name
        self.ref = ref
        self.agent = agent

    @property
    def input_fields(self) -> dict[str, FieldSpec] | None:
        """The agent's input fields, ``None`` when unknown (a member given by name)."""
        return self.agent.signature.input_fields() if self.agent is not None else None

    @property
    def output_fields(self) -> dict[str, FieldSpec] | None:
        """The agent's output fields, ``None`` when unknown (a member given by name)."""
        return self.agent.signature.output_fields() if self.agent is not None else None

    def select_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The inputs this agent's signature declares (all of them for a member by name)."""
        fields = self.input_fields
        if fields is None:
            return dict(inputs)
        return {k: v for k, v in inputs.items() if k in fields}

    def typed(self, output: dict[str, Any]) -> Prediction:
        """The output as a ``Prediction``, validated to the signature's types when known."""
        from ..agents import Prediction

        fields = self.output_fields
        if not fields:
            return Prediction(output)
        values: dict[str, Any] = {}
        for name, value in output.items():
            spec = fields.get(name)
            try:
                values[name] = spec.validate(value, strict=False) if spec is not None else value
            except ValueError:
                values[name] = value
        return Prediction(values)

    def __repr__(self) -> str:
        kind = "agent" if self.agent is not None else "by name"
        return f"<Member {self.name!r} ({kind})>"
