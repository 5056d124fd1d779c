"""Where a system's rate-limit buckets live: in the process, or in NATS for a whole namespace.

Over NATS the buckets are JetStream key-value entries (bucket
``KAIZEN_LIMITS_<namespace>``, one key per model), read and written back with
compare-and-set (``update(key, value, last=revision)``): a writer that lost
the race reads again. This needs no leader: a limiter actor under a reserved
name would need exactly one owner, and our NATS transport serves a name as a
queue group, so two processes would each start one and together allow twice
the rate; the key-value entry also outlives any process. The clock is each
process's wall clock (``time.time()``), which NTP keeps within milliseconds.

When NATS cannot be used (no JetStream, a timeout), the system falls back to
its own in-process buckets and logs it once: the limit then holds per process,
and no call fails because the store hiccuped.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import msgspec

from ._limits import Bucket, RateLimit

if TYPE_CHECKING:
    from ..actors import ActorSystem

__all__ = ["KeyValueStore", "LimitStore", "LocalStore", "store_for"]

logger = logging.getLogger("kaizen_actors")

NATS_TIMEOUT = 2.0
"""Seconds a key-value read or write may take before the local buckets are used."""

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Bucket).decode
_KEY_CHARS = re.compile(r"[^-_=.a-zA-Z0-9/]")


class LimitStore(Protocol):
    """The buckets of one system's limited models."""

    async def take(self, model: str, limit: RateLimit, estimate: int) -> float:
        """Take a permit (``0.0``) or say how many seconds to wait before asking again."""

    async def settle(self, model: str, limit: RateLimit, extra_tokens: int) -> None:
        """Count the tokens a call used beyond its estimate."""

    async def slow(self, model: str, limit: RateLimit, retry_after: float | None) -> None:
        """Pause and slow the model's limiter after a provider's 429."""


class LocalStore:
    """The buckets in this process (one system's, or a NATS system's fallback)."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def _bucket(self, model: str, limit: RateLimit, now: float) -> Bucket:
        bucket = self._buckets.get(model)
        if bucket is None:
            bucket = self._buckets[model] = Bucket.full(limit, now)
        return bucket

    async def take(self, model: str, limit: RateLimit, estimate: int) -> float:
        """Take a permit from the model's bucket, or say how long to wait."""
        now = anyio.current_time()
        return self._bucket(model, limit, now).take(limit, now, estimate)

    async def settle(self, model: str, limit: RateLimit, extra_tokens: int) -> None:
        """Count the tokens a call used beyond its estimate."""
        now = anyio.current_time()
        self._bucket(model, limit, now).settle(limit, now, extra_tokens)

    async def slow(self, model: str, limit: RateLimit, retry_after: float | None) -> None:
        """Pause and slow the model's bucket."""
        now = anyio.current_time()
        self._bucket(model, limit, now).slow(limit, now, retry_after)


class KeyValueStore:
    """The buckets of a NATS namespace, in a JetStream key-value bucket, by compare-and-set."""

    def __init__(self, client: Any, namespace: str) -> None:
        self._client = client
        self.bucket = f"KAIZEN_LIMITS_{re.sub(r'[^A-Za-z0-9_-]', '_', namespace)}"
        self._kv: Any = None
        self._local: LocalStore | None = None

    async def _open(self) -> Any:
        if self._kv is None:
            from nats.js.errors import BucketNotFoundError

            js = self._client.jetstream(timeout=NATS_TIMEOUT)
            try:
                self._kv = await js.key_value(self.bucket)
            except BucketNotFoundError:
                self._kv = await js.create_key_value(bucket=self.bucket, history=1)
        return self._kv

    async def _change(self, model: str, limit: RateLimit, change: Any) -> Any:
        """Apply ``change(bucket, now)`` to the model's entry until no other writer came between."""
        from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

        key = _KEY_CHARS.sub("_", model)
        with anyio.fail_after(NATS_TIMEOUT * 3):
            kv = await self._open()
            while True:
                now = time.time()
                try:
                    entry = await kv.get(key)
                    bucket, revision = _decode(entry.value), entry.revision
                except KeyNotFoundError:
                    bucket, revision = Bucket.full(limit, now), 0
                result = change(bucket, now)
                try:
                    if revision:
                        await kv.update(key, _encode(bucket), last=revision)
                    else:
                        await kv.create(key, _encode(bucket))
                except KeyWrongLastSequenceError:
                    await anyio.sleep(random.uniform(0, 0.005))  # another system won: read again
                    continue
                return result

    async def _shared(self, model: str, limit: RateLimit, change: Any, local: Any) -> Any:
        if self._local is None:
            try:
                return await self._change(model, limit, change)
            except Exception as exc:  # no JetStream, a timeout, a closed connection
                if self._local is None:  # calls that failed together fall back once
                    logger.warning(
                        "rate limits: the NATS key-value bucket %s cannot be used (%s: %s); "
                        "limiting in this process only",
                        self.bucket,
                        type(exc).__name__,
                        exc,
                    )
                    self._local = LocalStore()
        return await local(self._local)

    async def take(self, model: str, limit: RateLimit, estimate: int) -> float:
        """Take a permit from the namespace's bucket, or say how long to wait."""
        return float(
            await self._shared(
                model,
                limit,
                lambda bucket, now: bucket.take(limit, now, estimate),
                lambda local: local.take(model, limit, estimate),
            )
        )

    async def settle(self, model: str, limit: RateLimit, extra_tokens: int) -> None:
        """Count the tokens a call used beyond its estimate, for the whole namespace."""
        await self._shared(
            model,
            limit,
            lambda bucket, now: bucket.settle(limit, now, extra_tokens),
            lambda local: local.settle(model, limit, extra_tokens),
        )

    async def slow(self, model: str, limit: RateLimit, retry_after: float | None) -> None:
        """Pause and slow the model's limiter for the whole namespace."""
        await self._shared(
            model,
            limit,
            lambda bucket, now: bucket.slow(limit, now, retry_after),
            lambda local: local.slow(model, limit, retry_after),
        )


def store_for(system: ActorSystem) -> LimitStore:
    """The namespace's key-value store for a system on NATS, else buckets in this process."""
    nats_module = sys.modules.get("kaizen_actors.transport._nats_transport")
    if nats_module is not None and isinstance(system.transport, nats_module.NatsTransport):
        return KeyValueStore(system.transport.client, system.name)
    return LocalStore()
