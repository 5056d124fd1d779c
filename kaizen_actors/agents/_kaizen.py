"""The seed's framework API: ``Kaizen``, ``KaizenConfig``, ``AgentManager``.

Configuration is layered; a key's value comes from the highest level that
sets it::

    defaults < framework < agent < runtime

``defaults`` are :data:`DEFAULTS`; ``framework`` is what ``Kaizen(config)``
gets, over the ``KAIZEN_*`` environment variables (read with
pydantic-settings, e.g. ``KAIZEN_MODEL``, ``KAIZEN_TEMPERATURE``); ``agent`` is
the config given to ``create_agent``; ``runtime`` is what ``set()`` changes
later. Known keys are validated when set: a bad value raises
:class:`~kaizen_actors.ConfigError` naming the key. Other keys are stored as
given.

MCP servers registered under ``mcp_servers`` serve the agents'
``mcp_capabilities``: see :mod:`~kaizen_actors.agents.tools._discovery`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any

from ..messages import ConfigError
from .memory._provider import MemoryProvider
from .tools._discovery import MCPCapabilities, servers_from_config

if TYPE_CHECKING:
    from ..telemetry._transparency import TransparencyInterface
    from .tools import MCPServer

__all__ = ["DEFAULTS", "AgentManager", "Kaizen", "KaizenConfig"]

LEVELS = ("defaults", "framework", "agent", "runtime")

DEFAULTS: dict[str, Any] = {
    "model": "openai/gpt-4o-mini",
    "signature": "question -> answer",
    "instructions": None,
    "temperature": None,
    "max_tokens": None,
    "max_retries": 2,
    "memory_enabled": False,
    "memory_provider": "buffer",
    "memory_window": 10,
    "context_window": 4096,
    "memory_embedder": None,
    "memory_path": None,
    "timeout": None,
}
"""The defaults level of every :class:`KaizenConfig`."""

_CHECKS: dict[str, tuple[str, Any]] = {}
"""Per known key: what it must be (for errors), and its pydantic ``TypeAdapter``
(``None``: any value but ``None``). Built on first use: pydantic loads late."""


def _checks() -> dict[str, tuple[str, Any]]:
    if not _CHECKS:
        from typing import Annotated

        from pydantic import Field, TypeAdapter

        types: dict[str, tuple[str, Any]] = {
            "model": ("a model name or model object", Any),
            "signature": ("a signature string or class", Any),
            "instructions": ("text or None", str | None),
            "temperature": (
                "a number from 0 to 2 or None",
                Annotated[float, Field(ge=0, le=2)] | None,
            ),
            "max_tokens": ("a positive integer or None", Annotated[int, Field(gt=0)] | None),
            "max_retries": ("an integer >= 0", Annotated[int, Field(ge=0)]),
            "memory_enabled": ("true or false", bool),
            "memory_window": ("an integer >= 1", Annotated[int, Field(ge=1)]),
            "context_window": ("a number of tokens >= 1", Annotated[int, Field(ge=1)]),
            "timeout": (
                "a positive number of seconds or None",
                Annotated[float, Field(gt=0)] | None,
            ),
            "mcp_capabilities": ("a list of capability words", list[str]),
        }
        _CHECKS.update(
            {
                key: (label, None if tp is Any else TypeAdapter(tp))
                for key, (label, tp) in types.items()
            }
        )
    return _CHECKS


_MEMORY_PROVIDERS = ("buffer", "window", "vector")

_MEMORY_CHECKS: dict[str, tuple[str, Any]] = {
    "memory_provider": (
        '"buffer", "window", "vector" or a memory provider (store_context and retrieve_context)',
        lambda v: v in _MEMORY_PROVIDERS if isinstance(v, str) else isinstance(v, MemoryProvider),
    ),
    "memory_embedder": (
        "a litellm embedding model name, a function list[str] -> list[list[float]], or None",
        lambda v: v is None or (isinstance(v, str) and bool(v.strip())) or callable(v),
    ),
    "memory_path": (
        "a file path or None",
        lambda v: v is None or (isinstance(v, str) and bool(v.strip())) or isinstance(v, PathLike),
    ),
}
"""Keys whose values are objects pydantic cannot check: what each must be, and the test."""


def _validate(key: str, value: Any, source: str = "") -> Any:
    if not isinstance(key, str) or not key:
        raise ConfigError(f"config keys are non-empty strings, got {key!r}", key=str(key))
    if key == "mcp_servers":
        servers_from_config(value)  # raises ConfigError naming the entry; the value is kept
        return value
    if key in _MEMORY_CHECKS:
        label, ok = _MEMORY_CHECKS[key]
        if not ok(value):
            raise ConfigError(f"config {key!r} must be {label}, got {value!r}{source}", key=key)
        return value
    check = _checks().get(key)
    if check is None:
        return value
    label, adapter = check
    if adapter is None:
        if value is None:
            raise ConfigError(f"config {key!r} must be {label}, got None{source}", key=key)
        return value
    import pydantic

    try:
        return adapter.validate_python(value)
    except pydantic.ValidationError:
        raise ConfigError(
            f"config {key!r} must be {label}, got {value!r}{source}", key=key
        ) from None


def _env_values() -> dict[str, Any]:
    """The ``KAIZEN_*`` environment variables of known keys."""
    import os

    if not any(k.upper().startswith("KAIZEN_") for k in os.environ):
        return {}
    import pydantic
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class _Env(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="KAIZEN_", extra="ignore")
        model: str | None = None
        signature: str | None = None
        instructions: str | None = None
        temperature: float | None = None
        max_tokens: int | None = None
        max_retries: int | None = None
        memory_enabled: bool | None = None
        memory_provider: str | None = None
        memory_window: int | None = None
        context_window: int | None = None
        memory_embedder: str | None = None
        memory_path: str | None = None
        timeout: float | None = None

    try:
        env = _Env()
    except pydantic.ValidationError as exc:
        key = str(exc.errors()[0]["loc"][0])
        raise ConfigError(
            f"environment variable KAIZEN_{key.upper()} is not a valid {key!r}", key=key
        ) from None
    values = env.model_dump(exclude_none=True)
    return {k: _validate(k, v, f" (from KAIZEN_{k.upper()})") for k, v in values.items()}


class KaizenConfig:
    """Layered configuration: defaults < framework < agent < runtime.

    Args:
        data: values of the ``framework`` level (a mapping or another config,
            whose levels are copied).
        env: read ``KAIZEN_*`` environment variables into the framework level
            (below ``data``).

    Raises:
        ConfigError: naming the key whose value is invalid.

    Version added: 0.1

    """

    def __init__(
        self, data: Mapping[str, Any] | KaizenConfig | None = None, *, env: bool = True
    ) -> None:
        self._levels: dict[str, dict[str, Any]] = {name: {} for name in LEVELS}
        self._levels["defaults"] = dict(DEFAULTS)
        self._lock = threading.Lock()
        if env:
            self._levels["framework"].update(_env_values())
        if isinstance(data, KaizenConfig):
            for name in LEVELS:
                self._levels[name].update(data._levels[name])  # noqa: SLF001 - same class
        elif data is not None:
            self.merge(data, level="framework")

    def __repr__(self) -> str:
        return f"KaizenConfig({self.to_dict()!r})"

    def __contains__(self, key: object) -> bool:
        return any(key in level for level in self._levels.values())

    def __getitem__(self, key: str) -> Any:
        for name in reversed(LEVELS):
            if key in self._levels[name]:
                return self._levels[name][key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` from the highest level that sets it, else ``default``."""
        try:
            return self[key]
        except KeyError:
            return default

    def set(self, key: str, value: Any, *, level: str = "runtime") -> None:
        """Set ``key`` at ``level`` (default ``runtime``, the highest).

        Raises:
            ConfigError: when the value is invalid for the key, or the level unknown.

        """
        value = _validate(key, value)
        with self._lock:
            self._level(level)[key] = value

    def merge(
        self, other: Mapping[str, Any] | KaizenConfig, *, level: str = "framework"
    ) -> KaizenConfig:
        """Set every key of ``other`` at ``level``; returns ``self``.

        A ``KaizenConfig`` merges level by level (its defaults are not copied
        over yours).

        Raises:
            ConfigError: when a value is invalid, naming its key.

        """
        if isinstance(other, KaizenConfig):
            for name in LEVELS[1:]:
                for key, value in other._levels[name].items():  # noqa: SLF001 - same class
                    self.set(key, value, level=name)
            return self
        if not isinstance(other, Mapping):
            raise ConfigError(f"cannot merge {type(other).__name__} into a config", key="*")
        checked = {key: _validate(key, value) for key, value in other.items()}
        with self._lock:
            self._level(level).update(checked)
        return self

    def level(self, name: str) -> dict[str, Any]:
        """A copy of one level's own values."""
        return dict(self._level(name))

    def to_dict(self) -> dict[str, Any]:
        """The effective values of every key."""
        out: dict[str, Any] = {}
        for name in LEVELS:
            out.update(self._levels[name])
        return out

    def for_agent(self, agent_config: Mapping[str, Any] | None) -> KaizenConfig:
        """A copy of this config with ``agent_config`` as its agent level.

        Raises:
            ConfigError: when a value is invalid, naming its key.

        """
        child = KaizenConfig(self, env=False)
        if agent_config:
            child.merge(agent_config, level="agent")
        return child

    def _level(self, name: str) -> dict[str, Any]:
        try:
            return self._levels[name]
        except KeyError:
            raise ConfigError(
                f"unknown config level {name!r} (levels: {', '.join(LEVELS)})", key=name
            ) from None


def memory_from_config(config: KaizenConfig) -> Any:
    """The memory provider the config asks for (``memory_provider``).

    ``"buffer"``: a :class:`BufferMemory` of ``memory_window`` turns;
    ``"window"``: a :class:`WindowMemory` of ``context_window`` tokens,
    counted for the config's ``model``; ``"vector"``: a
    :class:`VectorMemory` with ``memory_embedder``, kept in ``memory_path``
    when set; a provider object: itself.

    Raises:
        ConfigError: (key ``"memory_embedder"``) for ``"vector"`` without an embedder.

    """
    from .memory import BufferMemory, VectorMemory, WindowMemory

    provider = config.get("memory_provider")
    if provider == "buffer":
        return BufferMemory(config.get("memory_window"))
    if provider == "window":
        return WindowMemory(config.get("context_window"), model=config.get("model"))
    if provider == "vector":
        embedder = config.get("memory_embedder")
        if embedder is None:
            raise ConfigError(
                "config 'memory_embedder' is needed for memory_provider 'vector': a litellm "
                "embedding model name or a function list[str] -> list[list[float]]",
                key="memory_embedder",
            )
        return VectorMemory(embedder, path=config.get("memory_path"))
    return provider


def agent_from_config(name: str, config: KaizenConfig) -> Any:
    """Build an :class:`Agent` from the effective values of ``config``.

    Raises:
        ConfigError: naming the key at fault.
        SignatureError: when the signature string cannot be parsed.

    """
    from ._agent import Agent
    from .models._model import resolve_model

    keys = ("temperature", "max_tokens", "timeout")
    params = {k: config.get(k) for k in keys if config.get(k) is not None}
    model = resolve_model(config.get("model"), params=params)
    memory = memory_from_config(config) if config.get("memory_enabled") else None
    capabilities = config.get("mcp_capabilities")
    tools = []
    if capabilities:
        servers = servers_from_config(config.get("mcp_servers"))
        tools.append(MCPCapabilities(servers, capabilities))
    return Agent(
        name,
        signature=config.get("signature"),
        model=model,
        instructions=config.get("instructions"),
        memory=memory,
        max_retries=config.get("max_retries"),
        tools=tools,
    )


class AgentManager:
    """Creates agents from configs and keeps them by name.

    Args:
        config: the framework config new agents start from.

    Version added: 0.1

    """

    def __init__(self, config: KaizenConfig | Mapping[str, Any] | None = None) -> None:
        self.config = config if isinstance(config, KaizenConfig) else KaizenConfig(config)
        self._agents: dict[str, Any] = {}

    def create_agent(self, name: str, config: Mapping[str, Any] | None = None) -> Any:
        """Create, keep and return an agent.

        Args:
            name: the agent's name, unique in this manager.
            config: the agent level: ``signature``, ``model``,
                ``instructions``, ``temperature``, ``max_tokens``,
                ``memory_enabled``, ``memory_provider`` (``"buffer"``,
                ``"window"``, ``"vector"`` or a provider: see
                :func:`memory_from_config`), ``memory_window``,
                ``context_window``, ``memory_embedder``, ``memory_path``,
                ``max_retries``,
                ``mcp_capabilities`` (the agent gets the tools of the
                ``mcp_servers`` that offer them, found at its first turn;
                none start here).

        Raises:
            ConfigError: when the name is taken or a value is invalid (naming
                the key); key ``"mcp_capabilities"`` when capabilities are
                asked for and no server is registered. A capability that no
                registered server offers raises it at the agent's first turn.
            SignatureError: when the signature string cannot be parsed.

        """
        if name in self._agents:
            raise ConfigError(f"an agent named {name!r} already exists", key="name")
        agent = agent_from_config(name, self.config.for_agent(config))
        self._agents[name] = agent
        return agent

    def get_agent(self, name: str) -> Any:
        """The agent named ``name``, or ``None``."""
        return self._agents.get(name)

    def list_agents(self) -> list[str]:
        """The names of the agents, in creation order."""
        return list(self._agents)

    def remove_agent(self, name: str) -> bool:
        """Forget the agent named ``name``; whether there was one."""
        return self._agents.pop(name, None) is not None


class Kaizen:
    """The framework object of the seed API.

    Args:
        config: the framework-level config (a mapping or ``KaizenConfig``);
            its ``mcp_servers`` registers MCP servers for the agents'
            ``mcp_capabilities`` (nothing starts here).

    Raises:
        ConfigError: when a config value is invalid, naming the key.

    Version added: 0.1

    """

    def __init__(self, config: Mapping[str, Any] | KaizenConfig | None = None) -> None:
        self._config = config if isinstance(config, KaizenConfig) else KaizenConfig(config)
        self.agents = AgentManager(self._config)
        self._transparency: TransparencyInterface | None = None

    def mcp_servers(self) -> dict[str, MCPServer]:
        """The MCP servers registered under the config key ``mcp_servers``, by name.

        Raises:
            ConfigError: (key ``"mcp_servers"``) for an invalid entry.

        """
        return {s.name: s for s in servers_from_config(self._config.get("mcp_servers"))}

    def get_transparency_interface(self) -> TransparencyInterface:
        """The seed's transparency interface: live records, counters and audit trails.

        Made on the first call (later calls return the same one), it records
        from then on every run of this process's agents served by an actor
        system: teams and actors running the agents of :meth:`create_agent`
        (turns, model and tool calls, runs, restarts, dead letters), in
        memory. ``.create_workflow_monitor()`` gives live records and
        counters, ``.get_audit_trail(run_id)`` a run's records. A bare
        ``await agent.run()`` uses no actor system and is not recorded: run
        the agent in a team (``ka.team(agent)``) for its trail.

        Version added: 0.1
        """
        if self._transparency is None:
            from ..telemetry._transparency import TransparencyInterface

            self._transparency = TransparencyInterface()
        return self._transparency

    def get_config(self) -> KaizenConfig:
        """The framework's :class:`KaizenConfig` (live: changes apply to new agents)."""
        return self._config

    def create_agent(self, name: str, config: Mapping[str, Any] | None = None) -> Any:
        """Create an agent (see :meth:`AgentManager.create_agent`).

        Raises:
            ConfigError: when the name is taken or a value is invalid.
            SignatureError: when the signature string cannot be parsed.

        """
        return self.agents.create_agent(name, config)

    def get_agent(self, name: str) -> Any:
        """The agent named ``name``, or ``None``."""
        return self.agents.get_agent(name)

    def list_agents(self) -> list[str]:
        """The names of this framework's agents."""
        return self.agents.list_agents()

    def register_node_type(self, cls: type) -> type:
        """Register a Kailash node class (e.g. a ``KaizenNode`` subclass) with Kailash.

        Raises:
            TypeError: when ``cls`` is not a Kailash ``Node`` subclass.

        """
        from .kailash._nodes import register

        return register(cls)
