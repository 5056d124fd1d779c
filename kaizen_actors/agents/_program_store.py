"""Saving and loading an :class:`AgentProgram` as JSON.

The file holds what a program learned and what it needs to run again::

    {"format": "kaizen-actors/program", "version": 1, "name": "answer",
     "signature": {"name": "answer",
                   "inputs": [{"name": "question", "type": "str", "desc": ""}],
                   "outputs": [{"name": "output", "type": "str", "desc": ""}]},
     "instructions": "...", "demos": [{"question": "...", "output": "..."}],
     "model": {"name": "openai/gpt-4o-mini", "litellm": true},
     "max_retries": 2, "scores": {"baseline": 0.2, "best": 0.95, ...}}

Types are written as Python (``list[str]``, ``Literal['a', 'b']``,
``int | None``); a type of your own (a pydantic model, a msgspec struct) is
written by its class name and found again through ``ka.load(..., types=)``.
Only a litellm model's name is kept (never its parameters, which may hold
keys); any other model (a ``ScriptedModel``) is given to ``ka.load`` as
``model=``.
"""

from __future__ import annotations

import json
import os
import types
import typing
import uuid
from typing import TYPE_CHECKING, Any, Literal

import anyio

from ..messages import ConfigError, SignatureError
from ._agent_program import AgentProgram
from .signatures._signature import _MISSING
from .signatures._spec import eval_type, make_signature, type_names

if TYPE_CHECKING:
    from .signatures._signature import FieldSpec, Signature
    from .signatures._spec import FieldDef

__all__ = ["load", "program_from_dict", "program_to_dict", "save_program"]

FORMAT = "kaizen-actors/program"
VERSION = 1


def type_text(tp: Any) -> str:
    """``tp`` written as Python, readable back by :func:`eval_type`."""
    if tp is None or tp is type(None):
        return "None"
    if tp is typing.Any:
        return "Any"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(type_text(a) for a in args)
    if origin is not None:
        return f"{type_text(origin)}[{', '.join(type_text(a) for a in args)}]"
    return str(getattr(tp, "__name__", tp))


def _field_dict(spec: FieldSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": spec.name,
        "type": type_text(spec.annotation),
        "desc": spec.desc,
    }
    if spec.default is not _MISSING:
        entry["default"] = spec.to_json(spec.default)
    return entry


def _model_dict(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    from .models._litellm import Model

    return {"name": str(getattr(model, "name", "")), "litellm": isinstance(model, Model)}


def program_to_dict(program: AgentProgram) -> dict[str, Any]:
    """The JSON-compatible form of ``program`` (what :meth:`AgentProgram.save` writes)."""
    sig = program.signature
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": program.name,
        "signature": {
            "name": sig.__name__,
            "inputs": [_field_dict(s) for s in sig.input_fields().values()],
            "outputs": [_field_dict(s) for s in sig.output_fields().values()],
        },
        "instructions": program.instructions,
        "demos": [dict(d) for d in program.demos],
        "model": _model_dict(program.model),
        "max_retries": program.max_retries,
        "scores": program.scores,
    }


def _signature(data: Any, names: dict[str, Any]) -> type[Signature]:
    fields: list[FieldDef] = []
    for kind in ("inputs", "outputs"):
        for entry in data[kind]:
            try:
                tp = eval_type(entry["type"], names)
            except SignatureError as exc:
                raise SignatureError(
                    f"saved program: field {entry['name']!r}: {exc}", field=entry["name"]
                ) from None
            default = entry.get("default", _MISSING)
            fields.append((kind[:-1], entry["name"], tp, entry.get("desc", ""), default))
    return make_signature(data["name"], fields, None)


def program_from_dict(
    data: Any, model: Any = None, *, types: dict[str, Any] | None = None
) -> AgentProgram:
    """The program ``data`` (from :func:`program_to_dict`) describes.

    Raises:
        ConfigError: when ``data`` is not a saved program, or its model is
            not a litellm model and no ``model`` is given (key ``"model"``).
        SignatureError: for a type name not found (pass it in ``types``).

    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(
            f"not a saved program (expected a JSON object with format {FORMAT!r})", key="path"
        )
    if data.get("version") != VERSION:
        raise ConfigError(
            f"saved program version {data.get('version')!r} is not supported "
            f"(this kaizen-actors reads version {VERSION})",
            key="path",
        )
    saved_model = data.get("model")
    if model is None and saved_model is not None:
        if not saved_model.get("litellm"):
            raise ConfigError(
                f"the saved program's model {saved_model.get('name')!r} is not a litellm "
                "model: pass the model to use, ka.load(path, model=...)",
                key="model",
            )
        model = saved_model["name"]
    try:
        sig = _signature(data["signature"], type_names(types))
        return AgentProgram(
            sig,
            model,
            instructions=data.get("instructions") or "",
            demos=data.get("demos", ()),
            name=data.get("name"),
            max_retries=int(data.get("max_retries", 2)),
            scores=data.get("scores") or {},
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"saved program: malformed ({exc!r})", key="path") from None


async def save_program(program: AgentProgram, path: str | os.PathLike[str]) -> None:
    """Write ``program`` to ``path`` as JSON (through a temporary file renamed into place).

    Raises:
        OSError: when the file cannot be written.
        SignatureError: for a value that is not JSON-compatible.

    """
    try:
        text = json.dumps(program_to_dict(program), indent=2, ensure_ascii=False)
    except TypeError as exc:
        raise SignatureError(f"program {program.name!r} cannot be saved as JSON: {exc}") from None
    target = anyio.Path(path)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    await temporary.write_text(text + "\n", encoding="utf-8")
    await temporary.replace(target)


async def load(
    path: str | os.PathLike[str], model: Any = None, *, types: dict[str, Any] | None = None
) -> AgentProgram:
    """Read a program saved with ``program.save(path)``; it behaves as the saved one.

    The file is read in a worker thread.

    Args:
        path: the JSON file.
        model: the model to run it with; default the saved litellm model
            name (required when the saved model was not a litellm model,
            e.g. a ``ScriptedModel``).
        types: class names used in the signature's types (a pydantic model,
            a msgspec struct), e.g. ``{"Answer": Answer}``.

    Raises:
        FileNotFoundError: when there is no such file.
        ConfigError: when the file is not a saved program, or ``model`` is
            needed and missing (key ``"model"``).
        SignatureError: for a type name not found in ``types``.

    Version added: 0.1

    """
    text = await anyio.Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{os.fspath(path)}: not JSON ({exc})", key="path") from None
    return program_from_dict(data, model, types=types)
