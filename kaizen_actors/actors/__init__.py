"""Layer 2, actors: actors, refs, mailboxes, supervision trees and dead letters.

Imports anyio and msgspec only; never kailash, litellm, nats or mcp.
"""

from .._meta import publish
from ._actor import Actor, ActorContext
from ._letters import DeadLetter, DeadLetters, carry_headers
from ._mailbox import DEFAULT_MAILBOX_SIZE
from ._middleware import CallNext, Middleware, add_process_middleware
from ._ref import ActorRef
from ._signals import Escalated, Restarted, SupervisionSignal, SupervisionSignals
from ._strategy import (
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestartType,
    RestForOne,
    Strategy,
)
from ._supervisor import Supervisor
from ._system import DEFAULT_ROOT_STRATEGY, ActorSystem
from ._tree import ActorNode

__all__ = [
    "ActorNode",
    "DEFAULT_MAILBOX_SIZE",
    "DEFAULT_ROOT_STRATEGY",
    "Actor",
    "ActorContext",
    "ActorRef",
    "ActorSystem",
    "Backoff",
    "CallNext",
    "ChildSpec",
    "DeadLetter",
    "DeadLetters",
    "Escalated",
    "Middleware",
    "OneForAll",
    "OneForOne",
    "RestForOne",
    "RestartType",
    "Restarted",
    "Strategy",
    "SupervisionSignal",
    "SupervisionSignals",
    "Supervisor",
    "carry_headers",
    "add_process_middleware",
]

publish(__all__, globals())
