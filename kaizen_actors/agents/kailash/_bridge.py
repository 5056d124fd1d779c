"""The bridge between an agent and its Kailash node: the one place a turn crosses Kailash.

Kailash passes a node only its JSON parameters, and nodes cannot stream.
:func:`run_turn` puts the turn's :class:`~.._turn.TurnRequest` in a context
variable (Kailash's node tasks inherit it), runs the agent's workflow on
the shared runtime and returns the node's result with the turn's
:class:`~.._turn.TurnOutcome`. The node (:func:`node_run`) finds its agent's
:class:`~.._program.Program` by key in a weak registry, so the Core SDK
pattern (``LocalRuntime().execute(agent.workflow.build(), parameters=...)``)
runs the same program from sync code, without a request.

Importing this module imports no kailash module.
"""

from __future__ import annotations

import contextvars
import weakref
from typing import TYPE_CHECKING, Any

from ._runtime import run_workflow

if TYPE_CHECKING:
    from .._program import Program
    from .._turn import TurnOutcome, TurnRequest

__all__ = ["AGENT_NODE_ID", "lookup_program", "node_run", "register_program", "run_turn"]

AGENT_NODE_ID = "agent"
"""Node id of the agent's node in its workflow (the key of its results)."""


class _Call:
    """One turn on its way through Kailash: the request in, the outcome or the error out."""

    __slots__ = ("error", "key", "outcome", "request")

    def __init__(self, key: str, request: TurnRequest) -> None:
        self.key = key
        self.request = request
        self.outcome: TurnOutcome | None = None
        self.error: BaseException | None = None


_CURRENT: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
    "kaizen_actors_turn", default=None
)
_programs: weakref.WeakValueDictionary[str, Program] = weakref.WeakValueDictionary()


def register_program(program: Program) -> None:
    """Make ``program`` findable by its key while it lives."""
    _programs[program.key] = program


def lookup_program(key: str) -> Program:
    """The live program registered under ``key``.

    Raises:
        LookupError: when its agent no longer exists.

    """
    try:
        return _programs[key]
    except KeyError:
        raise LookupError(
            f"no live kaizen agent {key!r} (was the Agent garbage-collected?)"
        ) from None


async def run_turn(
    key: str, workflow: Any, request: TurnRequest
) -> tuple[dict[str, Any], TurnOutcome]:
    """Run one turn through the agent's built workflow.

    ``key`` is the agent's program key: only its node takes the request (a
    workflow run from inside the turn, by a tool say, runs without it).

    Returns:
        The node's result (the JSON-compatible output fields, as Kailash
        returned them) and the turn's outcome.

    Raises:
        Exception: what the turn raised (``SignatureError``,
            ``OutputParseError``, ``ModelError``, ``ToolError``), unwrapped
            from Kailash's ``WorkflowExecutionError``.

    """
    call = _Call(key, request)
    token = _CURRENT.set(call)
    try:
        results = await run_workflow(workflow, request.json_inputs)
    except Exception:
        error = call.error
        if error is not None:
            raise error.with_traceback(error.__traceback__) from None
        raise
    finally:
        _CURRENT.reset(token)
    assert call.outcome is not None
    return results[AGENT_NODE_ID], call.outcome


async def node_run(params: dict[str, Any]) -> dict[str, Any]:
    """The work of the agent's node: run the turn of the current request, or of ``params``.

    ``params`` are the node's Kailash parameters: ``agent`` (the key) and,
    when no request is current (the Core SDK pattern), the inputs.

    Raises:
        SignatureError: when the inputs do not fit the signature.
        OutputParseError, ModelError, ToolError: from the turn.

    """
    from .._turn import TurnRequest

    key = params.pop("agent")
    program = lookup_program(key)
    call = _CURRENT.get()
    if call is not None and (call.key != key or call.outcome is not None or call.error):
        call = None  # another agent's turn (a workflow run inside it), or one already done
    token = _CURRENT.set(None)  # workflows this turn runs (its tools') get no request
    try:
        if call is None:
            given = {k: v for k, v in params.items() if k in program.inputs}
            values = program.signature.validate_inputs(given)
            request = TurnRequest(values, program.inputs_to_json(values))
        else:
            request = call.request
        outcome = await program.execute(request)
    except Exception as exc:
        if call is not None:
            call.error = exc  # Kailash wraps node errors; the caller gets this one
        raise
    finally:
        _CURRENT.reset(token)
    if call is not None:
        call.outcome = outcome
    return outcome.output
