from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest
from anyio import wait_all_tasks_blocked

import kaizen_actors as ka
from kaizen_actors.actors import DEFAULT_MAILBOX_SIZE

from .common import Count, Hold, Ping, Recorder

pytestmark = pytest.mark.anyio


async def full_mailbox(system: ka.ActorSystem, log: list[int], release: anyio.Event) -> ka.ActorRef:
    """A one-slot Recorder holding a ``Hold`` in hand and ``Ping(1)`` in its mailbox."""
    ref = await system.spawn(lambda: Recorder(log, release), mailbox_size=1)
    await ref.tell(Hold())
    await wait_all_tasks_blocked()
    await ref.tell(Ping(1))
    return ref


async def test_the_default_mailbox_holds_a_thousand_messages() -> None:
    assert DEFAULT_MAILBOX_SIZE == 1000


async def test_tell_nowait_raises_mailbox_full_when_full() -> None:
    release = anyio.Event()
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(release=release), mailbox_size=2)
        ref.tell_nowait(Hold())
        await wait_all_tasks_blocked()
        ref.tell_nowait(Ping(1))
        ref.tell_nowait(Ping(2))
        with pytest.raises(ka.MailboxFull):
            ref.tell_nowait(Ping(3))
        release.set()
        assert await ref.ask(Count()) == 2


async def test_tell_waits_while_the_mailbox_is_full(wire: str) -> None:
    if wire == "nats":
        pytest.skip("over NATS a tell waits for the client's buffer, not the remote mailbox")
    release = anyio.Event()
    log: list[int] = []
    async with ka.ActorSystem() as system:
        ref = await full_mailbox(system, log, release)
        sent = anyio.Event()

        async def third() -> None:
            await ref.tell(Ping(2))
            sent.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(third)
            await wait_all_tasks_blocked()
            assert not sent.is_set()
            release.set()
        assert await ref.ask(Count()) == 2
        assert log == [1, 2]


async def test_a_mailbox_size_below_one_is_refused() -> None:
    async with ka.ActorSystem() as system:
        with pytest.raises(ValueError, match="mailbox_size"):
            await system.spawn(Recorder, mailbox_size=0)


async def test_tell_nowait_to_an_unknown_name_raises_and_records_it() -> None:
    async with ka.ActorSystem() as system:
        with pytest.raises(ka.ActorNotFound):
            system.ref("ghost").tell_nowait(Ping())
        assert [d.recipient for d in system.dead_letters] == ["ghost"]


class Cutter(ka.Actor):
    """On ``Ping(1)`` tries to slip ``Ping(99)`` into its own full mailbox."""

    def __init__(self, log: list[Any], release: anyio.Event) -> None:
        self.log = log
        self.release = release

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        if isinstance(message, Hold):
            await self.release.wait()
            return None
        if isinstance(message, Count):
            return self.log
        self.log.append(message.n)
        if message.n == 1:
            try:
                ctx.self.tell_nowait(Ping(99))
            except ka.MailboxFull:
                self.log.append("refused")
        return None


async def test_a_freed_slot_goes_to_the_sender_waiting_first(wire: str) -> None:
    if wire == "nats":
        pytest.skip("over NATS a tell waits for the client's buffer, not the remote mailbox")
    release = anyio.Event()
    log: list[Any] = []
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Cutter(log, release), mailbox_size=1)
        await ref.tell(Hold())
        await wait_all_tasks_blocked()
        await ref.tell(Ping(1))
        async with anyio.create_task_group() as tg:
            tg.start_soon(ref.tell, Ping(2))
            await wait_all_tasks_blocked()
            release.set()
        # Ping(2) waited for the slot Ping(1) freed; Ping(99), sent after, found it taken.
        assert await ref.ask(Count()) == [1, "refused", 2]


async def test_many_senders_waiting_on_a_full_mailbox_keep_their_order(wire: str) -> None:
    if wire == "nats":
        pytest.skip("over NATS a tell waits for the client's buffer, not the remote mailbox")
    release = anyio.Event()
    log: list[int] = []
    async with ka.ActorSystem() as system:
        ref = await system.spawn(lambda: Recorder(log, release), mailbox_size=5)
        await ref.tell(Hold())
        await wait_all_tasks_blocked()
        async with anyio.create_task_group() as tg:
            for n in range(200):
                tg.start_soon(ref.tell, Ping(n))
                await wait_all_tasks_blocked()
            release.set()
        assert await ref.ask(Count()) == 200
    assert log == list(range(200))


async def test_a_cancelled_waiting_sender_leaves_the_line(wire: str) -> None:
    if wire == "nats":
        pytest.skip("over NATS a tell waits for the client's buffer, not the remote mailbox")
    release = anyio.Event()
    log: list[int] = []
    async with ka.ActorSystem() as system:
        ref = await full_mailbox(system, log, release)
        gone = anyio.CancelScope()

        async def cancelled_sender() -> None:
            with gone:
                await ref.tell(Ping(3))

        async with anyio.create_task_group() as tg:
            tg.start_soon(ref.tell, Ping(2))
            await wait_all_tasks_blocked()
            tg.start_soon(cancelled_sender)
            await wait_all_tasks_blocked()
            tg.start_soon(ref.tell, Ping(4))
            await wait_all_tasks_blocked()
            gone.cancel()
            await wait_all_tasks_blocked()
            release.set()
        assert await ref.ask(Count()) == 3
    assert log == [1, 2, 4]


async def test_thousands_of_asks_through_a_full_mailbox_all_get_replies(wire: str) -> None:
    # Every freed slot wakes one waiting asker: 3,000 asks through 50 slots take
    # a fraction of a second, well inside the default 5 s ask timeout.
    class Yielding(ka.Actor):
        async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
            await anyio.lowlevel.checkpoint()
            return message.n

    async with ka.ActorSystem() as system:
        ref = await system.spawn(Yielding, mailbox_size=50)
        replies: list[int] = []

        async def ask(n: int) -> None:
            replies.append(await ref.ask(Ping(n)))

        async with anyio.create_task_group() as tg:
            for n in range(3000):
                tg.start_soon(ask, n)
    assert sorted(replies) == list(range(3000))


async def test_an_ask_that_times_out_in_line_is_never_handled(wire: str) -> None:
    if wire == "nats":
        pytest.skip("over NATS the line is the client's pending queue")
    release = anyio.Event()
    log: list[int] = []
    async with ka.ActorSystem() as system:
        ref = await full_mailbox(system, log, release)
        with pytest.raises(ka.AskTimeout):
            await ref.ask(Ping(2), timeout=0.05)
        release.set()
        assert await ref.ask(Count()) == 1
    assert log == [1]
    assert [d.message for d in system.dead_letters] == [Ping(2)]
    assert "stopped waiting" in next(iter(system.dead_letters)).reason
