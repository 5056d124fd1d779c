"""A team's tool schemas come from its entry agent's signature: real JSON schemas, described."""

from __future__ import annotations

from typing import Literal

import jsonschema
import msgspec
import pydantic
import pytest

import kaizen_actors as ka
from kaizen_actors.mcp_server import object_schema, team_schemas
from kaizen_actors.mcp_server._schema import tool_description
from kaizen_actors.web import resolve_served


class Place(pydantic.BaseModel):
    city: str
    country: str = "AU"


class Point(msgspec.Struct):
    x: float
    y: float


class Plan(ka.Signature):
    """Plan a trip."""

    where: Place = ka.InputField(desc="the destination")
    days: int = ka.InputField(desc="how long", default=3)
    tags: list[str] = ka.InputField(desc="what to look for", default=[])
    note: str | None = ka.InputField(desc="anything else")
    pace: Literal["slow", "fast"] = ka.InputField(default="slow")
    start: Point = ka.InputField(desc="where to start")
    plan: str = ka.OutputField(desc="the plan")
    stops: list[Place] = ka.OutputField(desc="the stops")
    cost: float = ka.OutputField()


def planner() -> ka.Agent:
    return ka.Agent("planner", signature=Plan, model=ka.ScriptedModel())


def schemas() -> tuple[dict, dict]:
    (served,) = resolve_served(planner()).values()
    inputs, outputs = team_schemas(served)
    assert outputs is not None
    return inputs, outputs


def test_inputs_are_a_closed_object_of_described_typed_fields() -> None:
    inputs, _ = schemas()
    assert inputs["type"] == "object" and inputs["additionalProperties"] is False
    assert list(inputs["properties"]) == ["where", "days", "tags", "note", "pace", "start"]
    assert inputs["required"] == ["where", "start"]  # defaults and Optional are not required
    props = inputs["properties"]
    assert props["days"] == {"type": "integer", "description": "how long", "default": 3}
    assert props["tags"]["type"] == "array" and props["tags"]["items"] == {"type": "string"}
    assert props["tags"]["default"] == []
    assert {"type": "null"} in props["note"]["anyOf"]
    assert props["pace"]["enum"] == ["slow", "fast"] and props["pace"]["default"] == "slow"
    assert props["where"]["description"] == "the destination"


def test_models_and_structs_are_hoisted_into_one_defs_table() -> None:
    inputs, outputs = schemas()
    assert inputs["properties"]["where"]["properties"]["city"] == {
        "title": "City",
        "type": "string",
    }
    assert inputs["properties"]["start"]["$ref"] == "#/$defs/Point"  # msgspec's schema
    assert set(inputs["$defs"]) == {"Point"}
    assert outputs["properties"]["stops"]["items"] == {"$ref": "#/$defs/Place"}
    assert set(outputs["$defs"]) == {"Place"}
    for schema in (inputs, outputs):
        assert not any("$defs" in p for p in schema["properties"].values())


def test_the_schemas_are_valid_and_check_what_the_signature_checks() -> None:
    inputs, outputs = schemas()
    for schema in (inputs, outputs):
        jsonschema.Draft202012Validator.check_schema(schema)
    good = {"where": {"city": "Hobart"}, "start": {"x": 1.0, "y": 2.0}}
    jsonschema.validate(good, inputs)
    Plan.validate_inputs(good)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "nonsense": 1}, inputs)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"start": {"x": 1, "y": 2}}, inputs)
    output = {"plan": "Go.", "stops": [{"city": "Hobart", "country": "AU"}], "cost": 12.5}
    jsonschema.validate(output, outputs)
    assert outputs["required"] == ["plan", "stops", "cost"]


def test_object_schema_of_no_fields_is_an_empty_object() -> None:
    assert object_schema([]) == {"type": "object", "properties": {}}


def test_a_remote_entry_agent_is_open_until_learnt_then_described() -> None:
    team = ka.team("remote", pattern=ka.Solo(), name="remote")
    (served,) = resolve_served(team).values()
    assert team_schemas(served) == ({"type": "object"}, None)
    served._fields = (  # what learn() keeps from the agent's answer
        [{"name": "question", "type": "str", "desc": "asked", "required": True}],
        [{"name": "answer", "type": "list[str]", "desc": "", "required": True}],
    )
    inputs, outputs = team_schemas(served)
    assert inputs == {
        "type": "object",
        "properties": {"question": {"type": "string", "description": "asked"}},
        "required": ["question"],
        "additionalProperties": False,
    }
    assert outputs == {"type": "object", "properties": {"answer": {}}, "required": ["answer"]}


def test_the_description_names_the_pattern_the_members_and_the_instructions() -> None:
    (solo,) = resolve_served(planner()).values()
    assert tool_description(solo) == "Runs the agent 'planner'.\n\nPlan a trip."
    agents = [ka.Agent(n, "question -> answer", ka.ScriptedModel()) for n in ("a", "b")]
    (debate,) = resolve_served(ka.team(*agents, pattern=ka.Debate(), name="d")).values()
    assert tool_description(debate).startswith("Runs the debate team 'd' (a, b).")
