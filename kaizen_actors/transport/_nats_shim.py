"""Every use of nats-py's private members, in one place, each with its reason.

nats-py has no public API for these; each function says why the transport
needs it. Checked on nats-py 2.16.0 (installed; the whole test suite runs
against real nats-server processes) and, by reading the source of
``nats/aio/client.py`` and ``nats/aio/subscription.py``, on the tags 2.9.0
through 2.15.0: every member used here exists there with the same meaning.
``pyproject.toml`` pins ``nats-py<3``; a new major version must be checked
against this module first.

Private members used:

=============================================  ===========================================
``nc._pending``, ``nc._pending_data_size``,    :func:`publish_nowait`: a publish without
``nc._max_pending_size``, ``nc._max_payload``, a coroutine (speed: a reply, an event or a
``nc._flush_queue``, ``nc._flusher_task``      tell is queued where it is made)
``nc._flush_pending(force_flush=True)``        :func:`flush_pending`, :func:`round_trip`:
                                               wait for the buffer to be written
``nc._send_unsubscribe``, ``sub._id``          :func:`unsubscribe_now`: an UNSUB that is
                                               sent before a round trip
``sub._pending_queue``                         :func:`take_pending`: answer the messages a
                                               subscription still held
``nc._transport``                              :func:`close_socket`: a refused connection
``nc._error_cb``, ``nc.options[...]``          :func:`reconnect_forever`: fail the first
                                               connect fast, then reconnect forever
=============================================  ===========================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..messages import TransportError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

__all__ = [
    "close_socket",
    "flush_pending",
    "publish_nowait",
    "reconnect_forever",
    "round_trip",
    "take_pending",
    "unsubscribe_now",
]


class _Flushed:
    """Stands in for the future nats-py's flusher resolves: already done, never awaited."""

    __slots__ = ()

    def done(self) -> bool:
        return True


_KICK = _Flushed()


def publish_nowait(
    nc: Client, subject: str, data: bytes, reply: str = "", header: bytes = b""
) -> bool:
    """Queue a publish in nats-py's outgoing buffer without a coroutine; returns False if full.

    The same as ``await nc.publish(subject, data, reply=reply)`` (with
    ``header``, a ready NATS header block, an ``HPUB``) minus the
    client-side subject validation (our subjects are built, not typed) and
    the await: the flusher task writes the buffer on its next turn, in the
    order of every other publish. False means the buffer is past its limit;
    the caller then awaits :func:`flush_pending`.

    Why the internals: speed. ``nc.publish`` is a coroutine that validates
    the subject and awaits twice; replies, events and acks are made in
    synchronous code (a future's callback), where a coroutine would need a
    task. Uses ``nc._pending`` (the list of queued commands),
    ``nc._pending_data_size`` and ``nc._max_pending_size`` (the buffer's fill
    and bound), ``nc._max_payload`` (the server's INFO), ``nc._flush_queue``
    and ``nc._flusher_task`` (to wake the flusher as ``publish`` does), and
    ``nc.stats``. This is the hot path of every tell, ask, reply and event:
    callers call it directly, never through another function.

    Raises:
        TransportError: when the connection is closed, or its buffer is full
            while reconnecting.

    """
    if nc.is_closed:
        raise TransportError("the NATS connection is closed")
    size = len(data)
    pending = nc._pending_data_size
    connected = nc.is_connected
    if not connected and size + pending > nc._max_pending_size:
        raise TransportError(
            "the NATS connection is down and its reconnect buffer is full; retry later"
        )
    if size + len(header) > nc._max_payload:
        raise TransportError(
            f"frame of {size + len(header)} bytes exceeds the server's max_payload "
            f"({nc._max_payload} bytes)"
        )
    if header:
        cmd = b"HPUB %s %s %d %d\r\n%s%s\r\n" % (
            subject.encode(),
            reply.encode(),
            len(header),
            len(header) + size,
            header,
            data,
        )
    else:
        cmd = b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), reply.encode(), size, data)
    nc._pending.append(cmd)
    pending += len(cmd)
    nc._pending_data_size = pending
    stats = nc.stats
    stats["out_msgs"] += 1
    stats["out_bytes"] += size
    if pending > nc._max_pending_size:
        return False
    queue = nc._flush_queue
    if connected and queue is not None and queue.empty():
        flusher = nc._flusher_task
        if flusher is None or flusher.done():
            return False
        queue.put_nowait(_KICK)  # type: ignore[arg-type]  # the flusher only calls done(), set_result()
    return True


def flush_pending(nc: Client) -> Coroutine[Any, Any, Any]:
    """Write the outgoing buffer to the socket, waiting until it is written.

    Why the internal (``nc._flush_pending(force_flush=True)``): after
    :func:`publish_nowait` reports a full buffer, the sender must wait for
    it to drain (backpressure), without the server round trip of the public
    ``nc.flush()``. A plain function returning the coroutine, so a
    synchronous caller can hand it to ``create_task``.
    """
    return nc._flush_pending(force_flush=True)


async def round_trip(nc: Client, timeout: int) -> None:
    """Write the buffer, then a PING, and wait for the PONG: the server has seen what was sent.

    Why the internal: nats-py's ``flush()`` writes its PING straight to the
    socket, ahead of the commands still in its buffer (a SUB or UNSUB just
    queued), so the PONG could come back before the server has seen them.
    Pushing the buffer out first (``nc._flush_pending``) keeps the order.
    Checked: 2.9.0 to 2.16.0 all write ``PING`` in ``_send_ping`` directly.
    """
    await nc._flush_pending(force_flush=True)
    await nc.flush(timeout=timeout)


async def unsubscribe_now(nc: Client, sub: Subscription) -> None:
    """Queue the UNSUB of ``sub`` now, without draining it.

    Why the internals (``nc._send_unsubscribe(sub._id)``): ``sub.drain()``
    sends its UNSUB and its round trip in the wrong order (see
    :func:`round_trip`), so messages can still arrive after it; the
    transport sends the UNSUB itself, makes the round trip, then drains.
    """
    await nc._send_unsubscribe(sub._id)


def take_pending(sub: Subscription) -> list[Msg]:
    """Take the messages ``sub`` received but had not handled when it was unsubscribed.

    Why the internal (``sub._pending_queue``): nats-py drops them silently;
    the transport answers each ask among them with ``ActorNotFound``, so an
    asker does not wait for its timeout.
    """
    queue = getattr(sub, "_pending_queue", None)
    taken: list[Msg] = []
    while queue is not None and not queue.empty():
        taken.append(queue.get_nowait())
    return taken


def close_socket(nc: Client) -> None:
    """Close the socket of a client whose first connection failed.

    Why the internal (``nc._transport``): after a refusal (bad credentials)
    nats-py's ``close()`` leaves the socket open, and after a failed TLS
    handshake it may never return; the transport closes the socket itself.
    """
    transport = nc._transport
    if transport is not None:
        transport.close()


def reconnect_forever(
    nc: Client, error_cb: Callable[[Exception], Awaitable[None]], reconnect_wait: float
) -> None:
    """Once connected: reconnect forever (every ``reconnect_wait`` s), errors to ``error_cb``.

    Why the internals (``nc._error_cb``, ``nc.options``): the first
    connection is made with reconnection off, so that a wrong URL or
    credential fails at once with a clear error instead of retrying
    forever, and with a callback that collects the errors of that attempt.
    nats-py takes these options only in ``connect()`` and reads them from
    ``nc.options`` (and the callback from ``nc._error_cb``) each time it
    needs them, so they are changed there.
    """
    nc._error_cb = error_cb
    nc.options["allow_reconnect"] = True
    nc.options["max_reconnect_attempts"] = -1
    nc.options["reconnect_time_wait"] = reconnect_wait
