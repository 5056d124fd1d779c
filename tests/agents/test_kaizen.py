"""The seed's framework API: Kaizen, KaizenConfig, AgentManager."""

from __future__ import annotations

import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, AgentManager, Kaizen, KaizenConfig, Model, ScriptedModel


def test_config_levels_override_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIZEN_TEMPERATURE", "0.3")
    monkeypatch.setenv("KAIZEN_MAX_RETRIES", "4")
    config = KaizenConfig({"max_retries": 1})
    assert config.get("memory_window") == 10  # defaults
    assert config.get("temperature") == 0.3  # environment, framework level
    assert config.get("max_retries") == 1  # framework data beats the environment
    agent_config = config.for_agent({"max_retries": 3})
    assert agent_config.get("max_retries") == 3
    agent_config.set("max_retries", 0)  # runtime
    assert agent_config.get("max_retries") == 0
    assert config.get("max_retries") == 1
    assert config.get("nope", "dflt") == "dflt"


def test_merge_and_to_dict() -> None:
    config = KaizenConfig(env=False).merge({"temperature": 1.5, "custom": {"a": 1}})
    assert config.to_dict()["temperature"] == 1.5
    assert config.get("custom") == {"a": 1}
    other = KaizenConfig({"max_tokens": 100}, env=False)
    assert config.merge(other).get("max_tokens") == 100


@pytest.mark.parametrize(
    ("key", "value"),
    [("temperature", 5), ("max_tokens", 0), ("memory_enabled", "maybe"), ("max_retries", -1)],
)
def test_invalid_values_raise_config_error_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ka.ConfigError) as info:
        KaizenConfig({key: value}, env=False)
    assert info.value.key == key
    assert repr(key) in str(info.value)


def test_a_bad_environment_variable_names_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIZEN_TEMPERATURE", "hot")
    with pytest.raises(ka.ConfigError) as info:
        KaizenConfig()
    assert info.value.key == "temperature"
    assert "KAIZEN_TEMPERATURE" in str(info.value)


def test_unknown_levels_are_rejected() -> None:
    with pytest.raises(ka.ConfigError):
        KaizenConfig(env=False).set("temperature", 1, level="galaxy")


def test_kaizen_creates_agents_from_layered_config() -> None:
    kaizen = Kaizen({"temperature": 0.2, "model": "openai/gpt-4o-mini"})
    agent = kaizen.create_agent(
        "qa",
        {"signature": "question -> answer", "max_tokens": 50, "memory_enabled": True},
    )
    assert isinstance(agent, Agent)
    assert isinstance(agent.model, Model)
    assert agent.model.params == {"temperature": 0.2, "max_tokens": 50}
    assert agent.memory is not None
    assert kaizen.get_agent("qa") is agent
    assert kaizen.list_agents() == ["qa"]
    assert kaizen.get_config().get("temperature") == 0.2


def test_create_agent_rejects_a_taken_name_and_bad_config() -> None:
    manager = AgentManager({"model": ScriptedModel()})
    manager.create_agent("a")
    with pytest.raises(ka.ConfigError) as info:
        manager.create_agent("a")
    assert info.value.key == "name"
    with pytest.raises(ka.ConfigError) as info:
        manager.create_agent("b", {"temperature": "warm"})
    assert info.value.key == "temperature"
    assert manager.get_agent("b") is None
    assert manager.list_agents() == ["a"]


@pytest.mark.anyio
async def test_an_agent_made_by_kaizen_runs() -> None:
    kaizen = Kaizen({"model": ScriptedModel(["Paris"])})
    agent = kaizen.create_agent("geo", {"signature": "question -> answer"})
    result = await agent.run(question="capital of France?")
    assert result.output.answer == "Paris"
