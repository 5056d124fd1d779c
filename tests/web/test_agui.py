"""``POST /agui/<team>``: the AG-UI translation, the endpoint, and the reference client."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest
from ag_ui.core import Event as AguiModel
from pydantic import TypeAdapter

import kaizen_actors as ka
from kaizen_actors.cli._demo_team import build_scenario
from kaizen_actors.events import (
    AgentFinished,
    AgentStarted,
    Event,
    RoundStarted,
    RunFailed,
    RunFinished,
    RunStarted,
    Token,
    ToolCalled,
    Usage,
    Vote,
)
from kaizen_actors.web import WebError, WebRun, create_app, resolve_served
from kaizen_actors.web._agui import _inputs, _run_input, agui_frames
from kaizen_actors.web._agui_map import AguiTranslator

from .conftest import QUESTION, demo_team
from .server import serve

pytestmark = pytest.mark.anyio

JS = Path(__file__).parent / "js"
RUN = "r0"
EPOCH = 1_800_000_000.0
_models: TypeAdapter[Any] = TypeAdapter(AguiModel)


# -- checking a stream of AG-UI events -----------------------------------------------------


def check_stream(events: list[dict[str, Any]]) -> None:
    """Fail unless ``events`` is one valid AG-UI 1.0 run with everything opened closed.

    Each event must be exactly what ``ag_ui.core``'s model of it dumps (no
    unknown key, no null for an absent field); the order follows the
    reference client's verifier, made stricter: a message or tool call
    belongs to an open subagent, and nothing is open at ``RUN_ERROR`` either.
    """
    for event in events:
        model = _models.validate_python(event)
        assert not model.model_extra, event
        assert model.model_dump(mode="json", by_alias=True) == event
    assert events[0]["type"] == "RUN_STARTED"
    assert events[-1]["type"] in ("RUN_FINISHED", "RUN_ERROR")
    messages: dict[str, str | None] = {}  # open message -> its subagent
    calls: dict[str, str | None] = {}
    ended_calls: set[str] = set()
    subagents: set[str] = set()
    seen: set[str] = set()
    steps: set[str] = set()
    for event in events[1:]:
        kind, owner = event["type"], event.get("subagentRunId")
        assert owner is None or owner in subagents or kind == "SUBAGENT_STARTED", event
        if kind == "TEXT_MESSAGE_START":
            assert event["messageId"] not in seen, event
            seen.add(event["messageId"])
            messages[event["messageId"]] = owner
        elif kind in ("TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"):
            assert messages[event["messageId"]] == owner, event
            if kind == "TEXT_MESSAGE_END":
                del messages[event["messageId"]]
            else:
                assert event["delta"], event
        elif kind == "TOOL_CALL_START":
            assert event["toolCallId"] not in seen, event
            seen.add(event["toolCallId"])
            calls[event["toolCallId"]] = owner
        elif kind in ("TOOL_CALL_ARGS", "TOOL_CALL_END"):
            assert calls[event["toolCallId"]] == owner, event
            if kind == "TOOL_CALL_END":
                del calls[event["toolCallId"]]
                ended_calls.add(event["toolCallId"])
        elif kind == "TOOL_CALL_RESULT":
            assert event["toolCallId"] in ended_calls, event
        elif kind == "STEP_STARTED":
            assert event["stepName"] not in steps, event
            steps.add(event["stepName"])
        elif kind == "STEP_FINISHED":
            steps.remove(event["stepName"])
        elif kind == "SUBAGENT_STARTED":
            assert event["subagentRunId"] not in seen, event
            seen.add(event["subagentRunId"])
            subagents.add(event["subagentRunId"])
        elif kind in ("SUBAGENT_FINISHED", "SUBAGENT_ERROR"):
            assert not any(o == owner for o in [*messages.values(), *calls.values()]), event
            subagents.remove(event["subagentRunId"])
        elif kind in ("RUN_FINISHED", "RUN_ERROR"):
            assert event is events[-1], event
            assert not (messages or calls or steps or subagents), (messages, calls, steps)
        else:
            assert kind == "CUSTOM", event


def numbered(*events: Event) -> list[Event]:
    """The events as one run's stream: ``run_id`` and gap-free ``seq``."""
    for seq, event in enumerate(events):
        event.run_id, event.seq = RUN, seq
    return list(events)


def translate(
    events: list[Event], translator: AguiTranslator | None = None
) -> list[dict[str, Any]]:
    """The AG-UI events of ``events``; event ``seq`` happens at ``EPOCH + seq`` seconds."""
    translator = translator or AguiTranslator("thread", "agui-run")
    return [out for e in events for out in translator.translate(e, EPOCH + e.seq)]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def frames(raw: bytes) -> list[dict[str, Any]]:
    """The AG-UI events of a raw SSE body, checking its framing on the way."""
    assert b"\r" not in raw
    events = []
    for frame in raw.split(b"\n\n"):
        if frame and not frame.startswith(b":"):
            assert frame.startswith(b"data: ") and b"\n" not in frame, frame
            events.append(json.loads(frame[6:]))
    assert raw.endswith(b"\n\n")
    return events


# -- the translator ------------------------------------------------------------------------


def test_a_run_becomes_run_step_subagent_message_and_run_finished_in_order() -> None:
    usage = Usage(prompt_tokens=5, completion_tokens=2, cost=0.25, calls=1)
    events = numbered(
        RunStarted(pattern="debate", inputs=QUESTION),
        RoundStarted(round=1),
        AgentStarted(agent="euler", round=1, inputs=QUESTION),
        Token(agent="euler", text="Ye", field="answer"),
        Token(agent="euler", text="s", field="answer"),
        AgentFinished(agent="euler", round=1, output={"answer": "Yes"}, usage=usage),
        RunFinished(output={"answer": "Yes"}, usage=usage),
    )
    translator = AguiTranslator("thread", "agui-run", parent_run_id="parent")
    out = translate(events, translator)
    check_stream(out)
    assert kinds(out) == [
        "RUN_STARTED",
        "STEP_STARTED",
        "SUBAGENT_STARTED",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "SUBAGENT_FINISHED",
        "STEP_FINISHED",
        "RUN_FINISHED",
    ]
    started, step, subagent, message, first, second, end, done, _, finished = out
    assert started["threadId"] == "thread" and started["runId"] == "agui-run"
    assert started["protocolVersion"] == "1.0" and started["parentRunId"] == "parent"
    assert started["metadata"]["kaizen"] == {
        "seq": 0,
        "agent": None,
        "run_id": RUN,
        "pattern": "debate",
    }
    assert step["stepName"] == "round 1"
    assert subagent["name"] == "euler"
    sub_id = subagent["subagentRunId"]
    assert {e.get("subagentRunId") for e in (message, first, second, end, done)} == {sub_id}
    assert message["role"] == "assistant" and message["name"] == "euler"
    assert message["metadata"]["kaizen"]["field"] == "answer"
    assert [first["delta"], second["delta"]] == ["Ye", "s"]
    assert first["metadata"] == {"kaizen": {"seq": 3, "agent": "euler"}}
    assert first["timestamp"] == int((EPOCH + 3) * 1000)
    assert done["result"] == {"answer": "Yes"} and done["outcome"] == {"type": "success"}
    assert done["metadata"]["kaizen"]["usage"]["cost"] == 0.25
    assert finished["result"] == {"answer": "Yes"}
    assert finished["usage"] == [{"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}]
    assert finished["metadata"]["kaizen"]["usage"]["calls"] == 1
    assert translator.finished


def test_parallel_turns_interleaved_keep_their_own_subagent_and_messages() -> None:
    events = numbered(
        RunStarted(),
        AgentStarted(agent="a"),
        AgentStarted(agent="b"),
        Token(agent="a", text="a1", field="answer"),
        Token(agent="b", text="b1", field="answer"),
        Token(agent="a", text="a2", field="answer"),
        AgentFinished(agent="b", output={"answer": "b1"}),
        Token(agent="a", text="a3", field="answer"),
        AgentFinished(agent="a", output={"answer": "a1a2a3"}),
        AgentStarted(agent="b"),
        Token(agent="b", text="b2", field="answer"),
        AgentFinished(agent="b", output={"answer": "b2"}),
        RunFinished(),
    )
    out = translate(events)
    check_stream(out)
    names = {e["subagentRunId"]: e["name"] for e in out if e["type"] == "SUBAGENT_STARTED"}
    assert sorted(names.values()) == ["a", "b", "b"]  # a new subagent run for b's second turn
    text: dict[str, str] = {}
    owner: dict[str, str] = {}
    for e in out:
        if e["type"] == "TEXT_MESSAGE_START":
            owner[e["messageId"]] = names[e["subagentRunId"]]
            assert e["name"] == owner[e["messageId"]]
        elif e["type"] == "TEXT_MESSAGE_CONTENT":
            text[e["messageId"]] = text.get(e["messageId"], "") + e["delta"]
    assert sorted((owner[m], t) for m, t in text.items()) == [
        ("a", "a1a2a3"),
        ("b", "b1"),
        ("b", "b2"),
    ]


def test_each_output_field_is_a_message_and_empty_tokens_are_skipped() -> None:
    events = numbered(
        RunStarted(),
        AgentStarted(agent="a"),
        Token(agent="a", text="", field="answer"),
        Token(agent="a", text="yes", field="answer"),
        Token(agent="a", text="", field="reasoning"),
        Token(agent="a", text="because", field="reasoning"),
        AgentFinished(agent="a", output={"answer": "yes", "reasoning": "because"}),
        RunFinished(),
    )
    out = translate(events)
    check_stream(out)
    assert kinds(out)[2:9] == [
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "SUBAGENT_FINISHED",
    ]
    starts = [e for e in out if e["type"] == "TEXT_MESSAGE_START"]
    assert [s["metadata"]["kaizen"]["field"] for s in starts] == ["answer", "reasoning"]
    assert [e["delta"] for e in out if e["type"] == "TEXT_MESSAGE_CONTENT"] == ["yes", "because"]


def test_a_tool_call_becomes_start_args_end_and_result_in_its_turn() -> None:
    events = numbered(
        RunStarted(),
        AgentStarted(agent="a"),
        ToolCalled(
            agent="a", tool="ping", call_id="call_0", arguments={"host": "x"}, result="pong"
        ),
        ToolCalled(agent="a", tool="ping", call_id="call_0", result="boom", error="boom"),
        Token(agent="a", text="pong", field="answer"),
        AgentFinished(agent="a", output={"answer": "pong"}),
        RunFinished(),
    )
    out = translate(events)
    check_stream(out)
    calls = [e for e in out if e["type"].startswith("TOOL_CALL")]
    assert (
        kinds(calls)
        == ["TOOL_CALL_START", "TOOL_CALL_ARGS", "TOOL_CALL_END", "TOOL_CALL_RESULT"] * 2
    )
    start, args, _, result = calls[:4]
    assert start["toolCallName"] == "ping"
    assert json.loads(args["delta"]) == {"host": "x"}
    assert result["content"] == "pong" and result["role"] == "tool"
    assert result["messageId"] != start["toolCallId"]
    assert start["metadata"]["kaizen"] == {"seq": 2, "agent": "a", "call_id": "call_0"}
    assert calls[4]["toolCallId"] != start["toolCallId"]  # the model's ids need not be unique
    assert json.loads(calls[5]["delta"]) == {}
    assert calls[7]["metadata"]["kaizen"]["error"] == "boom"
    (subagent,) = (e for e in out if e["type"] == "SUBAGENT_STARTED")
    assert {c["subagentRunId"] for c in calls} == {subagent["subagentRunId"]}


def test_a_failure_mid_turn_closes_everything_before_run_error() -> None:
    events = numbered(
        RunStarted(),
        RoundStarted(round=1),
        AgentStarted(agent="a"),
        AgentStarted(agent="b"),
        Token(agent="a", text="half", field="answer"),
        RunFailed(reason="timeout", error="too slow", error_type="kaizen_actors.RunTimeout"),
    )
    translator = AguiTranslator("thread", "agui-run")
    out = translate(events, translator)
    check_stream(out)
    assert kinds(out)[-5:] == [
        "TEXT_MESSAGE_END",
        "SUBAGENT_ERROR",
        "SUBAGENT_ERROR",
        "STEP_FINISHED",
        "RUN_ERROR",
    ]
    for failed in out[-4:-2]:
        assert failed["message"] == "too slow" and failed["code"] == "kaizen_actors.RunTimeout"
    error = out[-1]
    assert error["message"] == "too slow" and error["code"] == "kaizen_actors.RunTimeout"
    assert error["metadata"]["kaizen"] == {"seq": 5, "agent": None, "reason": "timeout"}
    assert translator.finished


def test_a_cancelled_run_without_an_error_text_still_says_what_happened() -> None:
    out = translate(numbered(RunStarted(), RunFailed(reason="cancelled")))
    check_stream(out)
    assert out[-1]["message"] == "the run failed (cancelled)" and out[-1]["code"] == "cancelled"


def test_a_turn_still_open_when_the_run_finishes_is_reported_as_cancelled() -> None:
    events = numbered(
        RunStarted(),
        AgentStarted(agent="fast"),
        AgentStarted(agent="slow"),
        Token(agent="slow", text="I was", field="answer"),
        AgentFinished(agent="fast", output={"answer": "done"}),
        RunFinished(output={"answer": "done"}),
    )
    out = translate(events)
    check_stream(out)
    assert kinds(out)[-3:] == ["TEXT_MESSAGE_END", "SUBAGENT_ERROR", "RUN_FINISHED"]
    assert out[-2]["code"] == "cancelled"


def test_events_of_a_turn_never_started_open_one() -> None:
    events = numbered(
        RunStarted(),
        Token(agent="a", text="hi", field="answer"),
        AgentStarted(agent="a"),  # the first turn never finished
        AgentFinished(agent="a", output={"answer": "ok"}),
        RunFinished(),
    )
    out = translate(events)
    check_stream(out)
    assert kinds(out)[1:8] == [
        "SUBAGENT_STARTED",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "SUBAGENT_ERROR",
        "SUBAGENT_STARTED",
        "SUBAGENT_FINISHED",
    ]


def test_a_vote_is_a_custom_kaizen_vote() -> None:
    out = translate(numbered(RunStarted(), Vote(agent="ada", round=2, choice="canberra")))
    assert out[1] == {
        "type": "CUSTOM",
        "timestamp": int((EPOCH + 1) * 1000),
        "metadata": {"kaizen": {"seq": 1, "agent": "ada"}},
        "name": "kaizen.vote",
        "value": {"agent": "ada", "round": 2, "choice": "canberra"},
    }


def test_abort_closes_what_is_open_and_ends_with_run_error() -> None:
    translator = AguiTranslator("thread", "agui-run")
    events = numbered(RunStarted(), RoundStarted(round=1), AgentStarted(agent="a"))
    out = translate(events, translator) + translator.abort("gone", EPOCH + 9)
    check_stream(out)
    assert kinds(out)[-3:] == ["SUBAGENT_ERROR", "STEP_FINISHED", "RUN_ERROR"]
    assert out[-1]["message"] == "gone" and out[-1]["code"] == "StreamEnded"


@pytest.mark.parametrize("pattern", ["debate", "consensus", "supervisor"])
async def test_a_demo_teams_whole_run_is_a_valid_balanced_stream(pattern: str) -> None:
    translator = AguiTranslator("thread", "agui-run")
    ours: list[Event] = []
    out: list[dict[str, Any]] = []
    _, _, inputs = build_scenario(pattern, token_delay=0)
    async with demo_team(pattern, delay=0) as team:
        async for event in team.stream(**inputs):
            ours.append(event)
            out += translator.translate(event, EPOCH + event.seq)
    check_stream(out)
    assert isinstance(ours[-1], RunFinished)
    assert out[-1]["result"] == ours[-1].output
    seqs = {e.seq for e in ours}
    assert all(e["metadata"]["kaizen"]["seq"] in seqs for e in out)
    # every text message holds exactly its field's text from the turn's output
    results = {e["subagentRunId"]: e["result"] for e in out if e["type"] == "SUBAGENT_FINISHED"}
    texts: dict[str, list[Any]] = {}
    for e in out:
        if e["type"] == "TEXT_MESSAGE_START":
            texts[e["messageId"]] = [e["subagentRunId"], e["metadata"]["kaizen"]["field"], ""]
        elif e["type"] == "TEXT_MESSAGE_CONTENT":
            texts[e["messageId"]][2] += e["delta"]
    for sub_id, field, text in texts.values():
        if isinstance(results[sub_id][field], str):
            assert text == results[sub_id][field]
    votes = [e for e in out if e["type"] == "CUSTOM"]
    assert len(votes) == sum(isinstance(e, Vote) for e in ours)


# -- the SSE frames of a run ---------------------------------------------------------------


async def read_frames(run: WebRun, translator: AguiTranslator) -> list[dict[str, Any]]:
    return frames(b"".join([chunk async for chunk in agui_frames(run, translator, 0.01)]))


async def test_a_stream_that_ends_before_the_runs_last_event_ends_with_run_error() -> None:
    run = WebRun(RUN, "debate", {}, detached=True, replay=100)
    for event in numbered(RunStarted(), RoundStarted(round=1), AgentStarted(agent="a")):
        run.append(event)
    run.close()  # the run's stream ended without RunFinished or RunFailed
    events = await read_frames(run, AguiTranslator("thread", "agui-run"))
    check_stream(events)
    assert kinds(events)[-3:] == ["SUBAGENT_ERROR", "STEP_FINISHED", "RUN_ERROR"]
    assert run.error is not None and events[-1]["message"] == run.error["message"]
    assert events[-1]["code"] == "StreamEnded"


async def test_a_client_that_falls_behind_the_replay_buffer_gets_run_error() -> None:
    run = WebRun(RUN, "debate", {}, detached=True, replay=1)
    first, *later = numbered(
        RunStarted(), AgentStarted(agent="a"), Token(agent="a", text="x"), RunFinished()
    )
    run.append(first)
    stream = agui_frames(run, AguiTranslator("thread", "agui-run"), 0.01)
    raw = await anext(stream)
    for event in later:  # more than the buffer holds before the client reads again
        run.append(event)
    raw += b"".join([chunk async for chunk in stream])
    events = frames(raw)
    check_stream(events)
    assert kinds(events) == ["RUN_STARTED", "RUN_ERROR"]
    assert "fell behind" in events[-1]["message"]


async def test_a_client_that_starts_behind_the_replay_buffer_gets_only_run_error() -> None:
    run = WebRun(RUN, "debate", {}, detached=True, replay=1)
    for event in numbered(RunStarted(), AgentStarted(agent="a")):
        run.append(event)
    (error,) = await read_frames(run, AguiTranslator("thread", "agui-run"))
    assert error["type"] == "RUN_ERROR" and error["code"] == "StreamEnded"


# -- the endpoint's inputs -----------------------------------------------------------------


def run_input(**fields: Any) -> dict[str, Any]:
    return {"threadId": "t", "runId": "r", "messages": [], **fields}


def user(text: Any, id: str = "u") -> dict[str, Any]:
    return {"id": id, "role": "user", "content": text}


UNKNOWN = SimpleNamespace(name="remote", input_names=None)
"""A served team whose remote entry agent has not told its inputs yet."""


def test_the_last_user_messages_text_is_the_first_input() -> None:
    body = run_input(
        messages=[
            user("first"),
            {"id": "a", "role": "assistant", "content": "reply"},
            user([{"type": "text", "text": "line 1"}, {"type": "text", "text": "line 2"}], "v"),
        ]
    )
    debate = resolve_served({"debate": demo_team()})["debate"]
    assert _inputs(_run_input(body), debate) == {"question": "line 1\nline 2"}


def test_forwarded_props_inputs_win_even_when_the_inputs_are_unknown() -> None:
    body = run_input(messages=[user("ignored")], forwardedProps={"inputs": {"q": 1}})
    assert _inputs(_run_input(body), UNKNOWN) == {"q": 1}  # type: ignore[arg-type]


def test_a_team_whose_inputs_are_unknown_needs_forwarded_props_inputs() -> None:
    with pytest.raises(WebError) as caught:
        _inputs(_run_input(run_input(messages=[user("hi")])), UNKNOWN)  # type: ignore[arg-type]
    assert caught.value.status == 422 and "forwardedProps.inputs" in str(caught.value)


# -- the endpoint over HTTP ----------------------------------------------------------------


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    options = dict(getattr(request, "param", {}))
    app = create_app(
        {
            "debate": demo_team(delay=options.pop("delay", 0.002)),
            "echo": ka.Agent(
                "echo", "question -> answer", ka.ScriptedModel(respond=lambda m: "heard")
            ),
        },
        **options,
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


@pytest.mark.parametrize("client", [{"keepalive": 0.01, "delay": 0.02}], indirect=True)
async def test_a_post_streams_the_run_as_lf_only_sse_of_valid_agui_events(
    client: httpx.AsyncClient,
) -> None:
    body = run_input(messages=[user(QUESTION["question"])])
    response = await client.post("/agui/debate", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert b": keepalive\n\n" in response.content  # a quiet moment (a token every 20 ms)
    events = frames(response.content)
    check_stream(events)
    assert events[0]["threadId"] == "t" and events[0]["runId"] == "r"
    run_id = response.headers["x-kaizen-run-id"]
    assert events[0]["metadata"]["kaizen"]["run_id"] == run_id
    status = (await client.get(f"/runs/{run_id}")).json()
    assert status["state"] == "finished"
    assert events[-1]["type"] == "RUN_FINISHED" and events[-1]["result"] == status["output"]
    names = {e["name"] for e in events if e["type"] == "TEXT_MESSAGE_START"}
    assert names == {"euler", "bob", "gauss"}


async def test_the_user_message_or_forwarded_props_are_the_runs_inputs(
    client: httpx.AsyncClient,
) -> None:
    hub = client.app.state.web.hub  # type: ignore[attr-defined]
    response = await client.post("/agui/echo", json=run_input(messages=[user("hello")]))
    assert hub.get(response.headers["x-kaizen-run-id"]).inputs == {"question": "hello"}
    assert frames(response.content)[-1]["result"] == {"answer": "heard"}
    body = run_input(messages=[user("no")], forwardedProps={"inputs": {"question": "props"}})
    response = await client.post("/agui/echo", json=body)
    assert hub.get(response.headers["x-kaizen-run-id"]).inputs == {"question": "props"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "RunAgentInput"),
        (json.dumps({"runId": "r", "messages": []}).encode(), "threadId"),
        (json.dumps(run_input(messages=[{"id": "x", "role": "wizard"}])).encode(), "messages"),
        (json.dumps(run_input()).encode(), "user message"),
        (json.dumps(run_input(forwardedProps={"inputs": [1]})).encode(), "forwardedProps"),
    ],
)
async def test_a_bad_body_answers_400(client: httpx.AsyncClient, body: bytes, words: str) -> None:
    response = await client.post(
        "/agui/debate", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "BadRequest" and words in response.json()["message"]


async def test_an_unknown_team_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/agui/nobody", json=run_input(messages=[user("hi")]))
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_inputs_the_signature_rejects_answer_422(client: httpx.AsyncClient) -> None:
    body = run_input(forwardedProps={"inputs": {"nope": 1}})
    response = await client.post("/agui/debate", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "SignatureError"


@pytest.mark.parametrize("client", [{"disconnect_grace": 0.2, "delay": 0.05}], indirect=True)
async def test_a_client_that_disconnects_mid_run_has_the_run_cancelled(
    client: httpx.AsyncClient,
) -> None:
    body = run_input(messages=[user(QUESTION["question"])])
    async with client.stream("POST", "/agui/debate", json=body) as response:
        run_id = response.headers["x-kaizen-run-id"]
        async for line in response.aiter_lines():
            if '"TEXT_MESSAGE_CONTENT"' in line:
                break
    with anyio.fail_after(10):
        while True:
            status = (await client.get(f"/runs/{run_id}")).json()
            if status["state"] != "running":
                break
            await anyio.sleep(0.02)
    assert status["state"] == "cancelled"


# -- the reference client (@ag-ui/client) --------------------------------------------------


async def reference_client(client: httpx.AsyncClient, team: str) -> dict[str, Any]:
    """What ``@ag-ui/client``'s ``HttpAgent`` saw of one run of ``team`` (``agui_client.mjs``)."""
    url = str(client.base_url.join(f"/agui/{team}"))
    if not (JS / "node_modules" / "@ag-ui" / "client").is_dir():
        message = "run: npm ci --prefix tests/web/js"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with anyio.fail_after(60):
        done = await anyio.run_process(
            ["node", str(JS / "agui_client.mjs"), url, QUESTION["question"]], check=False
        )
    assert done.returncode == 0, done.stderr.decode()
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


@pytest.fixture
async def served() -> AsyncIterator[httpx.AsyncClient]:
    async def ping(host: str) -> str:
        """Ping ``host``."""
        return f"pong from {host}"

    pinger = ka.Agent(
        "pinger",
        "question -> answer",
        ka.ScriptedModel([ka.ToolCall("ping", {"host": "x"}), "It answered."]),
        tools=[ping],
    )
    app = create_app(
        {"debate": demo_team(), "late": demo_team(delay=0.02, timeout=1.0), "tools": pinger}
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield http


def assistant_names(seen: dict[str, Any]) -> set[str]:
    return {m.get("name") for m in seen["messages"] if m["role"] == "assistant"} - {None}


@pytest.mark.slow
async def test_the_reference_client_verifies_a_debate_and_builds_each_agents_messages(
    served: httpx.AsyncClient,
) -> None:
    seen = await reference_client(served, "debate")
    assert seen["error"] is None and seen["warnings"] == []
    types = [e["type"] for e in seen["events"]]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_FINISHED"
    names = assistant_names(seen)
    assert len(names) >= 2 and names == {"euler", "bob", "gauss"}
    run_id = seen["events"][0]["metadata"]["kaizen"]["run_id"]
    status = (await served.get(f"/runs/{run_id}")).json()
    assert status["state"] == "finished"
    assert seen["result"] == status["output"] and seen["result"]["answer"] == "yes"
    answers = [m["content"] for m in seen["messages"] if m.get("name") == "bob"]
    assert answers[0] == "no" and answers[2] == "yes"  # bob changes his mind in round 2


@pytest.mark.slow
async def test_the_reference_client_takes_tool_calls_into_its_messages(
    served: httpx.AsyncClient,
) -> None:
    seen = await reference_client(served, "tools")
    assert seen["error"] is None and seen["warnings"] == []
    (call,) = [m for m in seen["messages"] if m.get("toolCalls")]
    assert call["toolCalls"][0]["function"] == {"name": "ping", "arguments": '{"host":"x"}'}
    (result,) = [m for m in seen["messages"] if m["role"] == "tool"]
    assert result["toolCallId"] == call["toolCalls"][0]["id"]
    assert result["content"] == "pong from x"
    assert seen["result"] == {"answer": "It answered."}
    assert assistant_names(seen) == {"pinger"}


@pytest.mark.slow
async def test_the_reference_client_accepts_a_run_that_fails_mid_turn(
    served: httpx.AsyncClient,
) -> None:
    seen = await reference_client(served, "late")
    assert seen["error"] is None and seen["warnings"] == []  # RUN_ERROR ends a run, validly
    types = [e["type"] for e in seen["events"]]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_ERROR"
    assert "SUBAGENT_ERROR" in types
    assert seen["events"][-1]["metadata"]["kaizen"]["reason"] == "timeout"
