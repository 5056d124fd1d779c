"""``ActorSystem(transport=...)`` by URL: the registry of schemes, and what a new transport adds."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kaizen_actors as ka
from kaizen_actors.transport import register_transport, resolve_transport

from .common import Ping, Recorder

HUB = ka.MemoryHub()


class MineTransport(ka.MemoryTransport):
    """A transport of a test's own: a shared in-process hub, named by a ``mine://`` URL."""

    def __init__(self, url: str) -> None:
        super().__init__(HUB, wire=True)
        self.url = url


register_transport(["mine", "mine+wire://"], MineTransport)


@pytest.mark.anyio
async def test_a_registered_scheme_builds_its_transport() -> None:
    async with (
        ka.ActorSystem("mine", transport="mine://anywhere/x") as host,
        ka.ActorSystem("mine", transport="MINE+wire://elsewhere") as client,
    ):
        assert isinstance(host.transport, MineTransport)
        assert host.transport.url == "mine://anywhere/x"
        assert client.transport.url == "MINE+wire://elsewhere"  # type: ignore[attr-defined]
        await host.spawn(Recorder, name="rec")
        assert await client.ref("rec").ask(Ping(4)) == 4


@pytest.mark.parametrize("value", ["redis://cache:6379", "nats:/x", "natsy", 42, ""])
def test_an_unknown_transport_is_a_config_error_naming_the_schemes(value: object) -> None:
    with pytest.raises(ka.ConfigError) as info:
        ka.ActorSystem("x", transport=value)  # type: ignore[arg-type]
    assert info.value.key == "transport"
    assert isinstance(info.value, ValueError)  # what it raised before the registry
    assert "nats://" in str(info.value) and "mine://" in str(info.value)
    assert "register_transport" in str(info.value)


def test_kaizen_transport_is_resolved_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIZEN_TRANSPORT", "mine://from-env")
    assert isinstance(ka.ActorSystem("x").transport, MineTransport)
    assert isinstance(ka.ActorSystem("x", transport="memory").transport, ka.MemoryTransport)
    monkeypatch.setenv("KAIZEN_TRANSPORT", "bogus://x")
    with pytest.raises(ka.ConfigError, match=r"KAIZEN_TRANSPORT.*bogus://x") as info:
        ka.ActorSystem("x")
    assert info.value.key == "transport"
    monkeypatch.setenv("KAIZEN_TRANSPORT", "")
    assert type(ka.ActorSystem("x").transport) is ka.MemoryTransport


@pytest.mark.parametrize("value", [None, "memory", "memory://", "Memory://x"])
def test_memory_names_a_new_memory_transport(
    value: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAIZEN_TRANSPORT", raising=False)
    first, second = resolve_transport(value), resolve_transport(value)
    assert type(first) is ka.MemoryTransport and first is not second


@pytest.mark.parametrize("url", ["nats://127.0.0.1:1", "tls://h:4222,tls://g:4222", "ws://h:80"])
def test_nats_urls_build_a_nats_transport(url: str) -> None:
    transport = ka.ActorSystem("x", transport=url).transport
    assert isinstance(transport, ka.NatsTransport)
    assert transport.servers == url.split(",")


def test_a_transport_passes_through() -> None:
    transport = ka.MemoryTransport()
    assert ka.ActorSystem("x", transport=transport).transport is transport


def test_a_scheme_is_taken_once_unless_replaced() -> None:
    register_transport("mine", MineTransport)  # the same factory again: fine
    with pytest.raises(ka.ConfigError, match="already registered") as info:
        register_transport("nats", MineTransport)
    assert info.value.key == "transport"
    with pytest.raises(ka.ConfigError, match="URL scheme"):
        register_transport("bad scheme", MineTransport)
    register_transport("mine2", lambda url: MineTransport(url))
    register_transport("mine2", MineTransport, replace=True)
    assert isinstance(resolve_transport("mine2://x"), MineTransport)


def test_a_factory_that_returns_no_transport_is_a_config_error() -> None:
    register_transport("notone", lambda url: object(), replace=True)  # type: ignore[arg-type,return-value]
    with pytest.raises(ka.ConfigError, match="returned a object, not a Transport"):
        resolve_transport("notone://x")


def test_a_lazy_factory_is_imported_on_first_use() -> None:
    code = (
        "import sys, kaizen_actors as ka;"
        "ka.register_transport('lazy', 'kaizen_actors.transport.nats:NatsTransport');"
        "ka.ActorSystem('x', transport='memory://');"
        "before = 'nats' in sys.modules;"
        "t = ka.ActorSystem('x', transport='lazy://127.0.0.1:1').transport;"
        "print(before, type(t).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "NatsTransport"]
