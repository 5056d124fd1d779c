"""The exceptions kaizen-actors raises.

Every error derives from :class:`KaizenError`; cancellation is never wrapped.

::

    KaizenError
    ├── DecodeError                 bytes that are not a valid frame or message
    │   └── FrameTooLarge           a frame over the transport's size limit
    ├── EncodeError                 a value msgpack cannot carry (also a TypeError)
    ├── ActorError
    │   ├── ActorNotFound           nobody serves the name (raised at once)
    │   │   └── ActorStopped        the actor stopped before handling the message
    │   ├── ActorCrashed            the handler raised; carries the remote type and text
    │   ├── AskTimeout              no reply within the timeout (also a TimeoutError)
    │   ├── MailboxFull             tell_nowait() on a full mailbox
    │   ├── SystemStopped           the ActorSystem is not running
    │   └── RestartIntensityExceeded  a supervisor gave up
    ├── TransportError              the network transport failed (connection, auth)
    ├── SignatureError              inputs or a signature definition are wrong
    ├── OutputParseError            model output did not validate after retries
    ├── ModelError                  the model provider failed
    │   ├── ModelRateLimited / ModelTimeout / ModelConnectionError  (retryable)
    │   └── ModelAuthError / ModelBadRequest
    ├── ToolError                   an MCP tool failed
    ├── BudgetExceeded              a team run crossed its budget
    ├── RunError                    a team run failed (names the agent)
    │   └── RunTimeout              it ran past its timeout (also a TimeoutError)
    └── ConfigError                 invalid configuration (names the key; also a ValueError)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "error_type_name",
    "ActorCrashed",
    "ActorError",
    "ActorNotFound",
    "ActorStopped",
    "AskTimeout",
    "AuditError",
    "BudgetExceeded",
    "ConfigError",
    "DecodeError",
    "EncodeError",
    "FrameTooLarge",
    "KaizenError",
    "MailboxFull",
    "ModelAuthError",
    "ModelBadRequest",
    "ModelConnectionError",
    "ModelError",
    "ModelRateLimited",
    "ModelTimeout",
    "OutputParseError",
    "RestartIntensityExceeded",
    "RunError",
    "RunTimeout",
    "SignatureError",
    "SystemStopped",
    "ToolError",
    "TransportError",
]


class KaizenError(Exception):
    """Base class of every error raised by kaizen-actors.

    Attributes:
        retryable: whether the work that raised it may succeed when tried
            again unchanged (a team retries a crashed agent's turn once when
            its error says so); false for errors in what was asked, such as
            ``SignatureError``.

    Version added: 0.1

    """

    retryable: ClassVar[bool] = True


class DecodeError(KaizenError):
    """Bytes could not be decoded into a frame or a registered ``Message``.

    Raised by :func:`kaizen_actors.decode`; on a transport the frame is dropped
    into ``system.dead_letters`` with this error as the reason.

    Version added: 0.1
    """


class EncodeError(KaizenError, TypeError):
    """A value could not be encoded for the wire (also a ``TypeError``).

    Raised by :func:`kaizen_actors.encode` for a value msgpack cannot carry:
    an unsupported type, an int outside ``[-2**63, 2**64)``, text holding a
    lone surrogate, nesting deeper than the recursion limit. Where it happens
    to a reply or an event, that one message fails with it (the asker gets
    ``ActorCrashed`` naming ``EncodeError`` and the actor); the actor goes on.

    Version added: 0.1
    """


class FrameTooLarge(DecodeError):
    """A frame exceeds the transport's ``max_frame_size``.

    Send smaller messages (e.g. a reference to the data instead of the data),
    or raise the limit on both the transport and the NATS server.

    Version added: 0.1
    """


class ActorError(KaizenError):
    """Base class of actor runtime errors.

    Version added: 0.1
    """


class ActorNotFound(ActorError):
    """No actor serves this name (in this system or, over NATS, in its namespace).

    Raised at once by ``ask`` and ``tell_nowait``; never after a timeout.

    Version added: 0.1
    """


class ActorStopped(ActorNotFound):
    """The actor stopped before it handled the message.

    Version added: 0.1
    """


class ActorCrashed(ActorError):
    """The actor's handler raised while handling an ``ask``.

    Attributes:
        actor: name of the actor whose handler raised.
        error_type: qualified name of the handler's exception type.
        error_message: ``str()`` of the handler's exception.
        retryable: the handler's exception's ``retryable`` (true for
            exceptions that do not say), carried across NATS too.

    Version added: 0.1

    """

    def __init__(
        self, actor: str, error_type: str, error_message: str, *, retryable: bool = True
    ) -> None:
        self.retryable = retryable  # type: ignore[misc]  # per instance: the handler's error's
        self.actor = actor
        self.error_type = error_type
        self.error_message = error_message
        super().__init__(f"actor {actor!r} crashed: {error_type}: {error_message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.actor, self.error_type, self.error_message))


class AskTimeout(ActorError, TimeoutError):
    """No reply arrived within the ``ask`` timeout.

    A reply that arrives later is dropped and recorded in dead letters.

    Version added: 0.1
    """


class MailboxFull(ActorError):
    """``tell_nowait`` found the actor's mailbox full.

    Use ``await ref.tell(...)`` to wait for room instead.

    Version added: 0.1
    """


class SystemStopped(ActorError):
    """The actor system is not running (not entered yet, or shut down).

    Version added: 0.1
    """


class RestartIntensityExceeded(ActorError):
    """A supervisor saw more restarts than its strategy allows and gave up.

    Version added: 0.1
    """


class TransportError(KaizenError):
    """The network transport failed: connection lost, refused, or not authorised.

    Version added: 0.1
    """


class SignatureError(KaizenError):
    """Inputs do not match the signature, or the signature is malformed.

    Attributes:
        field: the offending field's name, when there is one.

    Version added: 0.1

    """

    retryable: ClassVar[bool] = False  # the same inputs fail the same way

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class OutputParseError(KaizenError):
    """The model's output did not validate against the signature after retries.

    Attributes:
        raw: the last reply text of the model.

    Version added: 0.1

    """

    def __init__(self, message: str, *, raw: str) -> None:
        self.raw = raw
        super().__init__(message)


class ModelError(KaizenError):
    """The model provider failed.

    Attributes:
        model: the model name.
        retryable: whether the call may succeed when tried again.

    Version added: 0.1

    """

    retryable = False

    def __init__(self, message: str, *, model: str = "") -> None:
        self.model = model
        super().__init__(message)


class ModelRateLimited(ModelError):
    """The provider rate-limited the call (retried with backoff first)."""

    retryable = True


class ModelTimeout(ModelError):
    """The provider did not answer in time (retried with backoff first)."""

    retryable = True


class ModelConnectionError(ModelError):
    """The provider could not be reached (retried with backoff first)."""

    retryable = True


class ModelAuthError(ModelError):
    """The provider refused the credentials: check the API key's environment variable."""


class ModelBadRequest(ModelError):
    """The provider rejected the request (unknown model, bad parameter, too long)."""


class ToolError(KaizenError):
    """An MCP tool could not be started or its call failed.

    Version added: 0.1
    """


class BudgetExceeded(KaizenError):
    """A team run crossed a limit of its ``Budget``.

    Attributes:
        limit: which limit was crossed (``"tokens"``, ``"cost"``, ``"seconds"``, ``"calls"``).
        transcript: the turns completed before the run stopped.

    Version added: 0.1

    """

    def __init__(self, message: str, *, limit: str, transcript: Any = ()) -> None:
        self.limit = limit
        self.transcript = transcript
        super().__init__(message)


class RunError(KaizenError):
    """A team run failed.

    Attributes:
        agent: the agent whose failure ended the run, if one did.
        reason: a short machine-readable reason (``"error"``, ``"timeout"``, ``"budget"``).
        transcript: the turns completed before the run failed.

    Version added: 0.1

    """

    def __init__(
        self, message: str, *, agent: str | None = None, reason: str = "error", transcript: Any = ()
    ) -> None:
        self.agent = agent
        self.reason = reason
        self.transcript = transcript
        super().__init__(message)


class ConfigError(KaizenError, ValueError):
    """A configuration value is invalid (also a ``ValueError``).

    Attributes:
        key: the configuration key at fault.

    Version added: 0.1

    """

    def __init__(self, message: str, *, key: str) -> None:
        self.key = key
        super().__init__(message)


class AuditError(KaizenError):
    """An audit trail's hash chain is broken: a line was edited, dropped or reordered.

    Attributes:
        line: the number (from 1) of the first line whose chain breaks.

    Version added: 0.1

    """

    def __init__(self, message: str, *, line: int) -> None:
        self.line = line
        super().__init__(message)


class RunTimeout(RunError, TimeoutError):
    """A team run did not finish within its ``timeout``; ``reason`` is ``"timeout"``.

    Version added: 0.1
    """

    def __init__(
        self,
        message: str,
        *,
        agent: str | None = None,
        reason: str = "timeout",
        transcript: Any = (),
    ) -> None:
        super().__init__(message, agent=agent, reason=reason, transcript=transcript)


def error_type_name(error: BaseException) -> str:
    """How an error's type is named across the wire: ``ValueError``, ``app.errors.Oops``.

    Builtins go by their bare name, everything else by module and qualified name.
    """
    cls = type(error)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
