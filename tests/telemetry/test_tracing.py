"""OpenTelemetry spans through the process middleware: runs, turns, model and tool calls, actors."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

import kaizen_actors as ka
from kaizen_actors import telemetry
from kaizen_actors.coordination import Debate, team

from ..actors.common import Hop, Relay
from ..coordination.models import scripted
from .conftest import Otel

pytestmark = pytest.mark.anyio


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    """``span``'s parent, its parent's parent, ... among ``spans``."""
    by_id = {s.context.span_id: s for s in spans}
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan | None:
    found = ancestors(span, spans)
    return found[0] if found else None


async def test_a_debate_served_by_another_system_over_nats_is_one_trace_under_its_run(
    otel: Otel,
    nats_server: Any,
) -> None:
    served = [scripted("solver1", "No", "Yes"), scripted("solver2", "Yes", "yes.")]
    async with ka.ActorSystem("oteldebate", nats_server.url) as host:
        for agent in served:
            await agent.spawn(host)
        with anyio.fail_after(10):
            async with team(
                "solver1",
                "solver2",
                pattern=Debate(rounds=2),
                transport=nats_server.url,
                namespace="oteldebate",
            ) as t:
                result = await t.run(question="Is 1009 prime?")
    spans = otel.spans()
    (run,) = otel.spans("ka.run")
    assert run.attributes is not None and run.attributes["ka.run_id"] == result.run_id
    assert run.attributes["ka.pattern"] == "debate" and run.parent is None
    chats = otel.spans("gen_ai.chat")
    assert len(chats) == 4  # two agents, two rounds
    trace_id = run.context.trace_id
    for chat in chats:
        assert chat.context.trace_id == trace_id
        assert run in ancestors(chat, spans)
    turns = otel.spans("ka.agent.turn")
    assert len(turns) == 4
    for turn in turns:
        assert parent_of(turn, spans) is run  # across the wire, by the headers alone
        assert turn.attributes is not None and turn.attributes["ka.system"] == "oteldebate"
    assert {t.attributes["gen_ai.agent.name"] for t in turns if t.attributes} == {
        "solver1",
        "solver2",
    }


async def test_a_team_run_in_process_nests_turns_and_model_calls_with_genai_attributes(
    otel: Otel,
) -> None:
    agents = [scripted("a", "Yes"), scripted("b", "Yes")]
    async with team(*agents, pattern=Debate(rounds=1), name="pair") as t:
        result = await t.run(question="Is 1009 prime?")
    spans = otel.spans()
    (run,) = otel.spans("ka.run")
    assert run.attributes is not None and run.attributes["ka.team"] == "pair"
    assert run.status.status_code is StatusCode.UNSET
    turns = otel.spans("ka.agent.turn")
    assert sorted(t.attributes["gen_ai.agent.name"] for t in turns if t.attributes) == ["a", "b"]
    assert all(parent_of(turn, spans) is run for turn in turns)
    chats = otel.spans("gen_ai.chat")
    assert len(chats) == 2
    for chat in chats:
        turn = parent_of(chat, spans)
        assert turn is not None and turn.name == "ka.agent.turn"
        attributes = chat.attributes
        assert attributes is not None
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.request.model"] == agents[0].model.name
        assert attributes["gen_ai.agent.name"] == turn.attributes["gen_ai.agent.name"]  # type: ignore[index]
        assert attributes["gen_ai.usage.input_tokens"] > 0
        assert attributes["gen_ai.usage.output_tokens"] > 0
        assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
        assert attributes["ka.run_id"] == result.run_id
    for turn in turns:
        assert turn.attributes is not None
        name = turn.attributes["gen_ai.agent.name"]
        assert turn.attributes["gen_ai.usage.output_tokens"] == (
            result.usage.agents[str(name)].completion_tokens
        )


async def pong() -> str:
    """Answer pong."""
    return "pong"


async def broken() -> str:
    """Always fails."""
    raise RuntimeError("tool is down")


async def test_tool_calls_are_spans_under_their_turn_and_a_failed_one_has_error_status(
    otel: Otel,
) -> None:
    def calls(name: str) -> Any:
        def respond(messages: list[dict[str, Any]]) -> Any:
            return "done" if messages[-1]["role"] == "tool" else ka.ToolCall(name)

        return respond

    agents = [
        ka.Agent(name, "q -> answer", model=ka.ScriptedModel(respond=calls(name)), tools=[tool])
        for tool, name in ((pong, "pong"), (broken, "broken"))
    ]
    async with team(*agents, pattern=Debate(rounds=1)) as t:
        result = await t.run(q="?")
    assert [turn.output["answer"] for turn in result.transcript] == ["done", "done"]
    spans = otel.spans()
    tools = {s.attributes["gen_ai.tool.name"]: s for s in otel.spans("ka.tool") if s.attributes}
    assert set(tools) == {"pong", "broken"}
    assert tools["pong"].status.status_code is StatusCode.UNSET
    assert tools["broken"].status.status_code is StatusCode.ERROR
    assert "tool is down" in (tools["broken"].status.description or "")
    for span in tools.values():
        assert span.attributes is not None
        assert span.attributes["gen_ai.operation.name"] == "execute_tool"
        turn = parent_of(span, spans)
        assert turn is not None and turn.name == "ka.agent.turn"
    finish = [s.attributes["gen_ai.response.finish_reasons"] for s in otel.spans("gen_ai.chat")]
    assert finish.count(("tool_calls",)) == 2 and finish.count(("stop",)) == 2


async def test_a_failed_run_has_an_error_status(otel: Otel, quiet_crash_logs: None) -> None:
    async with team(scripted("mute"), pattern=Debate(rounds=1)) as t:  # no reply to give
        with pytest.raises(ka.RunError):
            await t.run(question="?")
    (run,) = otel.spans("ka.run")
    assert run.status.status_code is StatusCode.ERROR
    assert "RunError" in (run.status.description or "")


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_nested_asks_are_receive_spans_under_the_sender_in_one_trace(otel: Otel) -> None:
    async with ka.ActorSystem("hops") as system:
        for name in ("a", "b", "c"):
            await system.spawn(Hop, name=name)
        headers = await system.ref("a").ask(Relay(["b", "c"]), timeout=5)
    assert "traceparent" in headers
    spans = otel.spans("ka.actor.receive")
    by_actor = {s.attributes["ka.actor.name"]: s for s in spans if s.attributes}
    assert by_actor["a"].parent is None
    assert parent_of(by_actor["b"], spans) is by_actor["a"]
    assert parent_of(by_actor["c"], spans) is by_actor["b"]
    assert by_actor["c"].attributes["ka.message.type"] == "Relay"  # type: ignore[index]
    assert len({s.context.trace_id for s in spans}) == 1


async def test_uninstrument_takes_everything_off_the_path_and_instrument_twice_is_an_error(
    otel: Otel,
) -> None:
    async with ka.ActorSystem("onoff") as system:
        await system.spawn(Hop, name="a")
        assert system._chain is not None
        with pytest.raises(ka.ConfigError, match="instrumented already"):
            telemetry.instrument()
        telemetry.uninstrument()
        assert system._chain is None and not telemetry.instrumented()
        await system.ref("a").ask(Relay([]), timeout=5)
        telemetry.uninstrument()  # off already: nothing to do
    assert otel.spans() == []


def test_instrument_without_opentelemetry_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ka.ConfigError, match=r"pip install 'kaizen-actors\[otel\]'"):
        telemetry.instrument()
    assert not telemetry.instrumented()


def test_importing_telemetry_loads_no_opentelemetry() -> None:
    code = (
        "import sys, kaizen_actors.telemetry as t; t.instrumented; t.collector;"
        "print([m for m in sys.modules if m.startswith('opentelemetry')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
