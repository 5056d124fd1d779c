"""kaizen-actors: an async-native actor framework for multi-agent LLM coordination.

Public names load lazily on first use, so ``import kaizen_actors`` stays
cheap: kailash, litellm, nats, mcp and starlette load only when a feature
that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # layer 0: wire
    "Message": "kaizen_actors.messages",
    "encode": "kaizen_actors.messages",
    "decode": "kaizen_actors.messages",
    "KaizenError": "kaizen_actors.messages",
    "DecodeError": "kaizen_actors.messages",
    "EncodeError": "kaizen_actors.messages",
    "FrameTooLarge": "kaizen_actors.messages",
    "ActorError": "kaizen_actors.messages",
    "ActorNotFound": "kaizen_actors.messages",
    "ActorStopped": "kaizen_actors.messages",
    "ActorCrashed": "kaizen_actors.messages",
    "AskTimeout": "kaizen_actors.messages",
    "MailboxFull": "kaizen_actors.messages",
    "SystemStopped": "kaizen_actors.messages",
    "RestartIntensityExceeded": "kaizen_actors.messages",
    "TransportError": "kaizen_actors.messages",
    "SignatureError": "kaizen_actors.messages",
    "OutputParseError": "kaizen_actors.messages",
    "ModelError": "kaizen_actors.messages",
    "ModelRateLimited": "kaizen_actors.messages",
    "ModelTimeout": "kaizen_actors.messages",
    "ModelConnectionError": "kaizen_actors.messages",
    "ModelAuthError": "kaizen_actors.messages",
    "ModelBadRequest": "kaizen_actors.messages",
    "ToolError": "kaizen_actors.messages",
    "BudgetExceeded": "kaizen_actors.messages",
    "RunError": "kaizen_actors.messages",
    "RunTimeout": "kaizen_actors.messages",
    "ConfigError": "kaizen_actors.messages",
    "AuditError": "kaizen_actors.messages",
    "Usage": "kaizen_actors.events",
    # layer 1: transport
    "Transport": "kaizen_actors.transport",
    "MemoryTransport": "kaizen_actors.transport",
    "MemoryHub": "kaizen_actors.transport",
    "register_transport": "kaizen_actors.transport",
    "NatsTransport": "kaizen_actors.transport.nats",
    # layer 2: actors
    "Actor": "kaizen_actors.actors",
    "ActorContext": "kaizen_actors.actors",
    "ActorRef": "kaizen_actors.actors",
    "ActorSystem": "kaizen_actors.actors",
    "Backoff": "kaizen_actors.actors",
    "ChildSpec": "kaizen_actors.actors",
    "DeadLetter": "kaizen_actors.actors",
    "Middleware": "kaizen_actors.actors",
    "OneForAll": "kaizen_actors.actors",
    "OneForOne": "kaizen_actors.actors",
    "RestForOne": "kaizen_actors.actors",
    "Supervisor": "kaizen_actors.actors",
    "ActorNode": "kaizen_actors.actors",
    # layer 3: agents
    "Signature": "kaizen_actors.agents",
    "InputField": "kaizen_actors.agents",
    "OutputField": "kaizen_actors.agents",
    "signature": "kaizen_actors.agents",
    "FieldSpec": "kaizen_actors.agents",
    "Agent": "kaizen_actors.agents",
    "AgentResult": "kaizen_actors.agents",
    "AgentStream": "kaizen_actors.agents",
    "Model": "kaizen_actors.agents",
    "ScriptedModel": "kaizen_actors.agents",
    "ScriptExhausted": "kaizen_actors.agents",
    "Kaizen": "kaizen_actors.agents",
    "KaizenConfig": "kaizen_actors.agents",
    "AgentManager": "kaizen_actors.agents",
    "KaizenNode": "kaizen_actors.agents",
    "KaizenLLMAgentNode": "kaizen_actors.agents",
    "AgentTask": "kaizen_actors.agents",
    "AgentReply": "kaizen_actors.agents",
    "AgentActor": "kaizen_actors.agents",
    "BufferMemory": "kaizen_actors.agents",
    "Memory": "kaizen_actors.agents",
    "MemoryProvider": "kaizen_actors.agents",
    "WindowMemory": "kaizen_actors.agents",
    "VectorMemory": "kaizen_actors.agents",
    "ChatModel": "kaizen_actors.agents",
    "UsageMeter": "kaizen_actors.agents",
    "Prediction": "kaizen_actors.agents",
    "MCPServer": "kaizen_actors.agents",
    "ToolCall": "kaizen_actors.agents",
    "ToolResult": "kaizen_actors.agents",
    "FunctionTool": "kaizen_actors.agents",
    "Toolbox": "kaizen_actors.agents",
    "MCPPool": "kaizen_actors.agents",
    "MCPCapabilities": "kaizen_actors.agents",
    "AgentProgram": "kaizen_actors.agents",
    "load": "kaizen_actors.agents",
    # layer 4: coordination
    "team": "kaizen_actors.coordination",
    "Team": "kaizen_actors.coordination",
    "TeamResult": "kaizen_actors.coordination",
    "TeamUsage": "kaizen_actors.coordination",
    "Turn": "kaizen_actors.coordination",
    "Debate": "kaizen_actors.coordination",
    "Consensus": "kaizen_actors.coordination",
    "SupervisorWorker": "kaizen_actors.coordination",
    "Solo": "kaizen_actors.coordination",
    "Budget": "kaizen_actors.coordination",
    "Pattern": "kaizen_actors.coordination",
    "Run": "kaizen_actors.coordination",
    "Member": "kaizen_actors.coordination",
    "RunStream": "kaizen_actors.coordination",
    # across the layers
    "RateLimit": "kaizen_actors.telemetry",
    # layer 4: optimization
    **dict.fromkeys(
        ("optimize", "OptimizationEngine", "BootstrapEngine", "OptimizationRun"),
        "kaizen_actors.optimization",
    ),
    # across the layers
    "AuditLog": "kaizen_actors.telemetry",
}

_SUBMODULES = {
    *("events", "messages", "transport", "actors", "agents", "coordination"),
    *("optimization", "web", "nexus", "telemetry"),
}

__all__ = [*_EXPORTS, *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'kaizen_actors' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from . import (
        actors,
        agents,
        coordination,
        events,
        messages,
        nexus,
        optimization,
        telemetry,
        transport,
        web,
    )
    from .actors import (
        Actor,
        ActorContext,
        ActorNode,
        ActorRef,
        ActorSystem,
        Backoff,
        ChildSpec,
        DeadLetter,
        Middleware,
        OneForAll,
        OneForOne,
        RestForOne,
        Supervisor,
    )
    from .agents import (
        Agent,
        AgentActor,
        AgentManager,
        AgentProgram,
        AgentReply,
        AgentResult,
        AgentStream,
        AgentTask,
        BufferMemory,
        ChatModel,
        FieldSpec,
        FunctionTool,
        InputField,
        Kaizen,
        KaizenConfig,
        KaizenLLMAgentNode,
        KaizenNode,
        MCPCapabilities,
        MCPPool,
        MCPServer,
        Memory,
        MemoryProvider,
        Model,
        OutputField,
        Prediction,
        ScriptedModel,
        ScriptExhausted,
        Signature,
        Toolbox,
        ToolCall,
        ToolResult,
        UsageMeter,
        VectorMemory,
        WindowMemory,
        load,
        signature,
    )
    from .coordination import (
        Budget,
        Consensus,
        Debate,
        Member,
        Pattern,
        Run,
        RunStream,
        Solo,
        SupervisorWorker,
        Team,
        TeamResult,
        TeamUsage,
        Turn,
        team,
    )
    from .events import Usage
    from .messages import (
        ActorCrashed,
        ActorError,
        ActorNotFound,
        ActorStopped,
        AskTimeout,
        AuditError,
        BudgetExceeded,
        ConfigError,
        DecodeError,
        EncodeError,
        FrameTooLarge,
        KaizenError,
        MailboxFull,
        Message,
        ModelAuthError,
        ModelBadRequest,
        ModelConnectionError,
        ModelError,
        ModelRateLimited,
        ModelTimeout,
        OutputParseError,
        RestartIntensityExceeded,
        RunError,
        RunTimeout,
        SignatureError,
        SystemStopped,
        ToolError,
        TransportError,
        decode,
        encode,
    )
    from .optimization import BootstrapEngine, OptimizationEngine, OptimizationRun, optimize
    from .telemetry import AuditLog, RateLimit
    from .transport import MemoryHub, MemoryTransport, Transport, register_transport
    from .transport.nats import NatsTransport
