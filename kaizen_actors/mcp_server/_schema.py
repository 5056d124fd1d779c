"""JSON schemas of a served team's inputs and outputs, its tool description, its result text.

A local entry agent's fields give real schemas: each field's annotation
through pydantic's ``TypeAdapter(...).json_schema()`` (msgspec's
``msgspec.json.schema`` for ``msgspec.Struct`` types), its ``desc`` as the
``description``, its default as ``default``; nested models land in the
object schema's ``$defs``. A remote entry agent (served by name over NATS)
is known only by the field descriptions it answered ``Describe`` with:
its basic types map to JSON types, anything else is left open.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from ..coordination._members import is_agent

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..agents import FieldSpec
    from ..web import ServedTeam

__all__ = ["field_schema", "object_schema", "render_output", "team_schemas", "tool_description"]

Mode = Literal["validation", "serialization"]

_LABELS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


def field_schema(spec: FieldSpec, mode: Mode = "validation") -> dict[str, Any]:
    """The JSON schema of one signature field (with its ``description``; ``$defs`` kept inside)."""
    schema = _type_schema(spec.annotation, mode)
    if spec.desc:
        schema["description"] = spec.desc
    if spec.default is not msgspec.UNSET:
        schema["default"] = spec.to_json(spec.default)
    return schema


def _type_schema(annotation: Any, mode: Mode) -> dict[str, Any]:
    import pydantic

    try:
        schema: dict[str, Any] = pydantic.TypeAdapter(annotation).json_schema(mode=mode)
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticInvalidForJsonSchema):
        try:
            schema = msgspec.json.schema(annotation)
        except (TypeError, ValueError):  # a type neither knows: any JSON value
            return {}
    return schema


def object_schema(
    fields: Iterable[FieldSpec], mode: Mode = "validation", *, closed: bool = False
) -> dict[str, Any]:
    """The object schema of several fields: ``properties``, ``required``, one shared ``$defs``.

    Args:
        fields: the fields, in order.
        mode: pydantic's schema mode (``"validation"`` for inputs,
            ``"serialization"`` for outputs).
        closed: refuse properties that are not fields (``additionalProperties: false``).

    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for spec in fields:
        schema = field_schema(spec, mode)
        for name, definition in schema.pop("$defs", {}).items():
            defs.setdefault(name, definition)  # one type, one definition: first kept
        properties[spec.name] = schema
        if spec.required:
            required.append(spec.name)
    return _object(properties, required, defs, closed)


def _object(
    properties: dict[str, Any], required: list[str], defs: dict[str, Any], closed: bool
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    if defs:
        schema["$defs"] = defs
    return schema


def _described_schema(fields: list[dict[str, Any]], *, closed: bool) -> dict[str, Any]:
    """The object schema of fields known by their description (``ServedTeam.describe()``)."""
    properties: dict[str, Any] = {}
    for field in fields:
        kind = _LABELS.get(field.get("type", ""))
        schema: dict[str, Any] = {"type": kind} if kind else {}
        if field.get("desc"):
            schema["description"] = field["desc"]
        if "default" in field:
            schema["default"] = field["default"]
        properties[field["name"]] = schema
    required = [f["name"] for f in fields if f.get("required")]
    return _object(properties, required, {}, closed)


def team_schemas(served: ServedTeam) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(input schema, output schema)`` of a served team: its entry's inputs, its result's outputs.

    The inputs are closed (the signature refuses unknown fields). The output
    schema is ``None`` while a remote entry agent is unknown; the input
    schema is then an open object.
    """
    entry, result = served.team.entry, served.result_agent
    if is_agent(entry) and result is not None:
        return (
            object_schema(entry.signature.input_fields().values(), "validation", closed=True),
            object_schema(result.signature.output_fields().values(), "serialization"),
        )
    if served.input_names is None:
        return {"type": "object"}, None
    described = served.describe()
    return (
        _described_schema(described["inputs"], closed=True),
        _described_schema(described["outputs"], closed=False),
    )


def tool_description(served: ServedTeam) -> str:
    """What the tool of a served team does: its pattern and members, then its instructions."""
    described = served.describe()
    if described["pattern"] == "solo":
        text = f"Runs the agent {served.name!r}."
    else:
        members = ", ".join(described["members"])
        text = f"Runs the {described['pattern']} team {served.name!r} ({members})."
    entry = served.team.entry
    if is_agent(entry):
        instructions = entry.signature.instructions()
        if instructions:
            text += "\n\n" + instructions
    return text


def render_output(output: dict[str, Any]) -> str:
    """The text content of a result: the output fields as JSON, as MCP recommends."""
    return json.dumps(output, ensure_ascii=False)
