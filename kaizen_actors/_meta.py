"""Make public names report ``kaizen_actors`` as their module (trio's ``fixup_module_metadata``)."""

from __future__ import annotations

from typing import Any


def publish(names: list[str], namespace: dict[str, Any]) -> None:
    """Set ``__module__`` of the public classes and functions in ``names`` to ``kaizen_actors``.

    Tracebacks and reprs then say ``kaizen_actors.ActorCrashed``, the name
    users import, instead of the private module that defines it. msgspec
    structs and pydantic models keep their module: both resolve postponed
    annotations in the globals of the module ``__module__`` names.
    """
    for name in names:
        value = namespace.get(name)
        module = getattr(value, "__module__", None)
        ours = isinstance(module, str) and module.startswith("kaizen_actors.")
        if not (ours and callable(value)):
            continue
        if hasattr(value, "__struct_config__") or hasattr(value, "model_fields"):
            continue
        value.__module__ = "kaizen_actors"
