"""Memory providers: buffer, token window, vector recall (in SQLite, across processes), custom."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents.memory._tokens import estimate_tokens

from .words import embed

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


async def run_python(code: str) -> str:
    """Run ``code`` in a new interpreter (this tree on its path); its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with anyio.fail_after(60):
        done = await anyio.run_process([sys.executable, "-c", code], env=env, cwd=ROOT)
    return done.stdout.decode()


def store_in_new_process(path: Path, *texts: str) -> str:
    return f"""
import anyio
from kaizen_actors import VectorMemory
from tests.agents.words import embed

async def main():
    memory = VectorMemory(embed, path={str(path)!r})
    for text in {texts!r}:
        await memory.store_context(text)
    found = await memory.retrieve_context("anything", k=100)
    print("|".join(sorted(item["content"] for item in found)))
    await memory.aclose()

anyio.run(main)
"""


# vector memory


async def test_vector_memory_survives_a_new_process_and_recalls_the_nearest_first(
    tmp_path: Path,
) -> None:
    path = tmp_path / "memories.db"
    await run_python(store_in_new_process(path, "Ada drinks tea", "Bob has a dog", "It rains"))
    memory = ka.VectorMemory(embed, path=path, k=2)
    found = await memory.retrieve_context("who likes tea?")
    assert [item["content"] for item in found] == ["Ada drinks tea", found[1]["content"]]
    assert found[0]["score"] > found[1]["score"]
    assert found[0]["id"] == "1" and found[0]["metadata"] == {}
    await memory.aclose()


async def test_two_processes_writing_one_file_both_see_every_memory(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    memory = ka.VectorMemory(embed, path=path, k=10)
    await memory.store_context("the cat sleeps")
    seen_there = await run_python(store_in_new_process(path, "the dog barks"))
    assert seen_there.strip() == "the cat sleeps|the dog barks"
    found = await memory.retrieve_context("dog")
    assert [item["content"] for item in found] == ["the dog barks", "the cat sleeps"]
    await memory.aclose()


async def test_clearing_the_file_is_seen_by_another_memory_on_it(tmp_path: Path) -> None:
    first = ka.VectorMemory(embed, path=tmp_path / "m.db")
    second = ka.VectorMemory(embed, path=tmp_path / "m.db")
    await first.store_context("sun")
    assert len(await second.retrieve_context("sun")) == 1
    await first.clear()
    assert await second.retrieve_context("sun") == []
    await second.store_context("rain")
    assert [i["content"] for i in await first.retrieve_context("rain")] == ["rain"]
    await first.aclose()
    await second.aclose()


async def test_vector_memory_keeps_the_rest_of_a_context_as_metadata() -> None:
    memory = ka.VectorMemory(embed)
    assert await memory.store_context({"content": "tea", "metadata": {"by": "ada"}}) == "1"
    [item] = await memory.retrieve_context("tea")
    assert item["metadata"] == {"metadata": {"by": "ada"}}


async def test_an_agent_with_vector_memory_gets_the_relevant_memories_in_its_prompt() -> None:
    memory = ka.VectorMemory(embed, k=1)
    for fact in ("Ada drinks tea", "Bob walks his dog", "Cy likes sun"):
        await memory.store_context(fact)
    model = ka.ScriptedModel(["Ada"])
    agent = ka.Agent("chat", signature="question -> answer", model=model, memory=memory)
    await agent.run(question="who drinks tea?")
    user = model.calls[0][-1]["content"]
    assert user == "question: who drinks tea?\n\nRelevant memories:\n- Ada drinks tea"
    assert len(memory) == 4
    [turn] = [i for i in await memory.retrieve_context("tea", k=4) if i["id"] == "4"]
    assert turn["content"] == "question: who drinks tea?\nanswer: Ada"
    assert turn["metadata"] == {
        "inputs": {"question": "who drinks tea?"},
        "outputs": {"answer": "Ada"},
    }


async def test_a_plain_function_embedder_runs_in_a_worker_thread() -> None:
    threads = []

    def record(texts: list[str]) -> list[list[float]]:
        threads.append(threading.current_thread())
        return embed(texts)

    memory = ka.VectorMemory(record)
    await memory.store_context("tea")
    assert threads and threads[0] is not threading.main_thread()


async def test_an_async_embedder_is_awaited() -> None:
    async def aembed(texts: list[str]) -> list[list[float]]:
        await anyio.sleep(0)
        return embed(texts)

    memory = ka.VectorMemory(aembed)
    await memory.store_context("coffee")
    assert (await memory.retrieve_context("coffee"))[0]["content"] == "coffee"


async def test_a_litellm_embedding_model_name_works_offline_with_mock_response() -> None:
    memory = ka.VectorMemory(
        "openai/text-embedding-3-small", embed_params={"mock_response": [0.6, 0.8]}
    )
    assert await memory.store_context("anything") == "1"
    [item] = await memory.retrieve_context("query")
    assert item["content"] == "anything"
    assert item["score"] == pytest.approx(1.0)


async def test_an_embedder_returning_the_wrong_number_of_vectors_raises_model_error() -> None:
    memory = ka.VectorMemory(lambda texts: [])
    with pytest.raises(ka.ModelError, match="one vector per text"):
        await memory.store_context("tea")


async def test_a_vector_of_another_dimension_raises_config_error(tmp_path: Path) -> None:
    await ka.VectorMemory(embed, path=tmp_path / "m.db").store_context("tea")
    other = ka.VectorMemory(lambda texts: [[1.0, 2.0] for _ in texts], path=tmp_path / "m.db")
    with pytest.raises(ka.ConfigError, match="2-dimensional query") as info:
        await other.retrieve_context("tea")
    assert info.value.key == "embedder"


# window memory


async def test_window_memory_keeps_a_40_turn_conversation_within_its_window() -> None:
    window = 300
    model = ka.ScriptedModel(respond=lambda messages: "reply " + "x" * (len(messages) * 7 % 90))
    memory = ka.WindowMemory(context_window=window)
    agent = ka.Agent("chat", signature="question -> answer", model=model, memory=memory)
    for turn in range(40):
        await agent.run(question=f"turn {turn}: " + "words " * (turn % 9))
    sizes = [estimate_tokens(call) for call in model.calls]
    assert max(sizes) <= window
    last = [m["content"] for m in model.calls[-1]]
    assert "question: turn 38: " + "words " * 2 in last  # the previous turn is remembered
    assert not any(c.startswith("question: turn 0:") for c in last)
    assert len(last) > 4 and sizes[-1] > window // 2  # it does use its window
    assert len(memory) < 40  # turns that cannot fit any more are dropped


async def test_window_memory_counts_with_litellm_for_a_litellm_model() -> None:
    memory = ka.WindowMemory(context_window=60, model="openai/gpt-4o-mini")
    for i in range(5):
        await memory.store_context({"inputs": {"q": f"question {i}"}, "outputs": {"a": "yes"}})
    turns = await memory.retrieve_context("q: next")
    from kaizen_actors.agents.models._litellm import load_litellm

    litellm = await load_litellm()
    prompt = [{"role": "user", "content": "q: next"}]
    assert litellm.token_counter(model="openai/gpt-4o-mini", messages=prompt + turns) <= 60
    assert 2 <= len(turns) < 10


# buffer memory, custom providers, the old protocol


async def test_buffer_memory_recalls_its_last_turns_as_chat_messages() -> None:
    memory = ka.BufferMemory(window=2)
    for i in range(3):
        await memory.store_context({"inputs": {"q": f"q{i}"}, "outputs": {"a": f"a{i}"}})
    assert await memory.retrieve_context("ignored") == [
        {"role": "user", "content": "q: q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q: q2"},
        {"role": "assistant", "content": "a2"},
    ]
    assert len(await memory.retrieve_context("ignored", k=1)) == 2
    await memory.clear()
    assert await memory.retrieve_context("ignored") == []


class Notebook:
    """A custom provider: records what it is asked and what it is given."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log

    async def store_context(self, context: dict[str, Any]) -> str:
        self.log.append(("store", context))
        return "n1"

    async def retrieve_context(self, query: str, k: int | None = None) -> list[dict[str, Any]]:
        self.log.append(("retrieve", query))
        return [
            {"role": "user", "content": "earlier question"},
            {"role": "assistant", "content": "earlier answer"},
            {"content": "a fact", "score": 0.5},
        ]


async def test_an_agent_uses_a_custom_provider_before_and_after_its_turn() -> None:
    log: list[Any] = []

    def respond(messages: list[dict[str, Any]]) -> str:
        log.append(("model", messages))
        return "42"

    agent = ka.Agent(
        "x",
        signature="question -> answer",
        model=ka.ScriptedModel(respond=respond),
        memory=Notebook(log),
    )
    await agent.run(question="six times seven?")
    assert [entry[0] for entry in log] == ["retrieve", "model", "store"]
    assert log[0][1] == "question: six times seven?"
    messages = log[1][1]
    assert messages[1:3] == [
        {"role": "user", "content": "earlier question"},
        {"role": "assistant", "content": "earlier answer"},
    ]
    assert messages[3]["content"] == "question: six times seven?\n\nRelevant memories:\n- a fact"
    assert log[2][1] == {
        "content": "question: six times seven?\nanswer: 42",
        "inputs": {"question": "six times seven?"},
        "outputs": {"answer": "42"},
    }


async def test_a_provider_returning_something_else_than_items_raises_config_error() -> None:
    class Broken(Notebook):
        async def retrieve_context(self, query: str, k: int | None = None) -> Any:
            return ["not a dict"]

    agent = ka.Agent("x", signature="q -> a", model=ka.ScriptedModel(["ok"]), memory=Broken([]))
    with pytest.raises(ka.ConfigError, match="list of dicts each with a text 'content'") as info:
        await agent.run(q="?")
    assert info.value.key == "memory"


async def test_an_old_style_memory_with_messages_and_add_still_works() -> None:
    class Old:
        def __init__(self) -> None:
            self.turns: list[tuple[dict[str, Any], dict[str, Any]]] = []

        def messages(self) -> list[dict[str, str]]:
            return [{"role": "user", "content": f"before: {i}"} for i, _ in self.turns]

        def add(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
            self.turns.append((inputs, outputs))

    old = Old()
    model = ka.ScriptedModel(["one", "two"])
    agent = ka.Agent("x", signature="q -> a", model=model, memory=old)
    assert isinstance(old, ka.Memory) and agent.memory is old
    await agent.run(q="first")
    await agent.run(q="second")
    assert old.turns[0] == ({"q": "first"}, {"a": "one"})
    assert model.calls[1][1] == {"role": "user", "content": "before: {'q': 'first'}"}


# config and arguments


async def test_create_agent_builds_the_memory_the_config_names(tmp_path: Path) -> None:
    kaizen = ka.Kaizen({"model": ka.ScriptedModel(["ok"]), "memory_enabled": True})
    assert isinstance(kaizen.create_agent("b").memory, ka.BufferMemory)
    window = kaizen.create_agent("w", {"memory_provider": "window", "context_window": 500})
    assert isinstance(window.memory, ka.WindowMemory) and window.memory.context_window == 500
    vector = kaizen.create_agent(
        "v",
        {"memory_provider": "vector", "memory_embedder": embed, "memory_path": tmp_path / "v.db"},
    )
    assert isinstance(vector.memory, ka.VectorMemory) and vector.memory.path == tmp_path / "v.db"
    mine = Notebook([])
    assert kaizen.create_agent("n", {"memory_provider": mine}).memory is mine
    assert kaizen.create_agent("off", {"memory_enabled": False}).memory is None
    assert kaizen.create_agent("old", {"memory_window": 3}).memory.window == 3


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"memory_provider": "lots"}, "memory_provider"),
        ({"memory_provider": object()}, "memory_provider"),
        ({"context_window": 0}, "context_window"),
        ({"memory_embedder": 42}, "memory_embedder"),
        ({"memory_path": 3}, "memory_path"),
        ({"memory_enabled": True, "memory_provider": "vector"}, "memory_embedder"),
    ],
)
async def test_bad_memory_config_raises_config_error_naming_the_key(
    config: dict[str, Any], key: str
) -> None:
    kaizen = ka.Kaizen({"model": ka.ScriptedModel(["ok"])})
    with pytest.raises(ka.ConfigError) as info:
        kaizen.create_agent("a", config)
    assert info.value.key == key
    assert key in str(info.value)


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda: ka.BufferMemory(0), "window"),
        (lambda: ka.WindowMemory(context_window=0), "context_window"),
        (lambda: ka.VectorMemory(42), "embedder"),
        (lambda: ka.VectorMemory(embed, k=0), "k"),
        (lambda: ka.VectorMemory(embed, path=3), "path"),
        (lambda: ka.VectorMemory(embed, embed_params={"api_key": "x"}), "embed_params"),
        (
            lambda: ka.Agent("x", signature="q -> a", model=ka.ScriptedModel(), memory="lots"),
            "memory",
        ),
    ],
)
async def test_bad_memory_arguments_raise_config_error_naming_the_argument(
    make: Any, key: str
) -> None:
    with pytest.raises(ka.ConfigError) as info:
        make()
    assert info.value.key == key


async def test_storing_something_without_content_raises_config_error() -> None:
    with pytest.raises(ka.ConfigError, match="text 'content'"):
        await ka.BufferMemory().store_context({"text": "no content key"})  # type: ignore[arg-type]


def test_importing_the_agents_layer_does_not_load_numpy() -> None:
    code = "import sys, kaizen_actors.agents as a; a.WindowMemory; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
