"""A slow SSE client holds back its own stream only: never the run, never other clients."""

from __future__ import annotations

import socket

import anyio
import httpx
import pytest

import kaizen_actors as ka
from kaizen_actors.events import RunFinished, Token
from kaizen_actors.web import RunHub, ServedTeam, WebRun, create_app, decode_frame

from .conftest import QUESTION, read_events
from .server import serve

pytestmark = pytest.mark.anyio

LONG = " ".join(f"word{i}" for i in range(20_000))  # about 1.5 MB of frames


def flood() -> ka.Agent:
    return ka.Agent("flood", "question -> answer", ka.ScriptedModel(respond=lambda m: LONG))


async def test_a_client_that_stops_reading_holds_back_neither_the_run_nor_another_client() -> None:
    app = create_app(flood(), replay=30_000)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        run_id = (await client.post("/runs", json={"team": "flood", "inputs": QUESTION})).json()[
            "run_id"
        ]
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        stalled.sendall(f"GET /runs/{run_id}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        try:
            events = await read_events(client, f"/runs/{run_id}/events")
            run = app.state.web.hub.get(run_id)
            assert events[-1]["event"] == "RunFinished" and run.state == "finished"
            assert len(events) == run.next_seq > 20_000
            assert run.watchers == 1  # the stalled client, still connected, still behind
        finally:
            stalled.close()


async def test_a_reader_that_falls_behind_the_replay_buffer_is_ended_and_the_run_goes_on() -> None:
    run = WebRun("r", "team", {}, detached=True, replay=10)
    for seq in range(5):
        run.append(Token(seq=seq, agent="a", text=f" t{seq}"))
    reader = run.follow(0)
    batch = await reader.__anext__()
    assert [decode_frame(f).event.seq for f in batch] == [0, 1, 2, 3, 4]
    assert run.watchers == 1
    for seq in range(5, 200):  # the run appends without waiting for anyone
        run.append(Token(seq=seq, agent="a", text=f" t{seq}"))
    with pytest.raises(StopAsyncIteration):
        await reader.__anext__()
    assert run.dropped_clients == 1 and run.watchers == 0
    assert run.first_seq == 190 and len(run.frames()) == 10
    with pytest.raises(ka.web.WebError) as gone:
        run.check_start(5)
    assert gone.value.status == 410


async def test_a_frame_reads_back_as_its_event_and_time() -> None:
    run = WebRun("r", "team", {}, detached=True, replay=10)
    run.append(RunFinished(run_id="r", seq=0, output={"answer": "yes"}))
    entry = decode_frame(run.frames()[0])
    assert entry.event == RunFinished(run_id="r", seq=0, output={"answer": "yes"})
    assert 0 <= entry.time < 1
    assert run.state == "finished" and run.output == {"answer": "yes"}
    with anyio.fail_after(1):
        async for _ in run.follow(0):
            pass  # a finished run's stream ends after its last event


async def test_a_run_whose_team_stops_before_it_starts_fails_alone() -> None:
    team = ka.team(flood(), pattern=ka.Solo(), name="flood")
    async with RunHub() as hub:
        async with team:
            served = ServedTeam("flood", team)
            run = hub.start(served, QUESTION, detached=True)  # its task has not started yet
        with anyio.fail_after(5):
            await run.ended.wait()
        assert run.state == "failed" and run.error is not None
        assert run.error["type"].endswith("SystemStopped")
        with pytest.raises(ka.web.WebError) as refused:
            hub.start(served, QUESTION)
        assert refused.value.status == 503
