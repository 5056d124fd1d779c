"""Plain ``async def`` functions as tools: :class:`FunctionTool` (schema from the signature)."""

from __future__ import annotations

import functools
import inspect
import typing
from typing import TYPE_CHECKING, Any

from ...messages import ConfigError
from ._types import ToolSpec

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["FunctionTool"]


class FunctionTool:
    """An ``async def`` function offered to the model as a tool.

    The arguments' JSON schema comes from the signature's type hints (through
    pydantic, so ``Annotated[int, Field(description=...)]`` works); the
    description is the docstring. The model's arguments are validated before
    the call; an invalid argument or an exception raised by the function is
    shown to the model as the tool's result. The return value is shown as
    text (a ``str`` as is, anything else as JSON).

    Args:
        fn: the coroutine function.
        name: the tool's name (default: the function's name).
        description: the tool's description (default: its docstring).

    Raises:
        ConfigError: when ``fn`` is not an ``async def`` function or takes
            ``*args``, ``**kwargs`` or positional-only parameters.

    Version added: 0.1

    """

    def __init__(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        if not inspect.iscoroutinefunction(fn):
            raise ConfigError(
                f"tools: {fn!r} is not an async def function (wrap blocking code with "
                "anyio.to_thread.run_sync inside an async function)",
                key="tools",
            )
        import pydantic

        self.fn = fn
        self.name = name or fn.__name__
        self.description = description if description is not None else inspect.getdoc(fn) or ""
        hints = typing.get_type_hints(fn, include_extras=True)
        fields: dict[str, Any] = {}
        for param in inspect.signature(fn).parameters.values():
            if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                raise ConfigError(
                    f"tools: {self.name}() parameter {param.name!r} must be a plain or "
                    "keyword parameter (no *args, **kwargs or positional-only)",
                    key="tools",
                )
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (hints.get(param.name, Any), default)
        self._arguments = pydantic.create_model(f"{self.name}_arguments", **fields)
        schema = self._arguments.model_json_schema()
        schema.pop("title", None)
        self.spec = ToolSpec(self.name, self.description, schema)

    def __repr__(self) -> str:
        return f"FunctionTool({self.name!r})"

    async def call(self, arguments: dict[str, Any]) -> tuple[str, bool]:
        """Validate ``arguments``, await the function; return ``(text, is_error)``."""
        import pydantic

        try:
            parsed = self._arguments.model_validate(arguments)
        except pydantic.ValidationError as exc:
            return f"invalid arguments for {self.name}: {_short_validation(exc)}", True
        values = {field: getattr(parsed, field) for field in type(parsed).model_fields}
        try:
            value = await self.fn(**values)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}", True
        if isinstance(value, str):
            return value, False
        return _json_adapter().dump_json(value).decode(), False


@functools.cache
def _json_adapter() -> Any:
    """One pydantic adapter for tool results (building one costs ~85 us a call)."""
    import pydantic

    return pydantic.TypeAdapter(Any)


def _short_validation(exc: Any) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error.get("loc", ())) or "arguments"
        parts.append(f"{where}: {error.get('msg')}")
    return "; ".join(parts)
