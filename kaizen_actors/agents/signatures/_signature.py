"""Signatures: an agent's typed inputs and outputs.

A signature is declared as a class (docstring = task instructions)::

    class Answer(ka.Signature):
        \"\"\"Answer the question in one sentence.\"\"\"
        question: str = ka.InputField(desc="what to answer")
        answer: str = ka.OutputField()
        confidence: float = ka.OutputField(desc="0 to 1")

or as a string, ``ka.signature("question, context -> answer: str, confidence: float")``.

Field types: ``str``, ``int``, ``float``, ``bool``, ``list[...]``, ``dict[...]``,
``Literal[...]``, optional (``X | None``), and nested pydantic models or msgspec
structs. Inputs are validated strictly (``"5"`` is not an ``int``); outputs are
validated leniently from the model's JSON (``"0.5"`` is a ``float``, ``"very"``
is not).
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec

from ...messages import SignatureError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._agent_program import AgentProgram

    SignatureDecorator = Callable[[Callable[..., Any]], AgentProgram]
    """What ``ka.signature(model=...)`` returns: a decorator making a program of a function."""

__all__ = [
    "FieldSpec",
    "InputField",
    "OutputField",
    "Signature",
    "SignatureMeta",
]

_MISSING: Any = msgspec.UNSET


class _FieldMarker:
    """What ``InputField()`` / ``OutputField()`` return: a class attribute placeholder."""

    __slots__ = ("default", "desc", "kind")

    def __init__(self, kind: str, desc: str, default: Any) -> None:
        self.kind = kind
        self.desc = desc
        self.default = default

    def __repr__(self) -> str:
        return f"{'InputField' if self.kind == 'input' else 'OutputField'}(desc={self.desc!r})"


def InputField(desc: str = "", *, default: Any = _MISSING) -> Any:
    """Declare an input field of a :class:`Signature`.

    Args:
        desc: what the field holds; shown to the model.
        default: value used when the caller leaves the input out. Optional
            types (``X | None``) default to ``None``.

    Version added: 0.1

    """
    return _FieldMarker("input", desc, default)


def OutputField(desc: str = "") -> Any:
    """Declare an output field of a :class:`Signature`.

    Args:
        desc: what the model should put in the field; shown to the model.

    Version added: 0.1

    """
    return _FieldMarker("output", desc, _MISSING)


@dataclass(eq=False)
class FieldSpec:
    """One compiled field of a signature: its type, description and validators."""

    name: str
    kind: str
    annotation: Any
    desc: str = ""
    default: Any = _MISSING
    _strict: Any = field(default=None, repr=False)
    _lax: Any = field(default=None, repr=False)
    _dump: Any = field(default=None, repr=False)

    @property
    def optional(self) -> bool:
        """Whether ``None`` is a valid value."""
        return _allows_none(self.annotation)

    @property
    def required(self) -> bool:
        """Whether a value must be given (no default and not optional)."""
        return self.default is _MISSING and not self.optional

    @property
    def is_text(self) -> bool:
        """Whether the field is a plain ``str``."""
        return self.annotation is str

    def validate(self, value: Any, *, strict: bool) -> Any:
        """Validate ``value`` to the field's type.

        Raises:
            ValueError: with a one-line reason when the value does not fit.

        """
        if self._strict is None:
            self._compile()
        return (self._strict if strict else self._lax)(value)

    def to_json(self, value: Any) -> Any:
        """The JSON-compatible form of a validated value."""
        if self._dump is None:
            self._compile()
        return self._dump(value)

    def type_label(self) -> str:
        """How the type is described to the model."""
        return _type_label(self.annotation)

    def _compile(self) -> None:
        try:
            self._strict, self._lax, self._dump = _validators(self.annotation)
        except TypeError:  # an unhashable annotation: not cached
            self._strict, self._lax, self._dump = _validators.__wrapped__(self.annotation)


@functools.lru_cache(maxsize=512)
def _validators(tp: Any) -> tuple[Any, Any, Any]:
    """Validators of a type, shared by every field of that type (building one costs ~0.3 ms)."""
    if _contains_struct(tp):
        return _msgspec_validators(tp)
    return _pydantic_validators(tp)


def _msgspec_validators(tp: Any) -> tuple[Any, Any, Any]:
    def make(strict: bool) -> Any:
        def check(value: Any) -> Any:
            try:
                return msgspec.convert(value, tp, strict=strict)
            except msgspec.ValidationError as exc:
                raise ValueError(str(exc)) from None

        return check

    return make(True), make(False), msgspec.to_builtins


def _pydantic_validators(tp: Any) -> tuple[Any, Any, Any]:
    import pydantic

    adapter = pydantic.TypeAdapter(tp)

    def make(strict: bool) -> Any:
        def check(value: Any) -> Any:
            try:
                return adapter.validate_python(value, strict=strict)
            except pydantic.ValidationError as exc:
                raise ValueError(_pydantic_reason(exc)) from None

        return check

    def dump(value: Any) -> Any:
        return adapter.dump_python(value, mode="json")

    return make(True), make(False), dump


def _pydantic_reason(exc: Any) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        got = repr(err.get("input"))
        if len(got) > 60:
            got = got[:57] + "..."
        parts.append(f"{err['msg']} (got {got}{', at ' + loc if loc else ''})")
    return "; ".join(parts)


def _contains_struct(tp: Any) -> bool:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return True
    return any(_contains_struct(arg) for arg in typing.get_args(tp) if not isinstance(arg, str))


def _allows_none(tp: Any) -> bool:
    if tp is None or tp is type(None) or tp is Any:
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return any(_allows_none(a) for a in typing.get_args(tp))
    if origin is Literal:
        return None in typing.get_args(tp)
    return False


def _type_label(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and not typing.get_args(tp):
        if issubclass(tp, msgspec.Struct):
            return json.dumps(msgspec.json.schema(tp), separators=(",", ":"))
        if hasattr(tp, "model_json_schema"):
            return json.dumps(tp.model_json_schema(), separators=(",", ":"))
        return tp.__name__
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(a) for a in args)
    if origin is typing.Union or origin is types.UnionType:
        return " or ".join(_type_label(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_type_label(a) for a in args)}]"
    return str(tp)


class SignatureMeta(type):
    """The metaclass of signatures: calling a signature class on a function makes a program.

    ``Answer(fn)`` is the :class:`AgentProgram` of ``fn`` (its parameters and
    return annotation checked against ``Answer``'s fields, its docstring the
    instructions when ``Answer`` has none); so ``@ka.signature("q -> a")``,
    which returns a class, also decorates. A signature class is never
    instantiated otherwise.
    """

    def __call__(cls, fn: Callable[..., Any], /) -> AgentProgram:
        """The program of ``fn`` with this signature's fields (no model yet).

        Raises:
            SignatureError: when ``fn`` is not a function or does not fit the fields.

        """
        if not callable(fn) or isinstance(fn, type):
            raise SignatureError(
                f"{cls.__name__}: a signature class is not instantiated; apply it to a "
                f"function to make a program (got {fn!r})"
            )
        from .._agent_program import AgentProgram
        from ._function import signature_of_function

        sig = signature_of_function(fn, typing.cast("type[Signature]", cls))
        return AgentProgram(sig, None, name=fn.__name__)


class Signature(metaclass=SignatureMeta):
    """Base class of class-form signatures.

    Subclass it, declare inputs with :func:`InputField` and outputs with
    :func:`OutputField`; the docstring is the task's instructions. The class
    is a description, not instantiated: applied to a function, it makes an
    :class:`AgentProgram` of that function (see :class:`SignatureMeta`).

    Raises:
        SignatureError: at class creation, when a field is not declared with
            ``InputField``/``OutputField``, its type cannot be resolved, or
            there is no output field.

    Version added: 0.1

    """

    __kaizen_inputs__: ClassVar[dict[str, FieldSpec]] = {}
    __kaizen_outputs__: ClassVar[dict[str, FieldSpec]] = {}
    __kaizen_untyped__: ClassVar[frozenset[str]] = frozenset()
    """Fields a string spec left untyped (``str``): a function's annotations may type them."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inputs, outputs = _collect_fields(cls)
        if not outputs:
            raise SignatureError(f"signature {cls.__qualname__} declares no OutputField")
        cls.__kaizen_inputs__ = inputs
        cls.__kaizen_outputs__ = outputs

    @classmethod
    def input_fields(cls) -> dict[str, FieldSpec]:
        """The input fields, in declaration order."""
        return cls.__kaizen_inputs__

    @classmethod
    def output_fields(cls) -> dict[str, FieldSpec]:
        """The output fields, in declaration order."""
        return cls.__kaizen_outputs__

    @classmethod
    def instructions(cls) -> str:
        """The task instructions (the class docstring, dedented)."""
        return inspect.cleandoc(cls.__doc__) if cls.__doc__ else ""

    @classmethod
    def validate_inputs(cls, inputs: dict[str, Any]) -> dict[str, Any]:
        """Check and convert the inputs of one call.

        Returns:
            The validated values, defaults filled in, in declaration order.

        Raises:
            SignatureError: naming the field that is unknown, missing or of
                the wrong type.

        """
        specs = cls.__kaizen_inputs__
        for name in inputs:
            if name not in specs:
                expected = ", ".join(specs) or "none"
                raise SignatureError(
                    f"{cls.__name__}: unknown input field {name!r} (inputs: {expected})",
                    field=name,
                )
        out: dict[str, Any] = {}
        for name, spec in specs.items():
            if name not in inputs:
                if spec.default is not _MISSING:
                    out[name] = spec.default
                    continue
                if spec.optional:
                    out[name] = None
                    continue
                raise SignatureError(f"{cls.__name__}: missing input field {name!r}", field=name)
            try:
                out[name] = spec.validate(inputs[name], strict=True)
            except ValueError as exc:
                raise SignatureError(
                    f"{cls.__name__}: input field {name!r} expects {spec.type_label()}: {exc}",
                    field=name,
                ) from None
        return out


def _collect_fields(cls: type) -> tuple[dict[str, FieldSpec], dict[str, FieldSpec]]:
    inputs: dict[str, FieldSpec] = {}
    outputs: dict[str, FieldSpec] = {}
    for base in reversed(cls.__mro__[1:]):
        inputs.update(getattr(base, "__kaizen_inputs__", {}))
        outputs.update(getattr(base, "__kaizen_outputs__", {}))
    raw = inspect.get_annotations(cls)
    if not raw:
        return inputs, outputs
    import sys

    module_globals = getattr(sys.modules.get(cls.__module__), "__dict__", {})
    for name, ann in raw.items():
        if name.startswith("__"):
            continue
        marker = cls.__dict__.get(name, _MISSING)
        if not isinstance(marker, _FieldMarker):
            origin: object = typing.get_origin(ann)
            if origin is ClassVar or str(ann).startswith("ClassVar"):
                continue
            raise SignatureError(
                f"{cls.__qualname__}.{name}: declare fields as "
                f"`{name}: <type> = ka.InputField()` or `= ka.OutputField()`",
                field=name,
            )
        tp = ann
        if isinstance(ann, str):
            try:
                tp = eval(ann, dict(module_globals), dict(vars(cls)))
            except Exception:
                raise SignatureError(
                    f"{cls.__qualname__}.{name}: cannot resolve the type {ann!r}; "
                    "define it at module level",
                    field=name,
                ) from None
        spec = FieldSpec(name, marker.kind, tp, marker.desc, marker.default)
        (inputs if marker.kind == "input" else outputs)[name] = spec
        delattr(cls, name)
    return inputs, outputs
