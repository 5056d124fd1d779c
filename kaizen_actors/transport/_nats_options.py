"""``NatsOptions``: the options of a ``NatsTransport`` (all but its URL), frozen, checked once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..messages import ConfigError
from ._frames import DEFAULT_MAX_FRAME
from ._nats_connection import NatsAuth
from ._nats_flow import CREDIT_EVERY, DEFAULT_WINDOW
from ._nats_signing import SigningKeys

if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence

__all__ = ["NatsOptions", "OptionAttributes"]


@dataclass(frozen=True, kw_only=True, slots=True)
class NatsOptions:
    """The options of a :class:`~kaizen_actors.transport.nats.NatsTransport`, checked when made.

    ``NatsTransport(url, durable=True)`` and
    ``NatsTransport(url, options=NatsOptions(durable=True))`` are the same;
    one value can serve several transports. The fields are the keyword
    arguments of ``NatsTransport`` (see there for each); credentials and
    signing keys are never shown in the ``repr``.

    Attributes:
        auth: the credentials and TLS context, for connecting.
        signing_keys: the keys of ``signing_key`` (or of ``KAIZEN_SIGNING_KEY``
            when it is None, read when the options are made); None: unsigned.

    Raises:
        ConfigError: for contradictory values (``password`` without
            ``user``; ``durable`` with ``ack_wait <= 0`` or ``prefetch < 1``;
            ``event_window`` under 8), or a signing key that is empty, too
            short, or not ``str``/``bytes``, naming the key at fault (also a
            ``ValueError``). The text never shows a secret.

    Version added: 0.1

    """

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    nkeys_seed: str | None = field(default=None, repr=False)
    creds: str | None = None
    tls: ssl.SSLContext | None = None
    durable: bool = False
    ack_wait: float = 30.0
    prefetch: int = 8
    max_frame_size: int = DEFAULT_MAX_FRAME
    name: str | None = None
    max_pending: int = 10_000
    max_pending_bytes: int = 64 * 1024 * 1024
    connect_timeout: float = 5.0
    service: bool = False
    reconnect_wait: float = 0.5
    event_window: int = DEFAULT_WINDOW
    event_credit_timeout: float = 60.0
    signing_key: str | bytes | Sequence[str | bytes] | None = field(default=None, repr=False)
    auth: NatsAuth = field(init=False, repr=False, compare=False)
    signing_keys: SigningKeys | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.user is None and self.password is not None:
            raise ConfigError("password= needs user=", key="password")
        if self.durable and self.ack_wait <= 0:
            raise ConfigError(
                f"durable=True needs ack_wait > 0 and prefetch >= 1, got ack_wait={self.ack_wait}",
                key="ack_wait",
            )
        if self.durable and self.prefetch < 1:
            raise ConfigError(
                f"durable=True needs ack_wait > 0 and prefetch >= 1, got prefetch={self.prefetch}",
                key="prefetch",
            )
        if self.event_window < CREDIT_EVERY:
            raise ConfigError(
                f"event_window must be at least {CREDIT_EVERY}, got {self.event_window}",
                key="event_window",
            )
        auth = NatsAuth(self.token, self.user, self.password, self.nkeys_seed, self.creds, self.tls)
        object.__setattr__(self, "auth", auth)
        object.__setattr__(self, "signing_keys", SigningKeys.resolve(self.signing_key))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these options hold (credentials, signing keys), to mask in texts."""
        keys = self.signing_keys.secrets if self.signing_keys is not None else ()
        return self.auth.secrets + keys


class OptionAttributes:
    """A transport's options as read-only attributes (all of them are in ``options``)."""

    __slots__ = ()

    options: NatsOptions

    @property
    def durable(self) -> bool:
        """Whether tells and asks go through a JetStream work queue."""
        return self.options.durable

    @property
    def ack_wait(self) -> float:
        """``durable`` only: seconds without an ack after which JetStream redelivers."""
        return self.options.ack_wait

    @property
    def prefetch(self) -> int:
        """``durable`` only: messages a worker takes ahead per actor."""
        return self.options.prefetch

    @property
    def max_frame_size(self) -> int:
        """The largest frame sent or accepted, as configured (see :attr:`frame_limit`)."""
        return self.options.max_frame_size

    @property
    def connection_name(self) -> str | None:
        """The connection name shown in NATS monitoring (``name=``)."""
        return self.options.name

    @property
    def max_pending(self) -> int:
        """Per-actor bound of messages buffered in the NATS client."""
        return self.options.max_pending

    @property
    def max_pending_bytes(self) -> int:
        """Per-actor bound of bytes buffered in the NATS client."""
        return self.options.max_pending_bytes

    @property
    def connect_timeout(self) -> float:
        """Seconds to wait for the first connection."""
        return self.options.connect_timeout

    @property
    def service_enabled(self) -> bool:
        """Whether this transport answers the NATS service API (``service=``)."""
        return self.options.service

    @property
    def reconnect_wait(self) -> float:
        """Seconds between reconnection attempts."""
        return self.options.reconnect_wait

    @property
    def event_window(self) -> int:
        """Events of one ask a handler here may have in flight."""
        return self.options.event_window

    @property
    def event_credit_timeout(self) -> float:
        """Seconds a handler waits for credit before its ``ctx.emit`` raises."""
        return self.options.event_credit_timeout
