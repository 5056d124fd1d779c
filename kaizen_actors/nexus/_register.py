"""``register``: an agent's Kailash workflow registered with a real ``nexus.Nexus`` app."""

from __future__ import annotations

import weakref
from typing import Any

from ..messages import ConfigError

__all__ = ["register"]

_KEPT: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
"""The agents registered with each app: a built workflow finds its agent by a weak key."""


def register(app: Any, agent: Any, name: str | None = None) -> str:
    """Register ``agent``'s Kailash workflow with a ``nexus.Nexus`` app, the Core SDK way.

    It is ``app.register(name, agent.workflow.build())``: Nexus then serves
    the workflow on its own channels (``POST /workflows/<name>/execute``
    with ``{"inputs": {...}}`` answers the agent's validated output fields
    under ``outputs.agent``). The app keeps the agent alive. Needs the optional extra ``nexus``
    (``pip install 'kaizen-actors[nexus]'``, the ``kailash-nexus`` package).

    Args:
        app: a ``nexus.Nexus`` application.
        agent: a ``ka.Agent``.
        name: the workflow's name in Nexus; the agent's name by default.

    Returns:
        The name it was registered under.

    Raises:
        ConfigError: for something that is not an agent (a team runs many
            workflows: register its agents, or deploy it with
            ``team.deploy_as_nexus()``), or an app without ``register``.
        ImportError: when ``kailash-nexus`` is not installed.

    """
    try:
        import nexus  # noqa: F401 - the real package, for a clear error when it is missing
    except ImportError as exc:
        raise ImportError(
            "kaizen_actors.nexus.register needs kailash-nexus: pip install 'kaizen-actors[nexus]'"
        ) from exc
    workflow = getattr(agent, "workflow", None)
    if workflow is None or not hasattr(agent, "signature"):
        raise ConfigError(
            f"nexus.register: expected a ka.Agent, got {agent!r}; a team runs many workflows "
            "(register its agents, or use team.deploy_as_nexus())",
            key="agent",
        )
    if not callable(getattr(app, "register", None)):
        raise ConfigError(f"nexus.register: expected a nexus.Nexus app, got {app!r}", key="app")
    registered = name or agent.name
    app.register(registered, workflow.build())
    _KEPT.setdefault(app, []).append(agent)  # alive while the app is
    return registered
