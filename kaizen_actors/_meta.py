"""Make public names report ``kaizen_actors`` as their module (trio's ``fixup_module_metadata``)."""

from __future__ import annotations

from typing import Any


def publish(names: list[str], namespace: dict[str, Any]) -> None:
    """Set ``__module__`` of the public classes and functions in ``names`` to ``kaizen_actors``.

    Tracebacks and reprs then say ``kaizen_actors.ActorCrashed``, the name
    users import, instead of the private module that defines it.
    """
    for name in names:
        value = namespace.get(name)
        module = getattr(value, "__module__", None)
        if isinstance(module, str) and module.startswith("kaizen_actors.") and callable(value):
            value.__module__ = "kaizen_actors"
