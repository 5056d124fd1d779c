"""``SupervisorWorker``: a supervisor plans, workers work in parallel, the supervisor sums up."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec

from ..agents.signatures._prompt import format_inputs
from ..messages import ConfigError, RunError
from ._debate import answer_text
from ._members import as_member, member_name
from ._pattern import Pattern

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..agents import Agent
    from ._members import Member, MemberSpec
    from ._result import Turn
    from ._run import Run

__all__ = ["Assignment", "SupervisorWorker"]

PLAN_STEP, WORK_STEP, SYNTHESIS_STEP = 1, 2, 3

_PLAN_INSTRUCTIONS = """You lead a team of workers. Split the task into subtasks and assign \
each subtask to one of the workers, by the worker's exact name. Give each subtask as a \
self-contained instruction: the worker sees only its subtask. Use each worker at most once \
unless the task needs more."""

_JSON_LIST = re.compile(r"\[.*\]", re.DOTALL)


class Assignment(msgspec.Struct):
    """One subtask of a supervisor's plan: which worker does what.

    Version added: 0.1
    """

    worker: str
    task: str


def _plan_signature() -> Any:
    from ..agents import InputField, OutputField, Signature

    class Plan(Signature):
        task: str = InputField(desc="the task to split into subtasks")
        workers: str = InputField(desc="the workers, one per line: name: what it does")
        plan: list[Assignment] = OutputField(
            desc='the subtasks, as a list of {"worker": name, "task": instruction}'
        )

    Plan.__doc__ = _PLAN_INSTRUCTIONS
    return Plan


class SupervisorWorker(Pattern):
    """A supervisor agent plans subtasks, workers do them in parallel, the supervisor synthesizes.

    Three steps (the ``round`` of their events and transcript entries):

    1. **Plan.** The supervisor is asked for a plan: a list of
       ``{"worker": name, "task": instruction}``. For a supervisor given as
       an ``Agent`` the pattern wraps it: a planner agent with the pattern's
       own signature (``task, workers -> plan: list[Assignment]``) but the
       supervisor's model, instructions and memory, spawned with the team as
       ``"<supervisor>-planner"``; its events and transcript entries carry
       the supervisor's name. The planner sees the run's inputs (as
       ``name: value`` lines) and each worker's name and description (its
       signature's docstring and instructions). A supervisor given by name
       (served elsewhere) is asked with the run's inputs and a note asking
       for the plan as a JSON list; its first output field must hold it.
    2. **Work.** Each assignment goes to the named worker, all at once (at
       most ``max_parallel`` at a time). A worker gets its subtask in its
       input field ``task`` if it has one, else in its first input field;
       its other input fields are filled from the run's inputs of the same
       name (a worker given by name gets ``{"task": ...}``). A worker that
       fails is retried once; if it fails again, or the plan names a worker
       the team does not have, the failure is reported to the synthesis
       instead of failing the run.
    3. **Synthesis.** The supervisor itself (its own signature) answers the
       run's inputs with every subtask's result (or failure) in its notes.
       Its output is the run's output.

    The workers are the team's agents other than the supervisor (those
    passed as ``workers=`` are added to the team). ``TeamResult.details``
    holds ``plan`` (the assignments), ``results`` (worker, task, output or
    error per assignment) and ``failures`` (how many assignments failed).

    Args:
        supervisor: the supervising ``Agent`` (or its name).
        workers: worker ``Agent``s (or names).
        max_parallel: at most this many worker turns at once (``None``: all).

    Raises:
        ConfigError: when ``max_parallel`` < 1, or (at team start) there is
            no worker.

    Version added: 0.1

    """

    name = "supervisor_worker"

    def __init__(
        self,
        supervisor: MemberSpec,
        workers: Sequence[MemberSpec] = (),
        max_parallel: int | None = None,
    ) -> None:
        if max_parallel is not None and (not isinstance(max_parallel, int) or max_parallel < 1):
            raise ConfigError(
                f"SupervisorWorker max_parallel must be an int >= 1 or None, got {max_parallel!r}",
                key="max_parallel",
            )
        supervisor = as_member(supervisor)
        self.supervisor = supervisor
        self.supervisor_name = member_name(supervisor)
        self.workers = [as_member(w) for w in workers]
        self.max_parallel = max_parallel
        self.planner_name = f"{self.supervisor_name}-planner"
        self._planner: Agent | None = None
        if not isinstance(supervisor, str) and callable(getattr(supervisor, "factory", None)):
            from ..agents import Agent

            self._planner = Agent(
                supervisor.name,
                signature=_plan_signature(),
                model=supervisor.model,
                instructions=supervisor.instructions,
                memory=supervisor.memory,
            )

    def agents(self) -> Sequence[MemberSpec]:
        """The supervisor and the workers."""
        return [self.supervisor, *self.workers]

    def entry(self, members: Sequence[MemberSpec]) -> MemberSpec:
        """The supervisor: its signature's inputs are the team's."""
        return self.supervisor

    def helpers(self) -> dict[str, Agent]:
        """The planner wrapping the supervisor's model (for a supervisor given as an Agent)."""
        return {self.planner_name: self._planner} if self._planner is not None else {}

    def worker_members(self, members: Sequence[Member]) -> list[Member]:
        """The members that work: all but the supervisor."""
        return [m for m in members if m.name != self.supervisor_name]

    def check(self, members: Sequence[Member]) -> None:
        """Require at least one worker.

        Raises:
            ConfigError: when the team has no agent besides the supervisor.

        """
        if not self.worker_members(members):
            raise ConfigError("SupervisorWorker needs at least one worker", key="workers")

    async def run(self, run: Run) -> Turn:
        """Plan, work, synthesize; return the synthesis turn."""
        supervisor = run.member(self.supervisor_name)
        workers = {m.name: m for m in self.worker_members(run.members)}
        await run.round(PLAN_STEP)
        plan = await self._plan(run, supervisor, list(workers.values()))
        run.details["plan"] = [msgspec.structs.asdict(a) for a in plan]

        await run.round(WORK_STEP)
        results = await run.parallel(
            [partial(self._work, run, workers, a) for a in plan], limit=self.max_parallel
        )
        run.details["results"] = results
        run.details["failures"] = sum(1 for r in results if "error" in r)

        await run.round(SYNTHESIS_STEP)
        return await run.turn(
            supervisor, run.inputs, round=SYNTHESIS_STEP, notes=[self._report(results)]
        )

    async def _plan(self, run: Run, supervisor: Member, workers: list[Member]) -> list[Assignment]:
        roster = "\n".join(f"{w.name}: {_describe(w)}" for w in workers)
        task = format_inputs(run.inputs)
        if self._planner is not None:
            turn = await run.turn(
                run.helper(self.planner_name),
                {"task": task, "workers": roster},
                round=PLAN_STEP,
            )
            raw = turn.output.get("plan")
        else:
            note = (
                f"{_PLAN_INSTRUCTIONS}\n\nWorkers:\n{roster}\n\nReply with the plan only: a JSON "
                'list of {"worker": name, "task": instruction} objects.'
            )
            turn = await run.turn(supervisor, run.inputs, round=PLAN_STEP, notes=[note])
            raw = next(iter(turn.output.values()), None)
        try:
            return _parse_plan(raw)
        except ValueError as exc:
            raise RunError(
                f"supervisor {supervisor.name!r} gave no usable plan: {exc}",
                agent=supervisor.name,
            ) from exc

    async def _work(
        self, run: Run, workers: dict[str, Member], assignment: Assignment
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"worker": assignment.worker, "task": assignment.task}
        worker = workers.get(assignment.worker)
        if worker is None:
            result["error"] = f"no worker named {assignment.worker!r} (workers: {list(workers)})"
            return result
        turn = await run.turn(
            worker,
            self._worker_inputs(run, worker, assignment.task),
            round=WORK_STEP,
            required=False,
        )
        if turn.ok:
            result["output"] = turn.output
        else:
            result["error"] = turn.error
        return result

    @staticmethod
    def _worker_inputs(run: Run, worker: Member, task: str) -> dict[str, Any]:
        fields = worker.input_fields
        if fields is None:
            return {"task": task}
        slot = "task" if "task" in fields else next(iter(fields), "task")
        inputs = {k: v for k, v in run.inputs.items() if k in fields and k != slot}
        inputs[slot] = task
        return inputs

    @staticmethod
    def _report(results: list[dict[str, Any]]) -> str:
        if not results:
            return "No subtasks were planned. Answer the task yourself."
        parts = ["Your workers' results:"]
        for number, r in enumerate(results, 1):
            head = f"[{number}] {r['worker']} was asked: {r['task']}"
            if "error" in r:
                parts.append(f"{head}\nFAILED: {r['error']}")
            else:
                parts.append(f"{head}\nResult: {answer_text(r['output'])}")
        parts.append("Write the final answer from these results (say what is missing, if any).")
        return "\n\n".join(parts)


def _describe(member: Member) -> str:
    agent = member.agent
    if agent is None:
        return "(a served agent)"
    text = " ".join(t for t in (agent.signature.instructions(), agent.instructions or "") if t)
    return " ".join(text.split()) or "(no description)"


def _parse_plan(raw: Any) -> list[Assignment]:
    if isinstance(raw, str):
        match = _JSON_LIST.search(raw)
        if match is None:
            raise ValueError(f"expected a JSON list of assignments, got {raw[:200]!r}")
        try:
            raw = json.loads(match.group(0))
        except json.JSONDecodeError as exc:
            raise ValueError(f"the plan is not valid JSON: {exc}") from None
    try:
        return msgspec.convert(raw, list[Assignment])
    except msgspec.ValidationError as exc:
        raise ValueError(f"expected a list of {{worker, task}} objects: {exc}") from None
