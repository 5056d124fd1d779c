"""Connecting to NATS: auth options, clear connection errors, reconnecting forever once connected.

Credentials (token, password, NKey seed) are kept in :class:`NatsAuth`, whose
``repr`` shows only which kinds are set; every error text built here goes
through :func:`~kaizen_actors.transport._nats_subjects.redact` first.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from ..messages import TransportError
from ._nats_shim import close_socket, reconnect_forever
from ._nats_subjects import redact, redact_url

if TYPE_CHECKING:
    import ssl
    from collections.abc import Awaitable, Callable

    from nats.aio.client import Client

__all__ = ["NatsAuth", "connect"]


@dataclass(repr=False)
class NatsAuth:
    """The credentials and TLS options of a connection (never shown in a repr).

    Attributes:
        token: auth token.
        user: user name; ``password`` its password.
        nkeys_seed: an NKey seed (``SU...``) or the path of a file holding one.
        creds: path of a ``.creds`` file (JWT + seed).
        tls: an ``ssl.SSLContext`` for ``tls://`` servers or servers that require TLS.

    """

    token: str | None = None
    user: str | None = None
    password: str | None = None
    nkeys_seed: str | None = None
    creds: str | None = None
    tls: ssl.SSLContext | None = None
    secrets: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.secrets = tuple(s for s in (self.token, self.password, self.nkeys_seed) if s)

    def __repr__(self) -> str:
        kinds = [k for k in ("token", "user", "nkeys_seed", "creds", "tls") if getattr(self, k)]
        return f"<NatsAuth {','.join(kinds) or 'none'}>"

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.aio.client.Client.connect``."""
        options: dict[str, Any] = {
            k: v
            for k, v in (("token", self.token), ("user", self.user), ("password", self.password))
            if v is not None
        }
        if self.tls is not None:
            options["tls"] = self.tls
        if self.creds is not None:
            options["user_credentials"] = self.creds
        if self.nkeys_seed is not None:
            seed = self.nkeys_seed.strip()
            key = "nkeys_seed_str" if seed.startswith("S") and "/" not in seed else "nkeys_seed"
            options[key] = seed
        return options


async def connect(
    servers: list[str],
    auth: NatsAuth,
    *,
    name: str,
    connect_timeout: float,
    reconnect_wait: float,
    callbacks: dict[str, Callable[..., Awaitable[None]]],
    inbox_prefix: str,
) -> Client:
    """Open a connection: fail the first attempt fast and clearly, then reconnect forever.

    ``callbacks`` holds ``error_cb``, ``disconnected_cb`` and ``reconnected_cb``;
    ``error_cb`` takes over from the connection-time error collector once connected.
    ``inbox_prefix`` is where nats-py's own requests (the JetStream API) get replies.

    Raises:
        TransportError: when the server cannot be reached, refuses the
            credentials, or the TLS handshake fails (the text never holds secrets).

    """
    if "nats.aio.client" not in sys.modules:
        # The first import takes a few hundred milliseconds (aiohttp comes with it).
        await anyio.to_thread.run_sync(_import_nats)
    from nats.aio.client import Client as NatsClient

    seen: list[BaseException] = []

    async def collect(exc: Exception) -> None:
        seen.append(exc)

    nc = NatsClient()
    try:
        await nc.connect(
            servers,
            name=name,
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,  # type: ignore[arg-type]
            connect_timeout=max(1, round(connect_timeout)),
            error_cb=collect,
            disconnected_cb=callbacks["disconnected_cb"],
            reconnected_cb=callbacks["reconnected_cb"],
            pending_size=8 * 1024 * 1024,
            inbox_prefix=inbox_prefix,
            **auth.options(),
        )
    except ImportError as exc:
        raise TransportError(
            f"NATS auth option needs an extra package ({exc.name}): pip install nkeys"
        ) from None
    except Exception as exc:
        # nats-py's close() can wait forever after a failed TLS handshake
        with anyio.move_on_after(0.5), contextlib.suppress(Exception):
            await nc.close()
        close_socket(nc)  # nats-py leaves the socket open after a refusal
        raise _connect_error(servers, auth, [*seen, exc]) from None
    reconnect_forever(nc, callbacks["error_cb"], reconnect_wait)
    return nc


def _import_nats() -> None:
    try:
        import nats.aio.client
        import nats.micro  # noqa: F401 - the service API, when the transport answers it
    except ImportError as exc:  # pragma: no cover - nats-py is a dependency
        raise TransportError("NATS transport needs nats-py: pip install nats-py") from exc


def _connect_error(servers: list[str], auth: NatsAuth, seen: list[BaseException]) -> TransportError:
    """The most telling of the errors of a failed first connection, with a hint."""
    where = ",".join(redact_url(s) for s in servers)
    auth_errors = [e for e in seen if "uthoriz" in f"{type(e).__name__} {e}"]
    tls_errors = [e for e in seen if "SSL" in type(e).__name__ or "CERTIFICATE" in str(e)]
    exc = (auth_errors or tls_errors or [seen[-2] if len(seen) > 1 else seen[-1]])[0]
    detail = redact(f"{type(exc).__name__}: {exc}".strip(), auth.secrets)
    hint = ""
    if auth_errors:
        hint = " (the server refused the credentials, or none were given)"
    elif tls_errors:
        hint = " (TLS failed: pass tls= an ssl.SSLContext that trusts the server's CA)"
    elif "tls" in detail.lower() and auth.tls is None:
        hint = " (the server requires TLS: pass tls= an ssl.SSLContext)"
    return TransportError(f"cannot connect to NATS at {where}: {detail}{hint}")
