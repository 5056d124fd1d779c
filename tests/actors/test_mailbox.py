from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest
from anyio import wait_all_tasks_blocked

import kaizen_actors as ka
from kaizen_actors.actors import DEFAULT_MAILBOX_SIZE

from .common import Count, Hold, Ping, Recorder

pytestmark = pytest.mark.anyio


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
        ref = await system.spawn(lambda: Recorder(log, release), mailbox_size=1)
        await ref.tell(Hold())
        await wait_all_tasks_blocked()
        await ref.tell(Ping(1))
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
