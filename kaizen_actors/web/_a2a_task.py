"""One A2A task per run: the ``AgentExecutor`` of the A2A surface and the event mapping.

A message starts a run of the app's :class:`~._runs.RunHub` (``detached``:
the task, not a watching client, owns it) and the run is the task:

- the ``Task`` first (``submitted``; ``metadata.kaizen`` holds the run's id
  and team, so ``GET /runs/<id>`` and the live page find the run), then a
  status update to ``working``;
- each agent's turn is an artifact of its own (id ``<agent>-<n>`` for the
  agent's ``n``-th turn, ``name`` the agent, ``metadata`` its ``agent`` and
  ``round``): its tokens are text parts (``metadata.field`` names the
  output field), sent in chunks as they arrive (the tokens of one batch of
  the run's events make one chunk; the first chunk creates the artifact,
  the next ones have ``append``); a tool call of the turn is a data part
  ``{"tool", "call_id", "arguments", "result", "error"}``; ``AgentFinished``
  sends the turn's output fields as a data part in the ``lastChunk`` (and
  its usage in the artifact's metadata);
- a finished run ends with the artifact ``output`` (a data part with the
  output fields, then a text part with them as JSON) and ``completed``; a
  failed run with ``failed``, a cancelled one with ``canceled``, the
  error's text in the status message; the last status's ``metadata.kaizen``
  adds the run's usage or error to the task's metadata.

``CancelTask`` cancels the run and returns once its ``canceled`` status is
in the task. Tasks stay readable (``GetTask``) for the app's
``keep_finished`` seconds after their run ended, like runs.
"""

from __future__ import annotations

import json
from contextlib import aclosing, suppress
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.types import (
    Artifact,
    InternalError,
    InvalidParamsError,
    Message,
    Part,
    Role,
    Task,
    TaskArtifactUpdateEvent,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
)
from google.protobuf.struct_pb2 import Value

from ..events import AgentFinished, AgentStarted, Token, ToolCalled
from ._errors import WebError
from ._runs import decode_frame

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from a2a.server.context import ServerCallContext
    from a2a.server.events import EventQueue

    from ..events import Event, Usage
    from ._app import WebState
    from ._runs import WebRun

__all__ = ["CANCEL_TIMEOUT", "RunContext", "RunExecutor", "TurnArtifacts", "final_events"]

CANCEL_TIMEOUT = 5.0
"""Seconds ``CancelTask`` waits for the run to end before it marks the task canceled anyway."""

_STATES = {
    "finished": TaskState.TASK_STATE_COMPLETED,
    "cancelled": TaskState.TASK_STATE_CANCELED,
    "failed": TaskState.TASK_STATE_FAILED,
}
"""``WebRun.state`` -> the task's last state."""


class RunContext(RequestContext):
    """A message's request context, with the run it asks for (made by the surface's builder).

    Attributes:
        team: the served team the message's skill names.
        inputs: the run's inputs, checked against the team's signature.

    """

    def __init__(
        self, call_context: ServerCallContext, team: str, inputs: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(call_context, **kwargs)
        self.team = team
        self.inputs = inputs


def _data(value: dict[str, Any]) -> Part:
    return Part(data=Value(struct_value=value))


class _Turn:
    """One agent's turn in progress: its artifact, and whether a chunk created it yet."""

    __slots__ = ("agent", "artifact_id", "opened", "round")

    def __init__(self, agent: str, artifact_id: str, round_: int) -> None:
        self.agent = agent
        self.artifact_id = artifact_id
        self.round = round_
        self.opened = False


class TurnArtifacts:
    """Turns one run's events into artifact updates: a streamed artifact per agent turn.

    Feed it the run's events batch by batch with :meth:`translate` (the
    mapping is in this module's docstring).

    Args:
        task_id: the task's id.
        context_id: the task's context id.

    """

    def __init__(self, task_id: str, context_id: str) -> None:
        self.task_id = task_id
        self.context_id = context_id
        self._turns: dict[str, _Turn] = {}
        self._counts: dict[str, int] = {}
        self._texts: dict[str, list[list[str]]] = {}  # agent -> [field, text, text, ...] unsent

    def translate(self, events: Iterable[Event]) -> list[TaskArtifactUpdateEvent]:
        """The artifact updates of one batch of events (tokens of a turn make one chunk)."""
        out: list[TaskArtifactUpdateEvent] = []
        for event in events:
            agent = event.agent or "agent"
            match event:
                case Token():
                    if event.text:
                        self._token(agent, event)
                case AgentStarted():
                    self._flush(agent, out)
                    self._open(agent, event.round)
                case ToolCalled():
                    call = {
                        "tool": event.tool,
                        "call_id": event.call_id,
                        "arguments": event.arguments,
                        "result": event.result,
                        "error": event.error,
                    }
                    self._flush(agent, out, [_data(call)])
                case AgentFinished():
                    output = _data(event.output)
                    usage = {"usage": _usage(event.usage)}
                    self._flush(agent, out, [output], last=True, metadata=usage)
                    del self._turns[agent]
        for agent in list(self._texts):
            self._flush(agent, out)
        return out

    def _open(self, agent: str, round_: int) -> _Turn:
        count = self._counts.get(agent, 0) + 1
        self._counts[agent] = count
        turn = self._turns[agent] = _Turn(agent, f"{agent}-{count}", round_)
        return turn

    def _token(self, agent: str, event: Token) -> None:
        if agent not in self._turns:
            self._open(agent, 0)
        segments = self._texts.setdefault(agent, [])
        if segments and segments[-1][0] == event.field:
            segments[-1].append(event.text)
        else:
            segments.append([event.field, event.text])

    def _flush(
        self,
        agent: str,
        out: list[TaskArtifactUpdateEvent],
        more: list[Part] | None = None,
        *,
        last: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Send the agent's unsent text (and ``more`` parts) as one chunk of its turn."""
        segments = self._texts.pop(agent, None)
        if segments is None and more is None:
            return
        turn = self._turns.get(agent) or self._open(agent, 0)
        parts = [
            Part(text="".join(segment[1:]), metadata={"field": segment[0]})
            for segment in segments or ()
        ]
        artifact = Artifact(artifact_id=turn.artifact_id, parts=[*parts, *(more or ())])
        if not turn.opened:
            artifact.name = agent
            artifact.description = f"{agent}'s turn (round {turn.round})"
            artifact.metadata.update({"agent": agent, "round": turn.round})
        if metadata is not None:
            artifact.metadata.update(metadata)
        out.append(
            TaskArtifactUpdateEvent(
                task_id=self.task_id,
                context_id=self.context_id,
                artifact=artifact,
                append=turn.opened,
                last_chunk=last,
            )
        )
        turn.opened = True


def _usage(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost": usage.cost,
        "calls": usage.calls,
    }


def _status(
    task_id: str, context_id: str, state: TaskState, text: str | None = None, **meta: Any
) -> TaskStatusUpdateEvent:
    status = TaskStatus(state=state)
    status.timestamp.GetCurrentTime()
    if text is not None:
        status.message.CopyFrom(
            Message(
                message_id=f"{task_id}-end",
                context_id=context_id,
                task_id=task_id,
                role=Role.ROLE_AGENT,
                parts=[Part(text=text)],
            )
        )
    event = TaskStatusUpdateEvent(task_id=task_id, context_id=context_id, status=status)
    if meta:
        event.metadata.update({"kaizen": meta})
    return event


def final_events(
    run: WebRun, task_id: str, context_id: str
) -> list[TaskArtifactUpdateEvent | TaskStatusUpdateEvent]:
    """The events that end the task of a run: the ``output`` artifact and the last status.

    A run still going (``CancelTask`` stopped waiting for it) ends the task as canceled.
    """
    meta: dict[str, Any] = {"run_id": run.run_id, "team": run.team}
    if not run.ended.is_set():
        message = f"cancelled; the run had not stopped {CANCEL_TIMEOUT} s later"
        meta["error"] = {"type": "CancelledError", "reason": "cancelled", "message": message}
        return [_status(task_id, context_id, TaskState.TASK_STATE_CANCELED, message, **meta)]
    state = _STATES[run.state]
    if run.output is None or run.state != "finished":
        error = run.error or {"message": f"the run {run.state}"}
        meta["error"] = error
        return [_status(task_id, context_id, state, error["message"], **meta)]
    meta["usage"] = run.usage
    fields = msgspec.to_builtins(run.output)  # as the run's events have it in JSON
    output = TaskArtifactUpdateEvent(
        task_id=task_id,
        context_id=context_id,
        artifact=Artifact(
            artifact_id="output",
            name="output",
            description=f"the output of team {run.team!r}",
            parts=[_data(fields), Part(text=json.dumps(fields, ensure_ascii=False))],
        ),
        last_chunk=True,
    )
    return [output, _status(task_id, context_id, state, **meta)]


class _Live:
    """A task whose run is going on: ``done`` once its last status is enqueued."""

    __slots__ = ("context_id", "done", "run", "settled")

    def __init__(self, run: WebRun, context_id: str) -> None:
        self.run = run
        self.context_id = context_id
        self.settled = False  # its last events are (being) enqueued
        self.done = anyio.Event()


class RunExecutor(AgentExecutor):
    """The A2A ``AgentExecutor`` of an app: a message's task is one run of a served team.

    Args:
        web: the app's state (its teams and runs).
        forget: called with ``(task_id, call_context)`` when a task's run
            has ended, to drop the task from the store later.

    """

    def __init__(self, web: WebState, forget: Callable[[str, ServerCallContext], None]) -> None:
        self.web = web
        self.forget = forget
        self._live: dict[str, _Live] = {}

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Start the run the message asks for and report it as the task's events until it ends.

        Raises:
            InvalidParamsError: the team or the inputs were refused.
            InternalError: the run could not start (too many runs, the app stopping).

        """
        assert isinstance(context, RunContext), "the A2A surface builds the request contexts"
        task_id, context_id = context.task_id or "", context.context_id or ""
        try:
            run = self.web.start_run(context.team, context.inputs, detached=True)
        except WebError as exc:  # the SDK stores the task as failed and answers the error
            self.forget(task_id, context.call_context)
            error = InvalidParamsError if exc.status in (404, 422) else InternalError
            raise error(message=str(exc)) from None
        live = self._live[task_id] = _Live(run, context_id)
        try:
            meta = {"kaizen": {"run_id": run.run_id, "team": run.team}}
            task = Task(
                id=task_id,
                context_id=context_id,
                status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
                history=[context.message] if context.message is not None else [],
                metadata=meta,
            )
            task.status.timestamp.GetCurrentTime()
            await event_queue.enqueue_event(task)
            await event_queue.enqueue_event(
                _status(task_id, context_id, TaskState.TASK_STATE_WORKING)
            )
            turns = TurnArtifacts(task_id, context_id)
            async with aclosing(run.follow(0, self.web.keepalive)) as batches:
                async for batch in batches:
                    events = [decode_frame(frame).event for frame in batch]
                    for update in turns.translate(events):
                        await event_queue.enqueue_event(update)
            await run.ended.wait()  # at once, unless this reader fell behind the buffer
            await self._end(task_id, live, event_queue)
        finally:
            del self._live[task_id]
            if not run.ended.is_set():  # the task was cancelled, or the app is stopping
                self._cancel_run(run)
            self.forget(task_id, context.call_context)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Cancel the task's run; return once the task's ``canceled`` status is enqueued.

        A task whose run ends otherwise meanwhile ends as that run did.
        """
        live = self._live.get(context.task_id or "")
        if live is None:  # not started, or over: the SDK settles the task itself
            return
        self._cancel_run(live.run)
        with anyio.move_on_after(CANCEL_TIMEOUT):
            await live.done.wait()
        await self._end(context.task_id or "", live, event_queue)

    def _cancel_run(self, run: WebRun) -> None:
        with suppress(WebError):  # forgotten already: it ended long ago
            self.web.hub.cancel(run.run_id)

    async def _end(self, task_id: str, live: _Live, event_queue: EventQueue) -> None:
        """Enqueue the task's last events, once, from the run's outcome."""
        if live.settled:
            return
        live.settled = True
        try:
            for event in final_events(live.run, task_id, live.context_id):
                await event_queue.enqueue_event(event)
        finally:
            live.done.set()
