"""``RemoteReply``: where the reply to an ask that came over NATS goes.

The serving side (:mod:`._nats_serving`) makes one per remote ask and puts it
in the letter; the actor's handler outcome publishes it on the asker's reply
subject, once, or the asker's cancel ends it without a reply. The durable
queue passes ``on_done`` to publish the reply and ack in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from ._frames import encode_reply, error_reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._nats_serving import Inbound

__all__ = ["OnDone", "RemoteReply"]

OnDone: TypeAlias = "Callable[[BaseException | None, str, bytes], None]"
"""``on_done(error, reply_subject, reply_frame)``: publishes the reply itself (durable queue)."""


class RemoteReply:
    """Publishes the reply of a remote ask to the asker's reply subject.

    With ``on_done`` (the durable queue), ``on_done(error, subject, frame)``
    publishes the reply frame itself and then acks, or naks instead.
    """

    __slots__ = (
        "_cancel",
        "_done",
        "_inbound",
        "_on_done",
        "abandoned",
        "actor",
        "flow",
        "subject",
    )

    def __init__(
        self, inbound: Inbound, actor: str, subject: str, on_done: OnDone | None = None
    ) -> None:
        self._inbound = inbound
        self.actor = actor
        self.subject = subject
        self._on_done = on_done
        self._done = False
        self.abandoned = False
        self.flow = ""
        self._cancel: Callable[[], None] | None = None

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Remember how to cancel the handler of this message (the actor calls it on start)."""
        self._cancel = callback

    def cancel(self) -> None:
        """Cancel the handler (its asker was cancelled); no reply is sent."""
        if self._done:
            return
        self._done = True
        self.abandoned = True  # still queued: the actor skips it
        inbound = self._inbound
        inbound.inflight.pop(self.subject, None)
        inbound.flows.pop(self.flow, None)
        if self._on_done is not None:
            self._on_done(None, "", b"")
        if self._cancel is not None:
            self._cancel()

    def _publish(self, data: bytes, error: BaseException | None) -> bool:
        if self._done:
            return False
        self._done = True
        inbound = self._inbound
        inbound.flows.pop(self.flow, None)
        if self.subject:
            inbound.inflight.pop(self.subject, None)
        if self._on_done is not None:
            self._on_done(error, self.subject, data)
        elif self.subject:
            inbound.reply(self.subject, data)
        return True

    def set_result(self, value: Any) -> bool:
        """Publish the handler's return value."""
        limit = self._inbound.transport.frame_limit
        return self._publish(encode_reply(value, actor=self.actor, limit=limit), None)

    def set_exception(self, error: BaseException) -> bool:
        """Publish the handler's error."""
        return self._publish(error_reply(error), error)
