"""What the serving commands share: loading ``package.module:attr``, NATS from the environment."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

__all__ = ["load_target", "nats_from_env"]


def load_target(target: str, command: str, *, want_callable: bool = False) -> Any:
    """Import ``package.module:attr``, looking in the current folder first (as uvicorn does).

    Raises:
        SystemExit: with a clear message (naming ``command``) when the target
            cannot be imported, or is not callable when ``want_callable``.

    """
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise SystemExit(f"{command}: target must look like package.module:attr, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"{command}: cannot load {target!r}: {exc}") from None
    if want_callable and not callable(obj):
        raise SystemExit(f"{command}: {target!r} is not callable")
    return obj


def _tls_from_env() -> ssl.SSLContext | None:
    ca, cert, key = (os.environ.get(k) for k in ("NATS_CA", "NATS_CERT", "NATS_KEY"))
    if not (ca or cert):
        return None
    import ssl  # loaded only by a TLS deployment: it costs 15-20 ms of every command's start

    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    return context


def nats_from_env(url: str, name: str, **options: Any) -> Any:
    """A ``NatsTransport`` to ``url`` with the credentials of the environment.

    ``NATS_TOKEN``, ``NATS_USER`` + ``NATS_PASSWORD``, ``NATS_NKEY_SEED``,
    ``NATS_CREDS``, ``NATS_CA`` / ``NATS_CERT`` + ``NATS_KEY``: never from the
    command line, which other users can read. ``options`` go to the transport.
    """
    from ..transport.nats import NatsTransport

    env = os.environ.get
    return NatsTransport(
        url,
        token=env("NATS_TOKEN"),
        user=env("NATS_USER"),
        password=env("NATS_PASSWORD"),
        nkeys_seed=env("NATS_NKEY_SEED"),
        creds=env("NATS_CREDS"),
        tls=_tls_from_env(),
        name=name,
        **options,
    )
