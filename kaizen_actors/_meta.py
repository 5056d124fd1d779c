"""Public names: reported as ``kaizen_actors``'s, loaded lazily."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


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


def lazy_getattr(
    package: str, exports: dict[str, str], *, published: bool = False
) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``exports[name]`` (relative to ``package``) on first use.

    The value is then kept in the package's namespace (the next access is a
    plain lookup) and, when ``published`` (names ``kaizen_actors`` also
    exports), published as :func:`publish` does.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace = vars(importlib.import_module(package))
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        if published:
            publish([name], namespace)
        return value

    return __getattr__
