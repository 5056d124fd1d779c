r"""Frame signatures: an HMAC-SHA256 over each frame's subject, reply subject and body.

With ``NatsTransport(signing_key=...)`` (or ``KAIZEN_SIGNING_KEY``) every
frame published in the namespace carries the header
``Ka-Sig: <key id>.<signature>``: the base64 HMAC-SHA256, keyed with the
namespace key, of ``<subject> <reply subject>\n<body>``. The namespace key
is ``HMAC-SHA256(signing key, "kaizen-actors/" + namespace)``, so one key
serves several namespaces without a frame of one being valid in another;
the key id is the first 8 hex digits of the SHA-256 of the namespace key.

Rotation: ``signing_key`` takes a list of keys; the first signs, every one
verifies (the key id picks the key). Roll a new key out by putting it second
everywhere, then first everywhere, then dropping the old one.

A frame without a valid signature is dropped, counted
(``NatsStatistics.bad_signatures``) and dead-lettered. Not prevented: replay.
A stranger who can read the namespace's subjects can publish a signed frame
it saw again, unchanged (same subject, reply subject and body); see the
README for what that can and cannot do.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
from typing import TYPE_CHECKING

from ..messages import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ENV_VAR", "HEADER", "HEADER_BYTES", "MIN_KEY_BYTES", "Signer", "SigningKeys"]

HEADER = "Ka-Sig"
"""The NATS header that carries a frame's signature."""

HEADER_BYTES = len(b"NATS/1.0\r\nKa-Sig: ") + 8 + 1 + 44 + len(b"\r\n\r\n")
"""Bytes a signature adds to a frame (key id, dot, base64 of 32 bytes): they count
against the server's ``max_payload`` too."""

ENV_VAR = "KAIZEN_SIGNING_KEY"
"""Read when ``signing_key`` is not given: one key, or comma-separated keys (first signs)."""

MIN_KEY_BYTES = 16
"""The shortest key accepted (e.g. ``secrets.token_urlsafe(32)`` gives 43 characters)."""

_CONTEXT = b"kaizen-actors/"


class SigningKeys:
    """The keys given to a transport: never shown in a repr, never in an error.

    Raises:
        ConfigError: for no key, a key that is not ``str``/``bytes``, or a key
            shorter than :data:`MIN_KEY_BYTES` bytes (key ``"signing_key"``;
            also a ``ValueError``).

    """

    __slots__ = ("_keys",)

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ConfigError("signing_key: give at least one key", key="signing_key")
        raw: list[bytes] = []
        for i, key in enumerate(keys):
            if isinstance(key, str):
                key = key.encode()
            if not isinstance(key, bytes):
                raise ConfigError(
                    f"signing_key: key {i} is a {type(key).__name__}, not a str or bytes",
                    key="signing_key",
                )
            if len(key) < MIN_KEY_BYTES:
                raise ConfigError(
                    f"signing_key: key {i} is shorter than {MIN_KEY_BYTES} bytes; "
                    "use e.g. secrets.token_urlsafe(32)",
                    key="signing_key",
                )
            raw.append(key)
        self._keys = tuple(raw)

    @classmethod
    def resolve(cls, value: str | bytes | Sequence[str | bytes] | None) -> SigningKeys | None:
        """The keys of ``value``, or of ``KAIZEN_SIGNING_KEY`` when ``value`` is None.

        Returns None when neither gives a key (frames are not signed).

        Raises:
            ConfigError: as :class:`SigningKeys` does.

        """
        if value is None:
            env = os.environ.get(ENV_VAR, "")
            if not env:
                return None
            return cls([k.strip() for k in env.split(",") if k.strip()])
        if isinstance(value, (str, bytes)):
            return cls([value])
        return cls(list(value))

    def __repr__(self) -> str:
        return f"<SigningKeys {len(self._keys)}>"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The keys as text, for redaction of error texts."""
        return tuple(k.decode(errors="replace") for k in self._keys)

    def signer(self, namespace: str) -> Signer:
        """The signer of ``namespace``: its derived keys (the first signs)."""
        context = _CONTEXT + namespace.encode()
        return Signer([hmac.digest(key, context, "sha256") for key in self._keys])


class Signer:
    """Signs and verifies the frames of one namespace.

    Args:
        keys: namespace keys; the first signs, every one verifies.

    """

    __slots__ = ("_kid_bytes", "_prefix", "_signing", "_verifying")

    def __init__(self, keys: list[bytes]) -> None:
        macs = [(hashlib.sha256(k).hexdigest()[:8], hmac.new(k, digestmod="sha256")) for k in keys]
        kid, self._signing = macs[0]
        self._verifying = dict(reversed(macs))  # a key id shared by two keys: the first wins
        self._prefix = f"{kid}."
        self._kid_bytes = kid.encode()

    def __repr__(self) -> str:
        return f"<Signer {len(self._verifying)} keys>"

    @staticmethod
    def _mac(key: hmac.HMAC, subject: str, reply: str, data: bytes) -> bytes:
        mac = key.copy()
        mac.update(f"{subject} {reply}\n".encode())
        mac.update(data)
        return binascii.b2a_base64(mac.digest(), newline=False)

    def value(self, subject: str, reply: str, data: bytes) -> str:
        """The ``Ka-Sig`` header value of a frame."""
        return self._prefix + self._mac(self._signing, subject, reply, data).decode()

    def header(self, subject: str, reply: str, data: bytes) -> bytes:
        """The NATS header block (``NATS/1.0`` ... blank line) that signs a frame."""
        return b"NATS/1.0\r\nKa-Sig: %s.%s\r\n\r\n" % (
            self._kid_bytes,
            self._mac(self._signing, subject, reply, data),
        )

    def check(self, subject: str, reply: str, data: bytes, headers: dict[str, str] | None) -> str:
        """Why the frame's signature is not valid, or ``""`` when it is."""
        value = headers.get(HEADER) if headers else None
        if value is None:
            return "it is not signed"
        kid, _, signature = value.partition(".")
        mac = self._verifying.get(kid)
        if mac is None:
            return f"it is signed with an unknown key (key id {kid[:16]!r})"
        if not hmac.compare_digest(self._mac(mac, subject, reply, data), signature.encode()):
            return "its signature does not match"
        return ""
