"""Layer 4, coordination: teams of agents running patterns, one merged event stream.

::

    async with ka.team(*solvers, pattern=ka.Debate(rounds=2)) as team:
        result = await team.run(question="Is 1009 prime?")
        async with team.stream(question="Is 1009 prime?") as events:
            async for event in events:
                ...

:class:`team` (:class:`Team`) spawns the agents under a supervisor (a crashed agent is
restarted and its turn retried once), runs a :class:`Pattern` per
``team.run()`` / ``team.stream()``, merges the agents' events into one
stream per run (``seq`` gap-free, ``RunStarted`` first, ``RunFinished`` or
``RunFailed`` last), and enforces a :class:`Budget` and ``timeout``.
Cancelling a run (or abandoning its stream) cancels its in-flight model
calls. Patterns: :class:`Debate`, :class:`Consensus`,
:class:`SupervisorWorker`, :class:`Solo` (one agent as a team). Agents
run on asyncio (Kailash is asyncio-only); importing this package imports
neither kailash, litellm nor nats.

Writing a pattern
-----------------

Subclass :class:`Pattern`, set ``name`` and implement ``async def run(self,
run)``; return the final output (a ``Turn``, a dict or a ``Prediction``) or
raise to fail the run. ``run`` (a :class:`Run`) gives you:

- ``run.inputs``: the run's inputs; ``run.members``: the team's members
  (:class:`Member`: ``name``, ``ref``, ``agent``, ``input_fields``,
  ``output_fields``) in order; ``run.member(name)``.
- ``await run.turn(member, inputs, round=n, notes=[...], required=True)``:
  one agent turn, returned as a :class:`Turn` (``output``, ``usage``,
  ``error``) and added to the transcript. Its events join the stream; a
  crash is retried once; the budget is enforced; a turn that still fails
  raises ``RunError`` (or returns the failed turn with ``required=False``).
- ``await run.parallel([lambda: run.turn(...), ...], limit=None)``: run
  calls at once, results in order; the first error cancels the others and
  is raised as itself (never an exception group).
- ``await run.round(n)`` (``RoundStarted``), ``await run.vote(agent, n, choice)``
  (``Vote``), ``await run.emit(event)`` (any event); ``run.details``: a dict
  that becomes ``TeamResult.details``; ``run.typed(member, output)``.

Optional hooks: ``agents()`` (members the pattern brings), ``helpers()``
(internal agents by actor name, reached with ``run.helper(name)``),
``check(members)`` (validate the team at start). A pattern holds
configuration only: runs may share it concurrently. ``examples/pipeline.py``
writes a sequential pipeline this way in about 30 lines.
"""

from .._meta import publish
from ._budget import Budget
from ._call import RunCall
from ._consensus import Consensus
from ._debate import Debate
from ._members import Member
from ._normalise import choice_of, majority, normalise
from ._pattern import Pattern
from ._result import TeamResult, TeamUsage, Turn
from ._run import Run
from ._solo import Solo
from ._stream import DEFAULT_BUFFER, RunStream
from ._supervisor_worker import Assignment, SupervisorWorker
from ._team import DEFAULT_TURN_TIMEOUT, Team, team

__all__ = [
    "DEFAULT_BUFFER",
    "DEFAULT_TURN_TIMEOUT",
    "Assignment",
    "Budget",
    "Consensus",
    "Debate",
    "Member",
    "Pattern",
    "Run",
    "RunCall",
    "RunStream",
    "Solo",
    "SupervisorWorker",
    "Team",
    "TeamResult",
    "TeamUsage",
    "Turn",
    "choice_of",
    "majority",
    "normalise",
    "team",
]

publish(__all__, globals())
