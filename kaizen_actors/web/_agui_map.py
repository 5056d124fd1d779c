"""``AguiTranslator``: one run's events as AG-UI 1.0 events (the endpoint is in ``_agui``).

The mapping:

- ``RunStarted`` -> ``RUN_STARTED`` (the input's ``threadId``, ``runId``
  and ``parentRunId``, and ``protocolVersion``).
- ``RoundStarted`` -> ``STEP_FINISHED`` of the previous round, then
  ``STEP_STARTED`` (``stepName`` ``"round <n>"``).
- ``AgentStarted`` -> ``SUBAGENT_STARTED`` (``name`` the agent; a
  ``subagentRunId`` of its own for each turn, as agents run in parallel).
- ``Token`` -> ``TEXT_MESSAGE_CONTENT``: one text message per output field
  of a turn (its content is that field's text; ``metadata.kaizen.field``
  names the field), opened by ``TEXT_MESSAGE_START`` (role ``assistant``,
  ``name`` the agent) and closed by ``TEXT_MESSAGE_END`` when the turn
  moves to another field or ends. Empty tokens are skipped.
- ``ToolCalled`` -> ``TOOL_CALL_START``, ``TOOL_CALL_ARGS`` (the arguments
  as JSON), ``TOOL_CALL_END``, ``TOOL_CALL_RESULT`` (the text the model was
  shown; the error in ``metadata.kaizen.error``). The tool call's own id is
  ``metadata.kaizen.call_id``: the AG-UI id is made unique per run.
- ``AgentFinished`` -> ``TEXT_MESSAGE_END`` of its open message, then
  ``SUBAGENT_FINISHED`` (``result`` the turn's output, outcome success,
  ``metadata.kaizen.usage``).
- ``Vote`` -> ``CUSTOM`` ``kaizen.vote`` (value ``{"agent", "round", "choice"}``).
- ``RunFinished`` -> whatever is still open is closed (messages ended, a
  turn still open reported by ``SUBAGENT_ERROR`` code ``"cancelled"``, the
  round finished), then ``RUN_FINISHED`` (``result`` the output, ``usage``
  the tokens; cost and calls in ``metadata.kaizen.usage``).
- ``RunFailed`` -> the same closing, open turns reported by
  ``SUBAGENT_ERROR`` with the run's error, then ``RUN_ERROR`` (``message``
  the error, ``code`` its type; ``metadata.kaizen.reason``).

Every event made from one of ours carries ``metadata.kaizen`` with that
event's ``seq`` and ``agent`` (``metadata`` is a field of every AG-UI 1.0
event, open by key; ``"ag-ui"`` is the protocol's reserved key) and its
``timestamp`` in milliseconds since the epoch. Within a subagent's turn,
events carry its ``subagentRunId``.

Events are built as plain dicts in the wire form (camelCase keys, no
``null`` for an absent optional field) and encoded with msgspec, not as
``ag_ui.core`` pydantic models: building and dumping a model costs about
8 us per event (``model_construct`` is no cheaper), a dict about 0.5 us,
and a token is one event. The tests check every event against the
package's models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ..events import (
    AgentFinished,
    AgentStarted,
    RoundStarted,
    RunFailed,
    RunFinished,
    RunStarted,
    Token,
    ToolCalled,
    Vote,
)

if TYPE_CHECKING:
    from ..events import Event, Usage

__all__ = ["AguiEvent", "AguiTranslator", "encode"]

AguiEvent = dict[str, Any]
"""An AG-UI event in its wire form: the JSON object a client receives."""

encode = msgspec.json.Encoder().encode
"""An AG-UI event (or any JSON value) as JSON bytes."""


def _meta(event: Event, **extra: Any) -> dict[str, Any]:
    """The ``metadata`` of an AG-UI event made from ``event``: ``seq``, ``agent`` and ``extra``."""
    return {"kaizen": {"seq": event.seq, "agent": event.agent, **extra}}


def _usage(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost": usage.cost,
        "calls": usage.calls,
    }


class _Turn:
    """One agent's turn in progress: its subagent id and its open text message."""

    __slots__ = ("field", "message_id", "name", "subagent_id")

    def __init__(self, name: str, subagent_id: str) -> None:
        self.name = name
        self.subagent_id = subagent_id
        self.message_id: str | None = None
        self.field = ""


class AguiTranslator:
    """Turns one run's events into AG-UI 1.0 events, keeping what is open balanced.

    Feed it the run's events in order with :meth:`translate`; it keeps the
    turns, messages and round still open, so that everything is closed
    before ``RUN_FINISHED`` or ``RUN_ERROR`` (the mapping is in this
    module's docstring). Ids are our run id, a letter for the kind of
    thing (``s`` subagent run, ``m`` message, ``t`` tool call, ``r`` tool
    result) and the ``seq`` of the event that opened it: ``<run>-m17``.
    They are unique across runs, as a client keeping a thread's messages
    needs.

    Args:
        thread_id: the AG-UI thread (the input's ``threadId``).
        run_id: the AG-UI run id (the input's ``runId``).
        parent_run_id: the input's ``parentRunId``, if any.

    Attributes:
        finished: whether ``RUN_FINISHED`` or ``RUN_ERROR`` was made.

    Version added: 0.1

    """

    def __init__(self, thread_id: str, run_id: str, parent_run_id: str | None = None) -> None:
        from ag_ui.core import PROTOCOL_VERSION

        self.thread_id = thread_id
        self.run_id = run_id
        self.parent_run_id = parent_run_id
        self.finished = False
        self._version = PROTOCOL_VERSION
        self._turns: dict[str | None, _Turn] = {}
        self._step: str | None = None

    def translate(self, event: Event, time: float) -> list[AguiEvent]:
        """The AG-UI events ``event`` becomes (none for an empty token).

        Args:
            event: the run's next event.
            time: when it happened, in seconds since the epoch.

        """
        ts = int(time * 1000)
        match event:
            case Token():
                return self._token(event, ts)
            case RunStarted():
                return [self._run_started(event, ts)]
            case RoundStarted():
                return self._round(event, ts)
            case AgentStarted():
                return self._agent_started(event, ts)
            case ToolCalled():
                return self._tool(event, ts)
            case AgentFinished():
                return self._agent_finished(event, ts)
            case Vote():
                return [self._vote(event, ts)]
            case RunFinished():
                return self._run_finished(event, ts)
            case RunFailed():
                return self._run_failed(event, ts)
        return []

    def abort(self, message: str, time: float) -> list[AguiEvent]:
        """Close what is open and end with ``RUN_ERROR``: the stream ended before the run did.

        Args:
            message: why the stream ended.
            time: when, in seconds since the epoch.

        """
        ts = int(time * 1000)
        out = self._close_all(ts, None, message, "StreamEnded")
        out.append(
            {"type": "RUN_ERROR", "timestamp": ts, "message": message, "code": "StreamEnded"}
        )
        self.finished = True
        return out

    # -- runs and rounds --------------------------------------------------------------------

    def _run_started(self, event: RunStarted, ts: int) -> AguiEvent:
        started: AguiEvent = {
            "type": "RUN_STARTED",
            "timestamp": ts,
            "metadata": _meta(event, run_id=event.run_id, pattern=event.pattern),
            "threadId": self.thread_id,
            "runId": self.run_id,
            "protocolVersion": self._version,
        }
        if self.parent_run_id is not None:
            started["parentRunId"] = self.parent_run_id
        return started

    def _round(self, event: RoundStarted, ts: int) -> list[AguiEvent]:
        out = self._finish_step(ts, _meta(event))
        self._step = f"round {event.round}"
        out.append(
            {
                "type": "STEP_STARTED",
                "timestamp": ts,
                "metadata": _meta(event, round=event.round),
                "stepName": self._step,
            }
        )
        return out

    def _finish_step(self, ts: int, meta: dict[str, Any] | None) -> list[AguiEvent]:
        if self._step is None:
            return []
        finished: AguiEvent = {"type": "STEP_FINISHED", "timestamp": ts, "stepName": self._step}
        if meta is not None:
            finished["metadata"] = meta
        self._step = None
        return [finished]

    def _run_finished(self, event: RunFinished, ts: int) -> list[AguiEvent]:
        unfinished = "the run ended before this turn finished"
        out = self._close_all(ts, _meta(event), unfinished, "cancelled")
        usage = event.usage
        out.append(
            {
                "type": "RUN_FINISHED",
                "timestamp": ts,
                "metadata": _meta(event, usage=_usage(usage)),
                "threadId": self.thread_id,
                "runId": self.run_id,
                "result": event.output,
                "usage": [
                    {
                        "inputTokens": usage.prompt_tokens,
                        "outputTokens": usage.completion_tokens,
                        "totalTokens": usage.total_tokens,
                    }
                ],
            }
        )
        self.finished = True
        return out

    def _run_failed(self, event: RunFailed, ts: int) -> list[AguiEvent]:
        message = event.error or f"the run failed ({event.reason})"
        code = event.error_type or event.reason
        out = self._close_all(ts, _meta(event), message, code)
        out.append(
            {
                "type": "RUN_ERROR",
                "timestamp": ts,
                "metadata": _meta(event, reason=event.reason),
                "message": message,
                "code": code,
            }
        )
        self.finished = True
        return out

    def _close_all(
        self, ts: int, meta: dict[str, Any] | None, message: str, code: str
    ) -> list[AguiEvent]:
        """End every open message, report every open turn as failed, finish the round."""
        out: list[AguiEvent] = []
        for turn in self._turns.values():
            self._fail_turn(turn, ts, meta, message, code, out)
        self._turns.clear()
        out += self._finish_step(ts, meta)
        return out

    # -- turns ------------------------------------------------------------------------------

    def _open_turn(self, event: Event, ts: int, out: list[AguiEvent], **extra: Any) -> _Turn:
        turn = _Turn(event.agent or "agent", f"{event.run_id}-s{event.seq}")
        self._turns[event.agent] = turn
        out.append(
            {
                "type": "SUBAGENT_STARTED",
                "timestamp": ts,
                "metadata": _meta(event, **extra),
                "subagentRunId": turn.subagent_id,
                "name": turn.name,
            }
        )
        return turn

    def _turn(self, event: Event, ts: int, out: list[AguiEvent]) -> _Turn:
        """The agent's open turn; one is opened for an event that came without ``AgentStarted``."""
        return self._turns.get(event.agent) or self._open_turn(event, ts, out)

    def _agent_started(self, event: AgentStarted, ts: int) -> list[AguiEvent]:
        out: list[AguiEvent] = []
        unfinished = self._turns.pop(event.agent, None)
        if unfinished is not None:  # its AgentFinished never came
            message = "the agent started another turn before this one finished"
            self._fail_turn(unfinished, ts, _meta(event), message, "cancelled", out)
        self._open_turn(event, ts, out, round=event.round, inputs=event.inputs)
        return out

    def _agent_finished(self, event: AgentFinished, ts: int) -> list[AguiEvent]:
        out: list[AguiEvent] = []
        turn = self._turn(event, ts, out)
        del self._turns[event.agent]
        self._end_message(turn, ts, _meta(event), out)
        out.append(
            {
                "type": "SUBAGENT_FINISHED",
                "timestamp": ts,
                "metadata": _meta(event, round=event.round, usage=_usage(event.usage)),
                "subagentRunId": turn.subagent_id,
                "result": event.output,
                "outcome": {"type": "success"},
            }
        )
        return out

    def _fail_turn(
        self,
        turn: _Turn,
        ts: int,
        meta: dict[str, Any] | None,
        message: str,
        code: str,
        out: list[AguiEvent],
    ) -> None:
        self._end_message(turn, ts, meta, out)
        error: AguiEvent = {
            "type": "SUBAGENT_ERROR",
            "timestamp": ts,
            "subagentRunId": turn.subagent_id,
            "message": message,
            "code": code,
        }
        if meta is not None:
            error["metadata"] = meta
        out.append(error)

    # -- messages and tool calls ------------------------------------------------------------

    def _token(self, event: Token, ts: int) -> list[AguiEvent]:
        if not event.text:
            return []
        turn = self._turns.get(event.agent)
        out: list[AguiEvent] = []
        if turn is None:
            turn = self._open_turn(event, ts, out)
        if turn.message_id is None or turn.field != event.field:
            self._end_message(turn, ts, _meta(event), out)
            turn.message_id, turn.field = f"{event.run_id}-m{event.seq}", event.field
            out.append(
                {
                    "type": "TEXT_MESSAGE_START",
                    "timestamp": ts,
                    "metadata": _meta(event, field=event.field),
                    "subagentRunId": turn.subagent_id,
                    "messageId": turn.message_id,
                    "role": "assistant",
                    "name": turn.name,
                }
            )
        out.append(
            {
                "type": "TEXT_MESSAGE_CONTENT",
                "timestamp": ts,
                "metadata": {"kaizen": {"seq": event.seq, "agent": event.agent}},
                "subagentRunId": turn.subagent_id,
                "messageId": turn.message_id,
                "delta": event.text,
            }
        )
        return out

    @staticmethod
    def _end_message(
        turn: _Turn, ts: int, meta: dict[str, Any] | None, out: list[AguiEvent]
    ) -> None:
        if turn.message_id is None:
            return
        end: AguiEvent = {
            "type": "TEXT_MESSAGE_END",
            "timestamp": ts,
            "subagentRunId": turn.subagent_id,
            "messageId": turn.message_id,
        }
        if meta is not None:
            end["metadata"] = meta
        out.append(end)
        turn.message_id = None

    def _tool(self, event: ToolCalled, ts: int) -> list[AguiEvent]:
        out: list[AguiEvent] = []
        turn = self._turn(event, ts, out)
        call_id = f"{event.run_id}-t{event.seq}"
        meta = _meta(event, call_id=event.call_id)
        common = {
            "timestamp": ts,
            "metadata": meta,
            "subagentRunId": turn.subagent_id,
            "toolCallId": call_id,
        }
        out += (
            {"type": "TOOL_CALL_START", **common, "toolCallName": event.tool},
            {"type": "TOOL_CALL_ARGS", **common, "delta": encode(event.arguments).decode()},
            {"type": "TOOL_CALL_END", **common},
            {
                "type": "TOOL_CALL_RESULT",
                **common,
                "metadata": meta if event.error is None else _meta(event, error=event.error),
                "messageId": f"{event.run_id}-r{event.seq}",
                "content": event.result,
                "role": "tool",
            },
        )
        return out

    def _vote(self, event: Vote, ts: int) -> AguiEvent:
        return {
            "type": "CUSTOM",
            "timestamp": ts,
            "metadata": _meta(event),
            "name": "kaizen.vote",
            "value": {"agent": event.agent, "round": event.round, "choice": event.choice},
        }
