"""A signature read from a function: parameters in, return annotation out, docstring instructions.

::

    @ka.signature(model="openai/gpt-4o-mini")
    def answer(question: Annotated[str, "what to answer"], style: str = "short") -> str:
        \"\"\"Answer the question.\"\"\"

gives inputs ``question`` (described) and ``style`` (default ``"short"``) and
one output ``output: str``. A return annotation that is a pydantic model or a
``TypedDict`` gives one output field per key (pydantic ``Field(description=)``
and ``Annotated`` descriptions kept). With a spec (``"question -> answer"``,
or a signature class), the spec names the fields: the parameters must be its
inputs, and annotations type the fields the spec left untyped (a typed spec
field and an annotation must agree).
"""

from __future__ import annotations

import inspect
import typing
from typing import TYPE_CHECKING, Annotated, Any

from ...messages import SignatureError
from ._signature import _MISSING
from ._spec import FieldDef, make_signature

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._signature import FieldSpec, Signature

__all__ = ["signature_of_function"]

_Field = tuple[Any, str, Any]
"""A field read from the function: ``(type or None, desc, default)``."""


def signature_of_function(
    fn: Callable[..., Any],
    base: type[Signature] | None = None,
    *,
    instructions: str | None = None,
) -> type[Signature]:
    """The signature ``fn`` declares, alone or on top of ``base``'s fields.

    Args:
        fn: the function (its body is never run).
        base: a signature naming the fields (from a spec string or a class);
            ``None``: the fields come from the function alone.
        instructions: the instructions; default the function's docstring,
            else ``base``'s.

    Raises:
        SignatureError: for ``*args``/``**kwargs``, annotations that cannot be
            resolved, no return annotation (without ``base``), parameters that
            are not ``base``'s inputs, or a type disagreeing with ``base``'s.

    """
    where = getattr(fn, "__qualname__", repr(fn))
    hints = _hints(fn, where)
    params = _parameters(fn, hints, where)
    returned = hints.get("return", _MISSING)
    if returned is None or returned is type(None):
        raise SignatureError(f"{where}: the return annotation must describe the output, not None")
    if instructions is None:
        instructions = inspect.cleandoc(fn.__doc__) if fn.__doc__ else None
    if instructions is None and base is not None:
        instructions = base.instructions() or None
    if base is None:
        fields = _alone(params, returned, where)
    else:
        fields = _on_base(base, params, returned, where)
    name = getattr(fn, "__name__", "FunctionSignature")
    return make_signature(name, fields, instructions, module=getattr(fn, "__module__", __name__))


def _hints(fn: Callable[..., Any], where: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        raise SignatureError(
            f"{where}: cannot resolve its annotations ({exc}); define the types they name "
            "at module level"
        ) from None


def _parameters(fn: Callable[..., Any], hints: dict[str, Any], where: str) -> dict[str, _Field]:
    params: dict[str, _Field] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise SignatureError(
                f"{where}: *{p.name} cannot be an input; name every input as a parameter",
                field=p.name,
            )
        tp, desc = _described(hints.get(p.name))
        default = _MISSING if p.default is p.empty else p.default
        params[p.name] = (tp, desc, default)
    return params


def _described(tp: Any) -> tuple[Any, str]:
    """``Annotated[T, "desc"]`` (or a metadata object with ``.description``) -> ``(T, "desc")``."""
    if typing.get_origin(tp) is not Annotated:
        return tp, ""
    desc = ""
    for meta in tp.__metadata__:
        text = meta if isinstance(meta, str) else getattr(meta, "description", None)
        if isinstance(text, str) and text:
            desc = text
            break
    return tp.__origin__, desc


def _output_keys(tp: Any) -> dict[str, tuple[Any, str]] | None:
    """The fields of a pydantic model or TypedDict return annotation; ``None`` for a plain type."""
    model_fields = getattr(tp, "model_fields", None) if isinstance(tp, type) else None
    if isinstance(model_fields, dict):
        return {
            name: (info.annotation, info.description or "") for name, info in model_fields.items()
        }
    if typing.is_typeddict(tp):
        return {
            name: _described(hint)
            for name, hint in typing.get_type_hints(tp, include_extras=True).items()
        }
    return None


def _alone(params: dict[str, _Field], returned: Any, where: str) -> list[FieldDef]:
    if returned is _MISSING:
        raise SignatureError(
            f"{where}: annotate the return type (the output), or give a spec such as "
            "ka.signature('question -> answer')"
        )
    fields: list[FieldDef] = [
        ("input", name, str if tp is None else tp, desc, default)
        for name, (tp, desc, default) in params.items()
    ]
    keys = _output_keys(returned)
    if keys is None:
        tp, desc = _described(returned)
        keys = {"output": (tp, desc)}
    if not keys:
        raise SignatureError(f"{where}: the return type {returned!r} has no fields")
    fields.extend(("output", name, tp, desc, _MISSING) for name, (tp, desc) in keys.items())
    return fields


def _on_base(
    base: type[Signature], params: dict[str, _Field], returned: Any, where: str
) -> list[FieldDef]:
    inputs, outputs = base.input_fields(), base.output_fields()
    if set(params) != set(inputs):
        raise SignatureError(
            f"{where}: its parameters ({', '.join(params) or 'none'}) must be the "
            f"signature's inputs ({', '.join(inputs) or 'none'})"
        )
    untyped = base.__kaizen_untyped__
    fields: list[FieldDef] = []
    for name, spec in inputs.items():
        tp, desc, default = params[name]
        fields.append(
            (
                "input",
                name,
                _agreed(spec, tp, name in untyped, where),
                desc or spec.desc,
                spec.default if default is _MISSING else default,
            )
        )
    typed: dict[str, tuple[Any, str]] = {}
    if returned is not _MISSING:
        keys = _output_keys(returned)
        if keys is None:
            if len(outputs) != 1:
                raise SignatureError(
                    f"{where}: the return annotation {returned!r} is one value, but the "
                    f"signature has {len(outputs)} outputs ({', '.join(outputs)}); return a "
                    "pydantic model or TypedDict with those keys, or leave the annotation out"
                )
            keys = {next(iter(outputs)): _described(returned)}
        if set(keys) != set(outputs):
            raise SignatureError(
                f"{where}: the return type's keys ({', '.join(keys)}) must be the "
                f"signature's outputs ({', '.join(outputs)})"
            )
        typed = keys
    for name, spec in outputs.items():
        tp, desc = typed.get(name, (None, ""))
        fields.append(
            ("output", name, _agreed(spec, tp, name in untyped, where), desc or spec.desc, _MISSING)
        )
    return fields


def _agreed(spec: FieldSpec, tp: Any, untyped: bool, where: str) -> Any:
    """The field's type: the function's for a field the spec left untyped, else the spec's."""
    if tp is None:
        return spec.annotation
    if untyped or tp == spec.annotation:
        return tp
    raise SignatureError(
        f"{where}: field {spec.name!r} is {spec.type_label()} in the signature but "
        f"annotated {tp!r}; make them agree",
        field=spec.name,
    )
