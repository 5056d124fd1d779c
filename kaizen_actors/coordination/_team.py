"""``team()`` and ``Team``: agents spawned under a supervisor, running a pattern."""

from __future__ import annotations

import uuid
from functools import partial
from typing import TYPE_CHECKING, Any, Self

import anyio

from .._deployable import Deployable
from ..events import new_run_id
from ..messages import ConfigError, SystemStopped
from ._members import Member, is_agent, member_name, merge_members
from ._pattern import Pattern
from ._run import Run
from ._stream import DEFAULT_BUFFER, RunStream
from ._tracker import RunTracker

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

    from anyio.abc import TaskGroup

    from ..actors import ActorRef, ActorSystem, Middleware, Strategy
    from ..actors._system import AuditHook
    from ..agents import Agent
    from ..transport import Transport
    from ._budget import Budget
    from ._members import MemberSpec
    from ._result import TeamResult
    from ._run import Sink

__all__ = ["DEFAULT_TURN_TIMEOUT", "Team", "team"]

DEFAULT_TURN_TIMEOUT = 120.0
"""Seconds one agent turn may take before the run fails with reason ``"timeout"``."""


def _default_strategy() -> Strategy:
    """The team supervisor's strategy: a crashed agent restarts alone, 10 restarts within 10 s."""
    from ..actors import OneForOne

    return OneForOne(max_restarts=10, within=10.0)


class Team(Deployable):
    """A team of agents running a coordination pattern; use it with ``async with``.

    ::

        async with ka.team(*solvers, pattern=ka.Debate(rounds=2)) as team:
            result = await team.run(question="Is 1009 prime?")

    Entering spawns the ``Agent`` members (those given here, then those the
    pattern brings: a judge, a supervisor, workers) under one supervisor
    (``OneForOne``: a crashed agent is restarted alone, up to 10 restarts
    within 10 s) in the team's ``ActorSystem``; leaving cancels the runs
    still streaming and stops the agents (and the system, when the team made it).

    Args:
        *agents: the members: ``Agent`` objects (or agent programs, made
            by ``@ka.signature``: their ``.agent`` takes part), or names (``str``) of agents
            already served in the namespace (by another process over NATS);
            members given by name are not spawned, and patterns see their
            outputs as dicts.
        pattern: a ``Debate``, ``Consensus``, ``SupervisorWorker`` or any
            :class:`Pattern`.
        transport: for the team's own system: ``None``/``"memory"``, a
            ``nats://`` URL or a ``Transport``. Ignored when ``system`` is given.
        budget: limits on each run (:class:`Budget`).
        timeout: seconds a run may take; then it fails with
            ``RunFailed(reason="timeout")`` and ``RunError(reason="timeout")``.
        system: an existing, running ``ActorSystem`` to spawn the agents in;
            it is not closed when the team exits.
        namespace: the name of the team's own system (the namespace whose
            served agents it reaches by name).
        turn_timeout: seconds one agent turn may take (see ``timeout``).
        buffer: events a streaming run holds before agents wait for its consumer.
        strategy: the supervisor strategy of the team's agents.
        middleware: for the team's own system: ``ActorSystem(middleware=)``,
            so each middleware wraps every agent turn (an ``AgentTask`` asked
            of an agent actor). With ``system`` given, give it to that system.
        audit: a ``ka.AuditLog`` for the team's own system
            (``ActorSystem(audit=)``): it records the team's runs, turns,
            model and tool calls, restarts and dead letters. With ``system``
            given, give it to that system.
        rate_limits: for the team's own system: ``ActorSystem(rate_limits=)``
            (``{model name: ka.RateLimit(...)}``). With ``system`` given, give
            it to that system.
        name: what surfaces serve the team as (``kaizen_actors.web``, MCP);
            ``"team"`` by default.

    Several runs (``run`` and ``stream``) may go on at once; each has its own
    ``run_id`` and event stream. An agent takes one turn at a time, so runs
    sharing an agent queue for it. ``ka.team`` and ``ka.Team`` are one class.

    Attributes:
        name: the team's name on surfaces.
        pattern: the pattern.
        members: the members, in order, once started.
        runs: the :class:`RunTracker` of the runs in progress (``team.run``
            and streams, abandoned ones until their tasks end).
        system: the ``ActorSystem`` the agents run in, once started.
        budget: the budget of each run.
        timeout: the time limit of each run in seconds.

    Raises:
        ConfigError: for a missing pattern, a bad timeout, two different
            agents with one name, or ``middleware`` that is not a list of
            async callables or comes with ``system``.

    Version added: 0.1

    """

    def __init__(
        self,
        *agents: MemberSpec,
        pattern: Pattern,
        transport: Transport | str | None = None,
        budget: Budget | None = None,
        timeout: float | None = None,
        system: ActorSystem | None = None,
        namespace: str = "kaizen",
        turn_timeout: float = DEFAULT_TURN_TIMEOUT,
        buffer: int = DEFAULT_BUFFER,
        strategy: Strategy | None = None,
        middleware: Sequence[Middleware] | None = None,
        name: str = "team",
        audit: AuditHook | None = None,
        rate_limits: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"team: name must be a non-empty string, got {name!r}", key="name")
        if not isinstance(pattern, Pattern):
            raise ConfigError(
                f"team: pattern must be a ka.Debate, ka.Consensus, ka.SupervisorWorker or a "
                f"ka.Pattern subclass, got {pattern!r}",
                key="pattern",
            )
        for key, value in (("timeout", timeout), ("turn_timeout", turn_timeout)):
            if value is not None and not value > 0:
                raise ConfigError(f"team: {key} must be > 0 seconds, got {value!r}", key=key)
        if buffer < 1:
            raise ConfigError(f"team: buffer must be >= 1, got {buffer!r}", key="buffer")
        given_for_own = (
            ("middleware", middleware),
            ("audit", audit),
            ("rate_limits", rate_limits),
        )
        for key, given in given_for_own:
            if given is not None and system is not None:
                raise ConfigError(
                    f"team: {key}= is for the team's own system; pass it to the ActorSystem "
                    "given as system=",
                    key=key,
                )
        from ..actors._middleware import check_middleware

        self._middleware = check_middleware(middleware)
        self._audit = audit
        self._rate_limits: dict[str, Any] | None = None
        if rate_limits is not None:
            from ..telemetry._limits import check_rate_limits

            self._rate_limits = check_rate_limits(rate_limits)
        self.name = name
        self.pattern = pattern
        self._specs = merge_members(agents, pattern.agents())
        if not self._specs:
            raise ConfigError("team: no agents given", key="agents")
        self.budget = budget
        self.timeout = timeout
        self.turn_timeout = turn_timeout
        self.buffer = buffer
        self.strategy = strategy
        self._transport = transport
        self._namespace = namespace
        self._given_system = system
        self.system: ActorSystem | None = system
        self.members: list[Member] = []
        self._helpers: dict[str, Member] = {}
        self._supervisor: ActorRef | None = None
        self._tg: TaskGroup | None = None
        self._running = False
        self.runs = RunTracker()

    def __repr__(self) -> str:
        names = self.member_names()
        return f"<Team {self.name!r} {self.pattern.name} agents={names} running={self._running}>"

    def use_system(self, system: ActorSystem) -> None:
        """Run this team's agents in ``system`` (a running one) instead of a system of its own.

        For a surface that serves several teams from one system (one
        supervision tree, one NATS connection). Call it before entering.

        Raises:
            ConfigError: the team has started, or was given ``middleware=``,
                ``audit=`` or ``rate_limits=`` (give them to ``system`` instead).

        """
        if self._tg is not None:
            raise ConfigError("team: use_system() must come before the team starts", key="system")
        own = (
            ("middleware", bool(self._middleware)),
            ("audit", self._audit is not None),
            ("rate_limits", self._rate_limits is not None),
        )
        for key, given in own:
            if given:
                raise ConfigError(
                    f"team: {key}= is for the team's own system; give it to the system",
                    key=key,
                )
        self._given_system = self.system = system

    @property
    def result_member(self) -> MemberSpec:
        """The member whose output fields a run's result has (``Pattern.result``)."""
        return self.pattern.result(self._specs)

    def member_names(self) -> list[str]:
        """The members' names in order (those the pattern brings included), started or not."""
        return [member_name(s) for s in self._specs]

    @property
    def entry(self) -> MemberSpec:
        """The member whose signature's inputs are the team's inputs.

        The first member, unless the pattern says otherwise (a
        ``SupervisorWorker``'s supervisor): an ``Agent``, or a name for a
        member served elsewhere.
        """
        return self.pattern.entry(self._specs)

    # -- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._tg is not None:
            raise SystemStopped("this team was already started; make a new one with ka.team()")
        own = self._given_system is None
        if own:
            from ..actors import ActorSystem

            self.system = ActorSystem(
                self._namespace,
                self._transport,
                middleware=self._middleware,
                audit=self._audit,
                rate_limits=self._rate_limits,
            )
            await self.system.__aenter__()
        system = self.system
        assert system is not None
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        try:
            await self._spawn(system)
            self.pattern.check(self.members)
        except BaseException as exc:
            await self._close(type(exc), exc, exc.__traceback__)
            raise
        self._running = True
        return self

    async def _spawn(self, system: ActorSystem) -> None:
        from ..actors import ChildSpec, Supervisor

        children = []
        for spec in self._specs:
            name = member_name(spec)
            if isinstance(spec, str):
                self.members.append(Member(name, system.ref(name)))
            elif is_agent(spec):
                children.append(ChildSpec(spec.factory(), name=name))
                self.members.append(Member(name, system.ref(name), spec))
            else:  # an ActorRef
                self.members.append(Member(name, spec))
        helpers: dict[str, Agent] = self.pattern.helpers()
        for actor_name, agent in helpers.items():
            children.append(ChildSpec(agent.factory(), name=actor_name))
        if children:
            strategy = self.strategy or _default_strategy()
            self._supervisor = await system.spawn(
                _supervisor_factory(Supervisor, children, strategy),
                name=f"team-{self.name}-{uuid.uuid4().hex[:8]}",
            )
        for actor_name, agent in helpers.items():
            self._helpers[actor_name] = Member(agent.name, system.ref(actor_name), agent)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close(exc_type, exc, tb)

    async def _close(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The task groups are exited without the body's exception so that it
        # propagates as itself, not wrapped in an exception group.
        self._running = False
        tg, system = self._tg, self.system
        assert tg is not None
        assert system is not None
        tg.cancel_scope.cancel()  # runs still streaming
        try:
            await tg.__aexit__(None, None, None)
        finally:
            if self._given_system is None:
                await system.__aexit__(None, None, None)  # shuts down shielded
            elif self._supervisor is not None and system.running:
                with anyio.CancelScope(shield=True):
                    await self._supervisor.stop()

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        """The middleware given for the team's own system (``middleware=``)."""
        return self._middleware

    @property
    def running(self) -> bool:
        """Whether the team accepts runs."""
        return self._running

    def _check_running(self) -> None:
        if not self._running:
            raise SystemStopped("the team is not running; use it inside `async with ka.team(...)`")

    # -- runs ---------------------------------------------------------------------------

    def _new_run(
        self, inputs: dict[str, Any], run_id: str | None = None, sink: Sink | None = None
    ) -> Run:
        return Run(
            run_id=run_id or new_run_id(),
            pattern=self.pattern,
            inputs=inputs,
            members=self.members,
            helpers=self._helpers,
            budget=self.budget,
            timeout=self.timeout,
            turn_timeout=self.turn_timeout,
            sink=sink,
            team=self.name,
            system=self.system,
        )

    async def run(self, **inputs: Any) -> TeamResult:
        """Run the pattern once with ``inputs`` and return its result.

        Cancelling the caller stops the run and every in-flight model call.

        Returns:
            The :class:`TeamResult`.

        Raises:
            RunError: an agent failed twice (``.agent`` names it), the run
                took longer than ``timeout`` (``.reason == "timeout"``), or
                the pattern failed; ``.transcript`` holds the turns so far.
            BudgetExceeded: a limit of the budget was crossed (``.limit``
                names it, ``.transcript`` holds the turns so far).
            SystemStopped: the team is not running.

        """
        self._check_running()
        run = self._new_run(inputs)
        self.runs.started()
        try:
            return await run.execute()
        finally:
            self.runs.ended()

    def stream(self, **inputs: Any) -> RunStream:
        """Run the pattern once with ``inputs``, yielding its events as they happen.

        ::

            async with team.stream(question="...") as events:
                async for event in events:
                    ...

        ``RunStarted`` first, ``RunFinished`` or ``RunFailed`` last, ``seq``
        gap-free; tokens of agents running in parallel interleave, each
        agent's in order. A slow consumer applies backpressure (see
        :class:`RunStream`). Leaving early stops the run and its model calls.

        Returns:
            The :class:`RunStream`.

        Raises:
            SystemStopped: the team is not running.

        """
        self._check_running()
        assert self._tg is not None
        return RunStream(partial(self._new_run, inputs), self._tg, self.buffer, tracker=self.runs)

    async def wait_idle(self) -> None:
        """Wait until no run of this team is in progress (abandoned streams included)."""
        await self.runs.wait_idle()

    @property
    def active_runs(self) -> int:
        """How many runs are in progress."""
        return self.runs.active


def _supervisor_factory(cls: Any, children: list[Any], strategy: Any) -> Callable[[], Any]:
    def make() -> Any:
        return cls(children=children, strategy=strategy)

    return make


team = Team
"""``ka.team(*agents, pattern=...)``: :class:`Team` spelled for ``async with``."""
