"""The web app's routes and SSE protocol, against a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import msgspec
import pytest

import kaizen_actors as ka
from kaizen_actors.events import RunStarted
from kaizen_actors.events._types import AnyEvent
from kaizen_actors.web import create_app

from .conftest import QUESTION, demo_team, read_events
from .server import serve

pytestmark = pytest.mark.anyio


async def start(client: httpx.AsyncClient, team: str = "debate", **body: Any) -> str:
    response = await client.post("/runs", json={"team": team, "inputs": QUESTION, **body})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["run_id"]
    assert response.json()["events"] == f"/runs/{run_id}/events"
    return run_id


async def wait_state(client: httpx.AsyncClient, run_id: str, *states: str) -> dict[str, Any]:
    with anyio.fail_after(10):
        while True:
            status: dict[str, Any] = (await client.get(f"/runs/{run_id}")).json()
            if status["state"] in states:
                return status
            await anyio.sleep(0.01)


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [int(e["id"]) for e in events]


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    options = getattr(request, "param", {})
    app = create_app(
        {
            "debate": demo_team(),
            "solo": ka.Agent(
                "solo",
                "question -> answer",
                ka.ScriptedModel(respond=lambda m: "Yes, it is prime."),
            ),
        },
        **options,
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


# -- a run, start to end -------------------------------------------------------------------


async def test_a_run_streams_every_event_gap_free_from_run_started_to_run_finished(
    client: httpx.AsyncClient,
) -> None:
    run_id = await start(client)
    events = await read_events(client, f"/runs/{run_id}/events")
    assert seqs(events) == list(range(len(events)))
    assert events[0]["event"] == "RunStarted" and events[-1]["event"] == "RunFinished"
    assert all(e["data"]["$type"] == e["event"] and e["data"]["run_id"] == run_id for e in events)
    assert {e["data"]["agent"] for e in events if e["event"] == "Token"} == {
        "euler",
        "bob",
        "gauss",
    }
    times = [e["data"]["time"] for e in events]
    assert times == sorted(times)
    status = await wait_state(client, run_id, "finished")
    assert status["output"]["answer"] == "yes" and status["usage"]["calls"] == 6
    assert status["events"] == len(events) and status["error"] is None


async def test_an_event_frame_decodes_with_ka_events_and_uses_lf_line_endings(
    client: httpx.AsyncClient,
) -> None:
    run_id = await start(client, "solo")
    async with client.stream("GET", f"/runs/{run_id}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert b"\r" not in body
    frames = [f for f in body.split(b"\n\n") if f.startswith(b"id: ")]
    first = dict(line.split(b": ", 1) for line in frames[0].split(b"\n"))
    assert first[b"id"] == b"0" and first[b"event"] == b"RunStarted"
    event = msgspec.json.decode(first[b"data"], type=AnyEvent)
    assert isinstance(event, RunStarted) and event.inputs == QUESTION


async def test_a_lone_agent_is_served_as_a_one_turn_team(client: httpx.AsyncClient) -> None:
    run_id = await start(client, "solo")
    events = await read_events(client, f"/runs/{run_id}/events")
    assert [e["event"] for e in events if e["event"] != "Token"] == [
        "RunStarted",
        "AgentStarted",
        "AgentFinished",
        "RunFinished",
    ]
    assert events[-1]["data"]["output"] == {"answer": "Yes, it is prime."}


# -- resuming ------------------------------------------------------------------------------


async def test_a_stream_dropped_mid_run_resumes_with_last_event_id_without_gap_or_duplicate(
    client: httpx.AsyncClient,
) -> None:
    run_id = await start(client)
    first = await read_events(client, f"/runs/{run_id}/events", limit=20)
    assert (await client.get(f"/runs/{run_id}")).json()["state"] == "running"
    rest = await read_events(
        client, f"/runs/{run_id}/events", headers={"Last-Event-ID": first[-1]["id"]}
    )
    assert seqs(first + rest) == list(range(len(first) + len(rest)))
    assert rest[-1]["event"] == "RunFinished"


async def test_last_event_id_also_comes_as_a_query_parameter(client: httpx.AsyncClient) -> None:
    run_id = await start(client, "solo")
    everything = await read_events(client, f"/runs/{run_id}/events")
    later = await read_events(client, f"/runs/{run_id}/events?last_event_id=2")
    assert later == everything[3:]


async def test_a_position_past_the_replay_buffer_answers_410() -> None:
    app = create_app(demo_team(delay=0.01), replay=20)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        await past_the_replay_buffer(client)


async def past_the_replay_buffer(client: httpx.AsyncClient) -> None:
    run_id = await start(client)
    events = await read_events(client, f"/runs/{run_id}/events")
    last = len(events) - 1
    assert seqs(events) == list(range(last + 1))  # the first client read it all, live
    tail = await read_events(client, f"/runs/{run_id}/events?last_event_id={last - 20}")
    assert seqs(tail) == list(range(last - 19, last + 1))
    for position in (f"?last_event_id={last - 21}", ""):  # one too old; a fresh start at 0
        response = await client.get(f"/runs/{run_id}/events{position}")
        assert response.status_code == 410, position
        assert response.json()["error"] == "Gone"


# -- many clients, many runs -----------------------------------------------------------


async def test_a_hundred_clients_on_one_run_each_receive_every_event(
    client: httpx.AsyncClient,
) -> None:
    run_id = await start(client)
    results: list[list[dict[str, Any]]] = []
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=str(client.base_url), limits=limits, timeout=30) as many:

        async def one() -> None:
            results.append(await read_events(many, f"/runs/{run_id}/events"))

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(one)
    assert len(results) == 100
    assert all(r == results[0] for r in results)
    assert seqs(results[0]) == list(range(len(results[0])))
    assert results[0][-1]["event"] == "RunFinished"


async def test_concurrent_runs_never_mix_their_events(client: httpx.AsyncClient) -> None:
    ids = [await start(client) for _ in range(4)] + [await start(client, "solo")]
    streams: dict[str, list[dict[str, Any]]] = {}

    async def read(run_id: str) -> None:
        streams[run_id] = await read_events(client, f"/runs/{run_id}/events")

    async with anyio.create_task_group() as tg:
        for run_id in ids:
            tg.start_soon(read, run_id)
    assert len(set(ids)) == 5
    for run_id, events in streams.items():
        assert {e["data"]["run_id"] for e in events} == {run_id}
        assert seqs(events) == list(range(len(events)))
        assert events[-1]["event"] == "RunFinished"


# -- lifetimes -------------------------------------------------------------------------


def slow_app(**options: Any) -> Any:
    return create_app({"debate": demo_team(delay=0.02)}, **options)


async def test_a_run_whose_last_client_disconnects_is_cancelled_and_leaves_no_task() -> None:
    app = slow_app(disconnect_grace=0.1)
    team = app.state.web.served["debate"].team
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client)
        await read_events(client, f"/runs/{run_id}/events", limit=5)
        status = await wait_state(client, run_id, "cancelled", "finished")
        assert status["state"] == "cancelled"
        assert status["error"]["reason"] == "cancelled"
        with anyio.fail_after(5):
            await team.wait_idle()
        assert app.state.web.hub._streams == {}
        events = await read_events(client, f"/runs/{run_id}/events")
        assert events[-1]["event"] == "RunFailed"
        assert events[-1]["data"]["reason"] == "cancelled"
        assert seqs(events) == list(range(len(events)))


async def test_a_client_that_connects_at_once_then_leaves_gets_the_disconnect_grace() -> None:
    app = slow_app(disconnect_grace=0.1, start_timeout=60)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client)
        await read_events(client, f"/runs/{run_id}/events", limit=3)
        assert (await wait_state(client, run_id, "cancelled", "finished"))["state"] == "cancelled"


async def test_a_run_nobody_connects_to_is_cancelled_after_the_start_timeout() -> None:
    async with serve(slow_app(start_timeout=0.1)) as url, httpx.AsyncClient(base_url=url) as c:
        run_id = await start(c)
        assert (await wait_state(c, run_id, "cancelled", "finished"))["state"] == "cancelled"


async def test_a_detached_run_finishes_with_nobody_watching() -> None:
    app = slow_app(start_timeout=0.05, disconnect_grace=0.05)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client, detached=True)
        assert (await wait_state(client, run_id, "finished", "cancelled"))["state"] == "finished"


async def test_delete_cancels_a_run_and_its_stream_ends_with_run_failed_cancelled() -> None:
    async with serve(slow_app()) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client, detached=True)
        response = await client.delete(f"/runs/{run_id}")
        assert response.status_code == 202
        status = await wait_state(client, run_id, "cancelled")
        assert status["output"] is None
        events = await read_events(client, f"/runs/{run_id}/events")
        assert events[-1]["event"] == "RunFailed"


async def test_a_finished_run_is_forgotten_after_keep_finished() -> None:
    app = create_app(demo_team(), keep_finished=0.05)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client, "debate")
        await read_events(client, f"/runs/{run_id}/events")
        with anyio.fail_after(5):
            while (await client.get(f"/runs/{run_id}")).status_code != 404:
                await anyio.sleep(0.01)


async def test_the_runs_held_are_bounded_oldest_finished_forgotten_first() -> None:
    app = create_app(demo_team(delay=0.05), max_runs=2)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        first, second = await start(client, detached=True), await start(client, detached=True)
        refused = await client.post("/runs", json={"team": "debate", "inputs": QUESTION})
        assert refused.status_code == 503 and refused.json()["error"] == "TooManyRuns"
        await client.delete(f"/runs/{first}")
        await wait_state(client, first, "cancelled")
        forgotten = weakref.ref(app.state.web.hub.get(first))
        third = await start(client, detached=True)
        assert (await client.get(f"/runs/{first}")).status_code == 404
        assert {second, third} == {r.run_id for r in app.state.web.hub.runs}
        gc.collect()  # a forgotten run is freed at once, not when its linger would end
        assert forgotten() is None


# -- bad requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "BadRequest"),
        (b"[" * 5000 + b"]" * 5000, 400, "BadRequest"),
        (b"[1, 2]", 400, "BadRequest"),
        (json.dumps({"inputs": QUESTION}).encode(), 400, "BadRequest"),
        (json.dumps({"team": "debate", "inputs": "text"}).encode(), 400, "BadRequest"),
        (json.dumps({"team": "nobody", "inputs": QUESTION}).encode(), 404, "NotFound"),
        (json.dumps({"team": "debate", "inputs": {"q": "?"}}).encode(), 422, "SignatureError"),
        (json.dumps({"team": "debate", "inputs": {}}).encode(), 422, "SignatureError"),
        (json.dumps({"team": "debate", "inputs": {"question": 3}}).encode(), 422, "SignatureError"),
    ],
)
async def test_a_bad_run_request_answers_json_with_its_status(
    client: httpx.AsyncClient, body: bytes, status: int, error: str
) -> None:
    response = await client.post(
        "/runs", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["message"]


async def test_the_422_message_is_the_signature_errors_text(client: httpx.AsyncClient) -> None:
    response = await client.post("/runs", json={"team": "debate", "inputs": {"q": "?"}})
    assert "unknown input field 'q'" in response.json()["message"]


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_sent_as_json_answers_415(client: httpx.AsyncClient, kind: str) -> None:
    # a cross-site page can send these without a CORS preflight, with the page's cookie
    body = json.dumps({"team": "solo", "inputs": QUESTION, "detached": True}).encode()
    headers = {"Content-Type": kind} if kind else {}
    response = await client.post("/runs", content=body, headers=headers)
    assert response.status_code == 415 and response.json()["error"] == "UnsupportedMediaType"


@pytest.mark.parametrize("client", [{"max_body": 100}], indirect=True)
async def test_a_body_over_the_limit_answers_413_before_it_is_read_whole(
    client: httpx.AsyncClient,
) -> None:
    big = json.dumps({"team": "debate", "inputs": {"question": "x" * 500}}).encode()
    json_type = {"Content-Type": "application/json"}
    assert (await client.post("/runs", content=big, headers=json_type)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(10_000):
            yield b" " * 64

    response = await client.post("/runs", content=chunks(), headers=json_type)
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLarge"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/runs/nope"),
        ("GET", "/runs/nope/events"),
        ("DELETE", "/runs/nope"),
        ("GET", "/runs/nope/timeline"),
        ("GET", "/no/such/route"),
        ("GET", "/?team=nobody"),
    ],
)
async def test_unknown_runs_and_routes_answer_404_json(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_a_bad_last_event_id_answers_400(client: httpx.AsyncClient) -> None:
    run_id = await start(client, "solo")
    await read_events(client, f"/runs/{run_id}/events")
    for value in ("abc", "-5", "99999", "1_0", " 3", "\u0663"):
        response = await client.get(f"/runs/{run_id}/events", params={"last_event_id": value})
        assert response.status_code == 400, value


async def test_resuming_after_the_last_event_of_an_ended_run_answers_204(
    client: httpx.AsyncClient,
) -> None:
    run_id = await start(client, "solo")
    last = (await read_events(client, f"/runs/{run_id}/events"))[-1]["id"]
    response = await client.get(f"/runs/{run_id}/events", headers={"Last-Event-ID": last})
    assert response.status_code == 204  # EventSource stops reconnecting


async def test_resuming_past_the_events_of_a_running_run_answers_400() -> None:
    async with serve(slow_app()) as url, httpx.AsyncClient(base_url=url) as client:
        run_id = await start(client)
        response = await client.get(f"/runs/{run_id}/events?last_event_id=100000")
        assert response.status_code == 400
        await client.delete(f"/runs/{run_id}")


# -- auth, health, metrics -----------------------------------------------------------------


@pytest.mark.parametrize("client", [{"auth_token": "s3cret"}], indirect=True)
async def test_with_a_token_every_route_but_healthz_needs_it(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    for path in ("/", "/metrics", "/api/teams", "/runs/x"):
        response = await client.get(path)
        assert response.status_code == 401 and response.json()["error"] == "Unauthorized", path
    assert (
        await client.get("/api/teams", headers={"Authorization": "Bearer nope"})
    ).status_code == 401
    good = {"Authorization": "Bearer s3cret"}
    assert (await client.get("/api/teams", headers=good)).status_code == 200
    run = await client.post("/runs", json={"team": "solo", "inputs": QUESTION}, headers=good)
    assert run.status_code == 201


@pytest.mark.parametrize("client", [{"auth_token": "s3cret"}], indirect=True)
async def test_the_page_takes_the_token_once_and_keeps_it_in_a_strict_httponly_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/?token=s3cret&team=debate")
    assert response.status_code == 303 and response.headers["location"] == "/?team=debate"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret" in cookie
    assert (await client.get("/api/teams")).status_code == 200  # the client kept the cookie
    client.cookies.clear()
    assert (await client.get("/?token=wrong")).status_code == 401


async def test_metrics_count_runs_and_events_in_prometheus_text(client: httpx.AsyncClient) -> None:
    run_id = await start(client, "solo")
    events = await read_events(client, f"/runs/{run_id}/events")
    await wait_state(client, run_id, "finished")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'kaizen_web_runs_total{state="finished"} 1.0' in text
    assert f"kaizen_web_events_total {float(len(events))}" in text
    assert 'kaizen_actor_restarts{actor="solo",team="solo"} 0.0' in text


async def test_teams_and_tree_describe_what_is_served(client: httpx.AsyncClient) -> None:
    teams = (await client.get("/api/teams")).json()["teams"]
    debate = next(t for t in teams if t["name"] == "debate")
    assert debate["pattern"] == "debate" and debate["members"] == ["euler", "bob", "gauss"]
    assert [f["name"] for f in debate["inputs"]] == ["question"]
    assert [f["name"] for f in debate["outputs"]] == ["answer", "reasoning"]
    tree = (await client.get("/api/tree")).json()["systems"]
    names: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        names.append(node["name"])
        for child in node["children"]:
            walk(child)

    for root in tree:
        walk(root)
    assert {"euler", "bob", "gauss", "solo"} <= set(names)


def test_the_web_command_keeps_the_token_out_of_the_access_log() -> None:
    import logging

    from kaizen_actors.cli._target import hide_tokens

    args = ("127.0.0.1:1", "GET", "/?token=s3cret&team=debate", "1.1", 303)
    record = logging.LogRecord("uvicorn.access", 20, "", 0, '%s - "%s %s HTTP/%s" %d', args, None)
    assert hide_tokens(record)
    assert "s3cret" not in record.getMessage() and "token=***&team=debate" in record.getMessage()
