"""The counters of a ``NatsTransport``, as the service API's STATS reports them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["NatsStatistics"]


@dataclass
class NatsStatistics:
    """Counters of one ``NatsTransport`` (also in the service API's STATS).

    Attributes:
        received: request frames that arrived for local actors.
        bad_frames: frames that did not decode (sent to dead letters).
        bad_signatures: frames dropped for a missing or invalid signature
            (``signing_key``; sent to dead letters).
        dropped: requests the NATS client dropped because an actor's pending
            queue was full (slow consumer); the sender got an error.
        refused: requests refused while the service drained.
        replies_sent: replies published to askers.
        asks: asks sent; ``tells``: tells sent.
        late_replies: replies that came after their ask gave up.
        disconnects / reconnects: connection events.

    """

    received: int = 0
    bad_frames: int = 0
    dropped: int = 0
    refused: int = 0
    replies_sent: int = 0
    asks: int = 0
    tells: int = 0
    late_replies: int = 0
    disconnects: int = 0
    reconnects: int = 0
    bad_signatures: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)
