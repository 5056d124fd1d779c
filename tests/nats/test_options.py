"""``NatsOptions``: a transport's options as one frozen value, checked once; keywords still work."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsOptions, NatsTransport

URL = "nats://127.0.0.1:1"
KEY = "k" * 32


def test_keywords_and_options_make_the_same_transport() -> None:
    by_keywords = NatsTransport(URL, durable=True, prefetch=2, name="n", max_pending=5)
    options = NatsOptions(durable=True, prefetch=2, name="n", max_pending=5)
    by_options = NatsTransport(URL, options=options)
    assert by_keywords.options == by_options.options
    assert by_options.options is options
    for transport in (by_keywords, by_options):
        assert transport.durable and transport.prefetch == 2
        assert transport.connection_name == "n" and transport.max_pending == 5
        assert transport.max_frame_size == transport.frame_limit == 1024 * 1024
        assert not transport.service_enabled and transport.event_window == 64


def test_options_are_frozen() -> None:
    options = NatsOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.durable = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        NatsTransport(URL).durable = True  # type: ignore[misc]


def test_options_are_given_one_way() -> None:
    with pytest.raises(ka.ConfigError, match=r"not both.*durable, prefetch") as info:
        NatsTransport(URL, durable=True, prefetch=2, options=NatsOptions())
    assert info.value.key == "options"


@pytest.mark.parametrize(
    ("options", "key", "match"),
    [
        ({"password": "pw"}, "password", "needs user"),
        ({"durable": True, "ack_wait": 0}, "ack_wait", "ack_wait > 0"),
        ({"durable": True, "prefetch": 0}, "prefetch", "prefetch >= 1"),
        ({"event_window": 7}, "event_window", "at least 8"),
        ({"signing_key": "short"}, "signing_key", "shorter than 16"),
        ({"signing_key": [KEY, 7]}, "signing_key", "int, not a str"),
    ],
)
def test_a_bad_option_is_a_config_error_naming_it(
    options: dict[str, Any], key: str, match: str
) -> None:
    for make in (lambda: NatsOptions(**options), lambda: NatsTransport(URL, **options)):
        with pytest.raises(ka.ConfigError, match=match) as info:
            make()
        assert info.value.key == key
        assert isinstance(info.value, ValueError)  # what it raised before


def test_the_options_never_show_a_secret() -> None:
    options = NatsOptions(token="tok-secret", user="u", password="pw-secret", signing_key=KEY)
    shown = repr(options) + repr(NatsTransport(URL, options=options)) + str(options)
    assert "tok-secret" not in shown and "pw-secret" not in shown and KEY not in shown
    assert set(options.secrets) == {"tok-secret", "pw-secret", KEY}
