"""A2A (``GET /.well-known/agent-card.json``, ``POST /a2a``): the mapping, and real clients.

The clients are ``a2a-sdk``'s Python client and the official JavaScript one
(``@a2a-js/sdk`` under node, ``tests/web/a2a_js``), against a real uvicorn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import httpx
import pytest
from a2a.client import Client, ClientConfig, ClientFactory
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    InvalidParamsError,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskArtifactUpdateEvent,
    TaskNotFoundError,
    TaskState,
)
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Value
from httpx_sse import aconnect_sse
from starlette.applications import Starlette

import kaizen_actors as ka
from kaizen_actors.events import AgentFinished, AgentStarted, Event, Token, ToolCalled, Usage
from kaizen_actors.web import WebState, create_app, decode_frame
from kaizen_actors.web._a2a_task import TurnArtifacts

from .conftest import QUESTION, demo_team
from .server import serve

pytestmark = pytest.mark.anyio

JS = Path(__file__).parent / "a2a_js"
TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# -- the mapping of a run's events onto artifact updates ----------------------------------


def chunks(updates: list[TaskArtifactUpdateEvent]) -> list[dict[str, Any]]:
    """The updates as JSON, ``append`` and ``lastChunk`` always there."""
    return [{"append": False, "lastChunk": False, **MessageToDict(u)} for u in updates]


def test_tokens_of_a_batch_make_one_chunk_per_turn_and_field() -> None:
    turns = TurnArtifacts("t", "c")
    first = turns.translate(
        [
            AgentStarted(agent="a", round=1, seq=1),
            AgentStarted(agent="b", round=1, seq=2),
            Token(agent="a", field="answer", text="yes", seq=3),
            Token(agent="b", field="answer", text="n", seq=4),
            Token(agent="a", field="reasoning", text="It ", seq=5),
            Token(agent="b", field="answer", text="o", seq=6),
            Token(agent="a", field="reasoning", text="is.", seq=7),
            Token(agent="a", field="reasoning", text="", seq=8),
        ]
    )
    got = chunks(first)
    assert [c["artifact"]["artifactId"] for c in got] == ["a-1", "b-1"]
    assert [c["append"] for c in got] == [False, False]
    assert got[0]["artifact"]["name"] == "a"
    assert got[0]["artifact"]["metadata"] == {"agent": "a", "round": 1.0}
    assert got[0]["artifact"]["parts"] == [
        {"text": "yes", "metadata": {"field": "answer"}},
        {"text": "It is.", "metadata": {"field": "reasoning"}},
    ]
    assert got[1]["artifact"]["parts"] == [{"text": "no", "metadata": {"field": "answer"}}]
    later = chunks(
        turns.translate(
            [
                Token(agent="a", field="reasoning", text=" Prime.", seq=9),
                AgentFinished(agent="a", round=1, output={"answer": "yes"}, seq=10),
                AgentStarted(agent="a", round=2, seq=11),
            ]
        )
    )
    assert len(later) == 1  # the pending text goes out with the turn's last chunk
    (last,) = later
    assert last["append"] and last["lastChunk"]
    assert last["artifact"]["parts"] == [
        {"text": " Prime.", "metadata": {"field": "reasoning"}},
        {"data": {"answer": "yes"}},
    ]
    assert last["artifact"]["metadata"]["usage"]["calls"] == 0
    assert "name" not in last["artifact"]  # an appended chunk names nothing again
    second = chunks(turns.translate([Token(agent="a", field="answer", text="still", seq=12)]))
    assert second[0]["artifact"]["artifactId"] == "a-2"
    assert not second[0]["append"]


def test_a_tool_call_is_a_data_part_of_the_turn_and_a_stray_token_opens_one() -> None:
    turns = TurnArtifacts("t", "c")
    events: list[Event] = [
        Token(agent="solo", field="answer", text="Let me", seq=1),  # no AgentStarted first
        ToolCalled(agent="solo", tool="ping", call_id="c1", arguments={"host": "x"}, result="up"),
        AgentFinished(agent="solo", output={"answer": "up"}, usage=Usage(calls=2), seq=3),
    ]
    got = chunks(turns.translate(events))
    assert [(c["artifact"]["artifactId"], c["append"], c["lastChunk"]) for c in got] == [
        ("solo-1", False, False),
        ("solo-1", True, True),
    ]
    call = got[0]["artifact"]["parts"][1]["data"]
    assert call == {
        "tool": "ping",
        "call_id": "c1",
        "arguments": {"host": "x"},
        "result": "up",
        "error": None,
    }
    assert got[1]["artifact"]["metadata"]["usage"]["calls"] == 2


# -- the app, served ------------------------------------------------------------------------


def flaky() -> ka.Agent:
    return ka.Agent("flaky", "question -> answer", ka.ScriptedModel([]))  # fails every call


def counter() -> ka.Agent:
    return ka.Agent("counter", "n: int, question -> answer", ka.ScriptedModel(respond=str))


async def ping(host: str) -> str:
    """Ping ``host``."""
    return f"pong from {host}"


def pinger() -> ka.Agent:
    script = ka.ScriptedModel([ka.ToolCall("ping", {"host": "x"}), "It answered."])
    return ka.Agent("pinger", "question -> answer", script, tools=[ping])


class Served(NamedTuple):
    url: str
    http: httpx.AsyncClient
    client: Client
    web: WebState


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    app = create_app(
        {
            "debate": demo_team(),
            "slow": demo_team(delay=0.05),
            "flaky": flaky(),
            "counter": counter(),
            "tools": pinger(),
        },
        auth_token=TOKEN,
    )
    async with serve(app) as url, httpx.AsyncClient(headers=AUTH, timeout=30) as http:
        client = await ClientFactory(ClientConfig(httpx_client=http)).create_from_url(url)
        yield Served(url, http, client, app.state.web)


def message(
    text: str | None = QUESTION["question"],
    data: dict[str, Any] | Any = None,
    skill: str | None = None,
) -> SendMessageRequest:
    parts = [] if text is None else [Part(text=text)]
    if data is not None:
        value = Value()
        value.struct_value.update(data) if isinstance(data, dict) else value.list_value.extend(data)
        parts.append(Part(data=value))
    msg = Message(message_id=os.urandom(4).hex(), role=Role.ROLE_USER, parts=parts)
    if skill is not None:
        msg.metadata.update({"skill": skill})
    return SendMessageRequest(message=msg)


async def collect(client: Client, request: SendMessageRequest) -> list[StreamResponse]:
    with anyio.fail_after(30):
        return [event async for event in client.send_message(request)]


def kind(event: StreamResponse) -> str:
    return str(event.WhichOneof("payload"))


def run_events(web: WebState, run_id: str) -> list[Event]:
    return [decode_frame(frame).event for frame in web.hub.get(run_id).frames()]


def tokens_by_turn(events: list[Event]) -> dict[str, str]:
    """The text each agent turn streamed, by the artifact id the surface gives it."""
    turns: dict[str, int] = {}
    texts: dict[str, str] = {}
    for event in events:
        agent = event.agent or "agent"
        if isinstance(event, AgentStarted):
            turns[agent] = turns.get(agent, 0) + 1
        elif isinstance(event, Token):
            key = f"{agent}-{turns.setdefault(agent, 1)}"
            texts[key] = texts.get(key, "") + event.text
    return texts


def text_of(parts: Any) -> str:
    return "".join(p.text for p in parts if p.WhichOneof("content") == "text")


async def test_the_card_is_public_with_a_skill_per_team(served: Served) -> None:
    async with httpx.AsyncClient() as anonymous:
        response = await anonymous.get(f"{served.url}/.well-known/agent-card.json")
    assert response.status_code == 200
    card = response.json()
    assert [s["id"] for s in card["skills"]] == ["debate", "slow", "flaky", "counter", "tools"]
    debate = card["skills"][0]
    assert debate["name"] == "debate"
    assert "debate team 'debate' (euler, bob, gauss)" in debate["description"]
    assert "Inputs: question (str, required)" in debate["description"]
    assert "Outputs: answer (str, required); reasoning (str, required)" in debate["description"]
    assert "n (int, required)" in card["skills"][3]["description"]
    assert card["capabilities"]["streaming"] is True
    assert {(i["url"], i["protocolVersion"]) for i in card["supportedInterfaces"]} == {
        (f"{served.url}/a2a", "1.0"),
        (f"{served.url}/a2a", "0.3"),
    }
    assert card["securitySchemes"]["bearer"]["httpAuthSecurityScheme"]["scheme"] == "Bearer"
    assert card["securityRequirements"] == [{"schemes": {"bearer": {}}}]
    assert card["url"] == f"{served.url}/a2a"  # the 0.3 fields, for 0.3 clients


async def test_a2a_needs_the_token(served: Served) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "x"}}
    async with httpx.AsyncClient() as anonymous:
        response = await anonymous.post(f"{served.url}/a2a", json=body)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_a_streamed_run_is_one_task_with_an_artifact_per_turn(served: Served) -> None:
    events = await collect(served.client, message())
    assert kind(events[0]) == "task"
    task = events[0].task
    assert task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert task.history[0].parts[0].text == QUESTION["question"]
    run_id = task.metadata["kaizen"]["run_id"]
    assert task.metadata["kaizen"]["team"] == "debate"
    assert kind(events[1]) == "status_update"
    assert events[1].status_update.status.state == TaskState.TASK_STATE_WORKING
    assert kind(events[-1]) == "status_update"
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert events[-1].status_update.metadata["kaizen"]["usage"]["calls"] == 6

    updates = [e.artifact_update for e in events[2:-1]]
    assert all(kind(e) == "artifact_update" for e in events[2:-1])
    by_id: dict[str, list[TaskArtifactUpdateEvent]] = {}
    for update in updates:
        by_id.setdefault(update.artifact.artifact_id, []).append(update)
    turns = [i for i in by_id if i != "output"]
    assert turns == ["euler-1", "bob-1", "gauss-1", "euler-2", "bob-2", "gauss-2"]
    assert sum(c.append for c in updates) > 10  # streamed as tokens came, not at the end
    for artifact_id in turns:
        chunked = by_id[artifact_id]
        assert [c.append for c in chunked] == [False] + [True] * (len(chunked) - 1)
        assert [c.last_chunk for c in chunked] == [False] * (len(chunked) - 1) + [True]
        assert chunked[0].artifact.name == artifact_id.split("-")[0]
    assert updates[-1].artifact.artifact_id == "output"  # the final output is the last one

    run = served.web.hub.get(run_id)
    assert run.state == "finished"
    expected = tokens_by_turn(run_events(served.web, run_id))
    for artifact_id, text in expected.items():
        assert text_of(p for c in by_id[artifact_id] for p in c.artifact.parts) == text

    # the stream is gone: GetTask still has the whole task
    stored = await served.client.get_task(GetTaskRequest(id=task.id))
    assert stored.status.state == TaskState.TASK_STATE_COMPLETED
    assert [a.artifact_id for a in stored.artifacts] == [*turns, "output"]
    for artifact in stored.artifacts[:-1]:
        assert text_of(artifact.parts) == expected[artifact.artifact_id]
        assert MessageToDict(artifact.parts[-1].data).keys() == {"answer", "reasoning"}
    output = stored.artifacts[-1]
    assert MessageToDict(output.parts[0].data) == run.output
    assert json.loads(output.parts[1].text) == run.output
    assert stored.metadata["kaizen"]["run_id"] == run_id


async def test_cancel_task_cancels_the_run_within_100_ms(served: Served) -> None:
    stream = served.client.send_message(message(skill="slow"))
    seen: list[StreamResponse] = []
    with anyio.fail_after(30):
        async for event in stream:
            seen.append(event)
            if kind(event) == "artifact_update":
                break
        task_id = seen[0].task.id
        run_id = seen[0].task.metadata["kaizen"]["run_id"]
        started = time.perf_counter()
        answer = await served.client.cancel_task(CancelTaskRequest(id=task_id))
        took = time.perf_counter() - started
        run_state = served.web.hub.get(run_id).state
        seen += [event async for event in stream]
    assert took < 0.1, f"CancelTask took {took * 1000:.1f} ms"
    assert answer.status.state == TaskState.TASK_STATE_CANCELED
    assert run_state == "cancelled"
    assert kind(seen[-1]) == "status_update"
    assert seen[-1].status_update.status.state == TaskState.TASK_STATE_CANCELED
    stored = await served.client.get_task(GetTaskRequest(id=task_id))
    assert stored.status.state == TaskState.TASK_STATE_CANCELED
    assert stored.metadata["kaizen"]["error"]["reason"] == "cancelled"


async def test_a_data_part_holds_the_inputs(served: Served) -> None:
    events = await collect(
        served.client, message(text=None, data={"n": 3, "question": "count"}, skill="counter")
    )
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    run = served.web.hub.get(events[0].task.metadata["kaizen"]["run_id"])
    assert run.inputs == {"n": 3, "question": "count"}  # 3, not protobuf's 3.0


async def test_a_tool_call_is_in_its_turn(served: Served) -> None:
    request = message(skill="tools")
    with anyio.fail_after(30):
        done = [e async for e in served.client.send_message(request)]
    stored = await served.client.get_task(GetTaskRequest(id=done[0].task.id))
    turn = stored.artifacts[0]
    assert turn.name == "pinger"
    calls = [MessageToDict(p.data) for p in turn.parts if p.WhichOneof("content") == "data"]
    assert calls[0]["tool"] == "ping" and calls[0]["result"] == "pong from x"


async def test_a_failed_run_fails_its_task(served: Served) -> None:
    events = await collect(served.client, message(skill="flaky"))
    last = events[-1].status_update
    assert last.status.state == TaskState.TASK_STATE_FAILED
    assert last.status.message.parts[0].text  # the run's error
    assert last.metadata["kaizen"]["error"]["reason"] == "error"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (message(data={"question": "q", "colour": "red"}), "unknown input field 'colour'"),
        (message(text=None, data={"n": "three", "question": "q"}, skill="counter"), "'n'"),
        (message(skill="nobody"), "no skill 'nobody' (skills: debate, slow"),
        (message(text=""), "no inputs: send text (it becomes input 'question')"),
        (message(text=None, data=[1, 2]), "a data part must hold a JSON object"),
    ],
)
async def test_a_bad_message_is_invalid_params_with_the_reason(
    served: Served, request_: SendMessageRequest, expected: str
) -> None:
    with pytest.raises(InvalidParamsError) as caught, anyio.fail_after(30):
        await collect(served.client, request_)
    assert expected in caught.value.message
    assert not served.web.hub.runs  # nothing started


async def test_the_0_3_method_names(served: Served) -> None:
    text = {"kind": "text", "text": QUESTION["question"]}
    msg = {"kind": "message", "messageId": "m-03", "role": "user", "parts": [text]}
    body = {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": msg}}
    async with httpx.AsyncClient(headers=AUTH, timeout=30) as http:  # no A2A-Version: 0.3
        task = (await http.post(f"{served.url}/a2a", json=body)).json()["result"]
        assert task["kind"] == "task"
        assert task["status"]["state"] == "completed"
        assert task["artifacts"][-1]["name"] == "output"
        get = {"jsonrpc": "2.0", "id": 2, "method": "tasks/get", "params": {"id": task["id"]}}
        again = (await http.post(f"{served.url}/a2a", json=get)).json()["result"]
        body["method"] = "message/stream"
        streamed = []
        async with aconnect_sse(http, "POST", f"{served.url}/a2a", json=body) as source:
            async for sse in source.aiter_sse():
                streamed.append(json.loads(sse.data)["result"])
    assert again["status"]["state"] == "completed"
    assert [r["kind"] for r in streamed[:3]] == ["task", "status-update", "artifact-update"]
    assert streamed[-2]["artifact"]["name"] == "output"
    assert streamed[-1]["status"]["state"] == "completed"


async def test_a_task_is_forgotten_with_its_run() -> None:
    app = create_app({"debate": demo_team(delay=0.0)}, keep_finished=0.2)
    async with serve(app) as url, httpx.AsyncClient(timeout=30) as http:
        client = await ClientFactory(ClientConfig(httpx_client=http)).create_from_url(url)
        events = await collect(client, message())
        request = GetTaskRequest(id=events[0].task.id)
        assert (await client.get_task(request)).status.state == TaskState.TASK_STATE_COMPLETED
        with anyio.fail_after(10):
            while True:
                try:
                    await client.get_task(request)
                except TaskNotFoundError:
                    break
                await anyio.sleep(0.05)


async def test_stopping_the_app_cancels_the_runs_of_its_tasks() -> None:
    app = create_app({"slow": demo_team(delay=0.05)})
    async with serve(app) as url, httpx.AsyncClient(timeout=30) as http:
        config = ClientConfig(httpx_client=http, streaming=False, polling=True)
        client = await ClientFactory(config).create_from_url(url)
        (answer,) = await collect(client, message())  # returned at once: the task goes on
        assert answer.task.status.state == TaskState.TASK_STATE_SUBMITTED
        run = app.state.web.hub.get(answer.task.metadata["kaizen"]["run_id"])
        assert run.state == "running"
    assert run.state == "cancelled"


async def test_a_body_past_the_limit_is_refused() -> None:
    app = create_app({"debate": demo_team()}, max_body=1_000)
    async with serve(app) as url, httpx.AsyncClient(timeout=30) as http:
        big = message(text="x" * 2_000)
        body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": MessageToDict(big)}
        response = await http.post(f"{url}/a2a", json=body, headers={"A2A-Version": "1.0"})
    assert response.json()["error"]["message"] == "Payload too large"


async def test_a2a_answers_503_until_the_app_runs() -> None:
    app: Starlette = create_app({"debate": demo_team()})
    transport = httpx.ASGITransport(app=app)  # no lifespan: the app never started
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        response = await http.post("/a2a", json={"jsonrpc": "2.0", "id": 1, "method": "GetTask"})
    assert response.status_code == 503


@pytest.mark.slow
def test_importing_the_app_does_not_import_a2a() -> None:
    code = "import sys, kaizen_actors.web._app; assert 'a2a' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the official JavaScript client (@a2a-js/sdk) ------------------------------------------


@pytest.mark.slow
async def test_the_javascript_client(served: Served) -> None:
    if not (JS / "node_modules" / "@a2a-js" / "sdk").is_dir():
        hint = "run: npm ci --prefix tests/web/a2a_js"
        if os.environ.get("CI"):
            pytest.fail(hint)
        pytest.skip(hint)
    script = str(JS / "a2a_client.mjs")
    with anyio.fail_after(60):
        done = await anyio.run_process(
            ["node", script, served.url, TOKEN, QUESTION["question"], "slow"], check=False
        )
    assert done.returncode == 0, done.stderr.decode()
    seen = json.loads(done.stdout)

    assert [s["id"] for s in seen["card"]["skills"]][:2] == ["debate", "slow"]

    streamed = seen["streamed"]
    cases = [e["payload"]["$case"] for e in streamed]
    assert cases[:2] == ["task", "statusUpdate"]
    assert streamed[0]["payload"]["value"]["status"]["state"] == TaskState.TASK_STATE_SUBMITTED
    assert streamed[1]["payload"]["value"]["status"]["state"] == TaskState.TASK_STATE_WORKING
    assert streamed[-1]["payload"]["value"]["status"]["state"] == TaskState.TASK_STATE_COMPLETED
    updates = [e["payload"]["value"] for e in streamed if e["payload"]["$case"] == "artifactUpdate"]
    agents = {u["artifact"]["name"] for u in updates if not u["append"]} - {"output"}
    assert agents == {"euler", "bob", "gauss"}
    assert sum(u["append"] for u in updates) > 10  # the answers streamed in chunks
    assert updates[-1]["artifact"]["artifactId"] == "output"
    task = seen["task"]
    assert task["status"]["state"] == TaskState.TASK_STATE_COMPLETED
    output = task["artifacts"][-1]["parts"][0]["content"]
    run = served.web.hub.get(task["metadata"]["kaizen"]["run_id"])
    assert output == {"$case": "data", "value": run.output}

    cancel = seen["cancel"]
    assert cancel["ms"] < 100
    assert cancel["answer"]["status"]["state"] == TaskState.TASK_STATE_CANCELED
    last = cancel["events"][-1]["payload"]
    assert last["$case"] == "statusUpdate"
    assert last["value"]["status"]["state"] == TaskState.TASK_STATE_CANCELED
    assert cancel["task"]["status"]["state"] == TaskState.TASK_STATE_CANCELED
    cancelled = served.web.hub.get(cancel["task"]["metadata"]["kaizen"]["run_id"])
    assert cancelled.state == "cancelled"
