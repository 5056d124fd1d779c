"""Signatures made from a spec string or a function: ``ka.signature()`` and its helpers.

``ka.signature("question, context -> answer: str, confidence: float")``
returns a :class:`~._signature.Signature` class; with ``model=`` (or on a
function) it makes an :class:`~kaizen_actors.agents.AgentProgram`.
:func:`parse_spec` reads the string, :func:`make_signature` builds the class.
"""

from __future__ import annotations

import re
import typing
from typing import TYPE_CHECKING, Any, Literal, overload

from ...messages import SignatureError
from ._signature import _MISSING, Signature, SignatureMeta, _FieldMarker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .._agent_program import AgentProgram
    from ._signature import SignatureDecorator

__all__ = [
    "FieldDef",
    "eval_type",
    "make_signature",
    "parse_spec",
    "signature",
    "type_names",
    "with_instructions",
]


_TYPE_NAMES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "Any": Any,
    "Literal": Literal,
    "Optional": typing.Optional,
    "None": None,
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@overload
def signature(
    spec: str,
    instructions: str | None = None,
    *,
    name: str | None = None,
    types: dict[str, Any] | None = None,
) -> type[Signature]: ...


@overload
def signature(spec: Callable[..., Any], /) -> AgentProgram: ...


@overload
def signature(
    spec: str | None = None,
    instructions: str | None = None,
    *,
    model: Any,
    name: str | None = None,
    types: dict[str, Any] | None = None,
    max_retries: int = 2,
) -> SignatureDecorator: ...


@overload
def signature(
    spec: None = None,
    instructions: str | None = None,
    *,
    name: str | None = None,
    types: dict[str, Any] | None = None,
    max_retries: int = 2,
) -> SignatureDecorator: ...


def signature(
    spec: str | Callable[..., Any] | None = None,
    instructions: str | None = None,
    *,
    model: Any = _MISSING,
    name: str | None = None,
    types: dict[str, Any] | None = None,
    max_retries: int = 2,
) -> Any:
    """A signature from ``"in1, in2 -> out1: type, out2: type"``, or a program from a function.

    Untyped fields are ``str``. Types are written as in Python: ``str``,
    ``int``, ``float``, ``bool``, ``list[str]``, ``Literal['yes', 'no']``,
    ``int | None``; pass other names (models, structs) in ``types``.

    What it returns depends on how it is called:

    - ``ka.signature("q -> a")`` (a string, no ``model=``): a
      :class:`Signature` class, as always. Applying that class to a function
      makes a program, so ``@ka.signature("q -> a")`` decorates too.
    - ``@ka.signature("q -> a", model=...)``, ``@ka.signature(model=...)``
      or ``@ka.signature()``: a decorator making an :class:`AgentProgram` of
      the function it decorates (see :func:`signature_of_function`).
    - ``@ka.signature`` with no parentheses on a typed function: that
      function's program, without a model.

    A function's body is never run: the function declares the task. Its
    parameters are the inputs (defaults and ``Annotated[type, "desc"]``
    descriptions kept), its return annotation the output (a plain type: one
    field named ``output``, or the spec's output; a pydantic model or a
    ``TypedDict``: one field per key), its docstring the instructions
    (unless ``instructions`` is given).

    Args:
        spec: the inputs, ``->``, then the outputs, comma separated; or the
            function to make a program of.
        instructions: the task instructions (a class signature's docstring).
        model: the program's model (a litellm name, ``ka.Model``,
            ``ka.ScriptedModel``); makes this call a decorator.
        name: the class name of the resulting signature (for a program: its
            name, default the function's).
        types: extra type names usable in ``spec``.
        max_retries: a program's retries of an invalid reply.

    Returns:
        A :class:`Signature` subclass, a decorator, or a program.

    Raises:
        SignatureError: when the text cannot be parsed, naming the field, or
            a function does not fit the spec (parameters, return annotation).

    Version added: 0.1

    """
    if isinstance(spec, str) and model is _MISSING:
        fields = parse_spec(spec, types)
        made = make_signature(
            name or "StringSignature",
            [(k, n, str if t is None else t, "", _MISSING) for k, n, t in fields],
            instructions,
        )
        made.__kaizen_untyped__ = frozenset(n for _, n, t in fields if t is None)
        return made
    if spec is not None and not isinstance(spec, str):
        if not callable(spec):
            raise SignatureError(
                f"ka.signature: expected a spec string or a function, got {spec!r}"
            )
        return _program(spec, None, instructions, None, name, types, max_retries)
    text = spec

    def decorate(fn: Callable[..., Any]) -> AgentProgram:
        chosen = None if model is _MISSING else model
        return _program(fn, text, instructions, chosen, name, types, max_retries)

    return decorate


def _program(
    fn: Callable[..., Any],
    spec: str | None,
    instructions: str | None,
    model: Any,
    name: str | None,
    types: dict[str, Any] | None,
    max_retries: int,
) -> AgentProgram:
    from .._agent_program import AgentProgram
    from ._function import signature_of_function

    base = signature(spec, types=types) if spec is not None else None
    sig = signature_of_function(fn, base, instructions=instructions)
    return AgentProgram(sig, model, name=name or fn.__name__, max_retries=max_retries)


def parse_spec(spec: str, types: dict[str, Any] | None = None) -> list[tuple[str, str, Any]]:
    """The fields of ``"in1, in2 -> out1: type"`` as ``(kind, name, type or None)``.

    ``None`` stands for a field written without a type.

    Raises:
        SignatureError: when the text cannot be parsed, naming the field.

    """
    if spec.count("->") != 1:
        raise SignatureError(f"signature {spec!r}: expected exactly one '->'")
    left, right = spec.split("->")
    namespace = {**_TYPE_NAMES, **(types or {})}
    fields: list[tuple[str, str, Any]] = []
    seen: set[str] = set()
    for kind, side in (("input", left), ("output", right)):
        for item in _split_top(side):
            fname, _, tname = item.partition(":")
            fname = fname.strip()
            if not _NAME.match(fname):
                raise SignatureError(f"signature {spec!r}: bad field name {fname!r}", field=fname)
            if fname in seen:
                raise SignatureError(f"signature {spec!r}: duplicate field {fname!r}", field=fname)
            seen.add(fname)
            tname = tname.strip()
            tp = None
            if tname:
                try:
                    tp = eval_type(tname, namespace)
                except SignatureError as exc:
                    raise SignatureError(f"signature {spec!r}: {exc}", field=fname) from None
            fields.append((kind, fname, tp))
    return fields


def eval_type(text: str, namespace: dict[str, Any]) -> Any:
    """The type written as ``text`` (``"list[str]"``), from the names in ``namespace``.

    Raises:
        SignatureError: when the text names an unknown type or is no type expression.

    """
    try:
        return eval(text, {"__builtins__": {}}, namespace)
    except Exception as exc:
        raise SignatureError(
            f"cannot read the type {text!r} ({exc}); pass other type names in types="
        ) from None


def type_names(types: dict[str, Any] | None = None) -> dict[str, Any]:
    """The names a written type may use: builtins, ``Literal``, ``Optional``, plus ``types``."""
    return {**_TYPE_NAMES, **(types or {})}


FieldDef = tuple[str, str, Any, str, Any]
"""A field to make: ``(kind, name, type, desc, default)``, ``kind`` ``"input"`` or ``"output"``."""


def make_signature(
    name: str,
    fields: Iterable[FieldDef],
    instructions: str | None,
    *,
    module: str = __name__,
) -> type[Signature]:
    """A :class:`Signature` subclass with ``fields`` and ``instructions`` as its docstring.

    Raises:
        SignatureError: when there is no output field.

    """
    annotations: dict[str, Any] = {}
    attrs: dict[str, Any] = {"__doc__": instructions, "__module__": module}
    for kind, fname, tp, desc, default in fields:
        annotations[fname] = tp
        attrs[fname] = _FieldMarker(kind, desc, default)
    attrs["__annotations__"] = annotations
    return typing.cast("type[Signature]", SignatureMeta(name, (Signature,), attrs))


def with_instructions(sig: type[Signature], instructions: str) -> type[Signature]:
    """``sig`` with other instructions: a subclass whose docstring is ``instructions``."""
    attrs = {
        "__doc__": instructions,
        "__module__": sig.__module__,
        "__qualname__": sig.__qualname__,
    }
    return typing.cast("type[Signature]", SignatureMeta(sig.__name__, (sig,), attrs))


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and quotes; drop empty items."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [s.strip() for s in items if s.strip()]
