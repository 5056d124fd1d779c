"""Auth options pass through to a nats-server started with auth; secrets never leak."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsTransport, redact

from ..actors.common import Ping, Recorder
from ..natsserver import NatsServer

pytestmark = pytest.mark.anyio

TOKEN = "tok-3f9a1c77"
PASSWORD = "pw-8d2e44b0"


@pytest.fixture(scope="module")
def token_server() -> Iterator[NatsServer]:
    with NatsServer(["--auth", TOKEN]) as server:
        yield server


@pytest.fixture(scope="module")
def user_server() -> Iterator[NatsServer]:
    with NatsServer(["--user", "alice", "--pass", PASSWORD]) as server:
        yield server


async def _refused(transport: NatsTransport) -> ka.TransportError:
    with pytest.raises(ka.TransportError) as info:
        async with ka.ActorSystem("auth", transport):
            pass
    return info.value


async def _works(transport: NatsTransport) -> None:
    async with ka.ActorSystem("auth", transport) as system:
        await system.spawn(Recorder, name="rec")
        other = NatsTransport(transport._urls, options=transport.options)  # same creds
        async with ka.ActorSystem("auth", other) as client:
            assert await client.ref("rec").ask(Ping(1)) == 1


async def test_a_client_without_the_token_is_refused_clearly(token_server) -> None:
    error = await _refused(NatsTransport(token_server.url))
    assert "Authorization Violation" in str(error)
    assert "refused the credentials" in str(error)


async def test_a_wrong_token_is_refused_and_never_shown(token_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    error = await _refused(NatsTransport(token_server.url, token="wrong-" + TOKEN))
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert TOKEN not in caplog.text


async def test_the_right_token_works(token_server) -> None:
    await _works(NatsTransport(token_server.url, token=TOKEN))


async def test_user_and_password_work_and_a_bad_password_is_refused(user_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await _works(NatsTransport(user_server.url, user="alice", password=PASSWORD))
    error = await _refused(NatsTransport(user_server.url, user="alice", password=PASSWORD + "x"))
    assert PASSWORD not in str(error) and PASSWORD not in caplog.text


async def test_credentials_in_the_url_work_and_are_redacted(user_server) -> None:
    url = user_server.url.replace("nats://", f"nats://alice:{PASSWORD}@")
    transport = NatsTransport(url)
    assert PASSWORD not in repr(transport)
    await _works(transport)
    bad = url.replace(PASSWORD, PASSWORD + "x")
    error = await _refused(NatsTransport(bad))
    assert PASSWORD not in str(error) and "***@" in str(error)


def test_redact_masks_url_user_info_and_given_secrets() -> None:
    text = f"nats://bob:{PASSWORD}@h:4222 token {TOKEN}"
    assert redact(text, (TOKEN,)) == "nats://***@h:4222 token ***"


@pytest.fixture(scope="module")
def nkey_user(tmp_path_factory) -> Iterator[tuple[str, NatsServer]]:
    """A user NKey pair and a nats-server that accepts only its public key."""
    nkeys = pytest.importorskip("nkeys", reason="nkey auth needs the nkeys package")
    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()
    public = nkeys.from_seed(seed.encode()).public_key.decode()
    config = tmp_path_factory.mktemp("nkey") / "server.conf"
    config.write_text(f'authorization {{ users = [ {{ nkey: "{public}" }} ] }}\n')
    with NatsServer(["-c", str(config)]) as server:
        yield seed, server


async def test_an_nkey_seed_works_and_a_client_without_it_is_refused(nkey_user, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    seed, server = nkey_user
    transport = NatsTransport(server.url, nkeys_seed=seed)
    assert seed not in repr(transport) and seed not in repr(transport.options)
    assert seed not in repr(transport.options.auth)
    await _works(transport)
    error = await _refused(NatsTransport(server.url))
    assert "Authorization Violation" in str(error)
    assert seed not in caplog.text


async def test_a_wrong_nkey_seed_is_refused_and_never_shown(nkey_user, caplog) -> None:
    nkeys = pytest.importorskip("nkeys")
    caplog.set_level(logging.DEBUG)
    _, server = nkey_user
    other = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()
    error = await _refused(NatsTransport(server.url, nkeys_seed=other))
    assert "refused the credentials" in str(error)
    assert other not in str(error) and other not in repr(error) and other not in caplog.text


async def test_an_nkey_seed_file_works(nkey_user, tmp_path) -> None:
    seed, server = nkey_user
    path = tmp_path / "user.nk"
    path.write_text(seed + "\n")
    await _works(NatsTransport(server.url, nkeys_seed=str(path)))


def _public_values(transport: NatsTransport) -> str:
    values = []
    for name in dir(transport):
        if name.startswith("_"):
            continue
        try:
            values.append(repr(getattr(transport, name)))
        except ka.TransportError:  # ``client`` before connecting
            continue
    return "\n".join(values)


async def test_credentials_in_the_url_reach_no_public_attribute(token_server) -> None:
    host = token_server.url.removeprefix("nats://")
    transport = NatsTransport(f"nats://{TOKEN}@{host}")
    assert TOKEN not in _public_values(transport)
    assert transport.servers == [f"nats://***@{host}"]
    async with ka.ActorSystem("auth", transport) as system:
        await system.spawn(Recorder, name="rec")
        assert await system.ref("rec").ask(Ping(5)) == 5
        assert TOKEN not in _public_values(transport) and TOKEN not in repr(transport)
