"""The bounded event buffer between an agent's turn and its stream's consumer."""

from __future__ import annotations

import asyncio

import anyio
import anyio.lowlevel
import pytest

from kaizen_actors.agents import Agent, AgentStream
from kaizen_actors.events import RunFinished, RunStarted, Token
from kaizen_actors.events._channel import Channel

from .test_agent import Eager, SlowModel

pytestmark = pytest.mark.anyio


async def test_items_come_out_in_order_then_end_of_stream() -> None:
    channel: Channel[int] = Channel(10)
    for n in range(5):
        await channel.put(n)
    channel.end()
    assert [await channel.get() for _ in range(5)] == list(range(5))
    with pytest.raises(anyio.EndOfStream):
        await channel.get()


async def test_a_full_channel_makes_the_producer_wait_until_the_consumer_takes_one() -> None:
    channel: Channel[int] = Channel(2)
    put: list[int] = []

    async def produce() -> None:
        for n in range(5):
            await channel.put(n)
            put.append(n)
        channel.end()

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        while len(put) < 2:
            await anyio.lowlevel.checkpoint()
        for _ in range(10):  # the producer gets every chance to run: it stays blocked
            await anyio.lowlevel.checkpoint()
        assert put == [0, 1]
        got = [await channel.get()]
        with anyio.fail_after(5):
            while True:
                try:
                    got.append(await channel.get())
                except anyio.EndOfStream:
                    break
    assert got == list(range(5))


async def test_every_waiting_producer_gets_its_turn() -> None:
    channel: Channel[int] = Channel(1)
    await channel.put(0)

    async def produce(n: int) -> None:
        await channel.put(n)

    got = [await channel.get()]
    async with anyio.create_task_group() as tg:
        for n in range(1, 4):
            tg.start_soon(produce, n)
        await anyio.wait_all_tasks_blocked()
        with anyio.fail_after(5):
            for _ in range(3):
                got.append(await channel.get())
    assert sorted(got) == [0, 1, 2, 3]


async def test_a_producer_cancelled_after_its_wake_passes_the_wake_on() -> None:
    channel: Channel[int] = Channel(1)
    await channel.put(0)
    first = asyncio.create_task(channel.put(1))
    second = asyncio.create_task(channel.put(2))
    await anyio.wait_all_tasks_blocked()
    assert await channel.get() == 0  # wakes the first producer...
    first.cancel()  # ...which is cancelled before it runs
    with anyio.fail_after(5):
        await second
    assert first.cancelled()
    assert await channel.get() == 2


async def test_a_consumer_waits_for_the_next_item() -> None:
    channel: Channel[str] = Channel(4)
    async with anyio.create_task_group() as tg:
        tg.start_soon(channel.put, "late")
        with anyio.fail_after(5):
            assert await channel.get() == "late"


async def test_closing_drops_what_is_buffered_and_breaks_the_producer() -> None:
    channel: Channel[int] = Channel(1)
    await channel.put(1)
    failed = anyio.Event()

    async def blocked_put() -> None:
        with pytest.raises(anyio.BrokenResourceError):
            await channel.put(2)
        failed.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(blocked_put)
        await anyio.lowlevel.checkpoint()
        channel.close()
        with anyio.fail_after(5):
            await failed.wait()
    with pytest.raises(anyio.BrokenResourceError):
        await channel.put(3)
    with pytest.raises(anyio.EndOfStream):
        await channel.get()


async def test_a_cancelled_get_leaves_the_channel_usable() -> None:
    channel: Channel[int] = Channel(2)
    with anyio.move_on_after(0.01):
        await channel.get()
    await channel.put(7)
    assert await channel.get() == 7


def test_a_channel_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Channel(0)


async def test_a_slow_consumer_holds_the_turn_to_the_buffer_size() -> None:
    model = Eager()  # streams 1,000 tokens without ever waiting
    stream = AgentStream(
        Agent("a", signature="topic -> text", model=model), {"topic": "t"}, buffer=8
    )
    seen: list[object] = []
    async with stream:
        async for event in stream:
            seen.append(event)
            if len(seen) == 1:
                for _ in range(50):  # the turn runs meanwhile, up to the buffer's size
                    await anyio.lowlevel.checkpoint()
                assert model.yielded <= 8 + 2  # the buffer, and the token waiting to go in
    assert sum(isinstance(e, Token) for e in seen) == 1000
    assert isinstance(seen[-1], RunFinished)


async def test_a_stream_read_after_aclose_ends_instead_of_raising() -> None:
    stream = AgentStream(Agent("a", signature="topic -> text", model=Eager()), {"topic": "t"})
    assert isinstance(await stream.__anext__(), RunStarted)
    await stream.aclose()
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_a_stream_whose_reader_was_cancelled_ends_when_read_again() -> None:
    model = SlowModel(delay=60.0)  # the first token, then a minute of waiting
    stream = AgentStream(Agent("a", signature="topic -> text", model=model), {"topic": "t"})
    with anyio.fail_after(5):
        while not isinstance(await stream.__anext__(), Token):
            pass
    with anyio.CancelScope() as scope:
        scope.cancel()
        await stream.__anext__()  # waits for the next token: the cancel lands, and stops the turn
    assert scope.cancelled_caught
    with anyio.fail_after(5):
        assert [event async for event in stream] == []
        await model.closed.wait()


async def test_an_abandoned_stream_stops_its_turn() -> None:
    model = SlowModel(delay=60.0)
    agent = Agent("a", signature="topic -> text", model=model)
    with anyio.fail_after(5):
        async for event in agent.stream(topic="t"):  # no async with, no aclose()
            if isinstance(event, Token):
                break
        # The stream is garbage now: freeing it cancels the turn, which closes the model.
        await model.closed.wait()


async def test_leaving_a_stream_stops_a_model_that_never_waits() -> None:
    model = Eager()
    async with agent_stream(model) as events:
        tokens = 0
        async for event in events:
            tokens += isinstance(event, Token)
            if tokens == 3:
                break
    assert model.yielded < 1000  # stopped long before the end of its reply


def agent_stream(model: object) -> AgentStream:
    return Agent("a", signature="topic -> text", model=model).stream(topic="t")
