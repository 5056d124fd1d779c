"""The litellm path, offline: litellm's own ``mock_response``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import pytest

import kaizen_actors as ka
from kaizen_actors.agents import Agent, Model, UsageMeter
from kaizen_actors.agents.models._litellm import _import_litellm
from kaizen_actors.events import Token

pytestmark = pytest.mark.anyio


def test_importing_the_agents_layer_loads_neither_litellm_nor_kailash() -> None:
    code = (
        "import sys, kaizen_actors.agents as a; a.ScriptedModel(); a.signature('q -> a');"
        "print([m for m in ('litellm', 'kailash') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_scripted_agent_runs_without_importing_litellm() -> None:
    code = (
        "import sys, anyio, kaizen_actors.agents as a\n"
        "agent = a.Agent('x', signature='q -> a', model=a.ScriptedModel(['hi']))\n"
        "anyio.run(lambda: agent.run(q='?'))\n"
        "print('litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_a_litellm_model_streams_the_mock_response_with_usage_and_cost() -> None:
    model = Model("openai/gpt-4o-mini", mock_response="Paris is the capital.")
    meter = UsageMeter()
    chunks = [c async for c in model.stream([{"role": "user", "content": "capital?"}], meter)]
    assert len(chunks) > 1
    assert "".join(chunks) == "Paris is the capital."
    assert meter.calls == 1
    assert meter.prompt_tokens > 0 and meter.completion_tokens > 0
    assert meter.cost is not None and meter.cost > 0


async def test_an_agent_on_a_model_string_runs_through_litellm() -> None:
    agent = Agent(
        "solver",
        signature="question -> answer: str, confidence: float",
        model=Model("openai/gpt-4o-mini", mock_response='{"answer": "Paris", "confidence": 0.8}'),
    )
    events: list[Any] = []

    async def collect(event: Any) -> None:
        events.append(event)

    result = await agent.call({"question": "capital of France?"}, on_event=collect)
    assert result.output.answer == "Paris"
    assert result.usage.total_tokens > 0
    assert (
        "".join(e.text for e in events if isinstance(e, Token) and e.field == "answer") == "Paris"
    )


async def test_retryable_errors_are_retried_then_raise_a_typed_error() -> None:
    model = Model(
        "openai/gpt-4o-mini", retries=2, backoff=0.001, mock_response="litellm.RateLimitError"
    )
    calls = 0
    litellm = _import_litellm()
    original = litellm.acompletion

    async def counting(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await original(**kwargs)

    litellm.acompletion = counting
    try:
        with pytest.raises(ka.ModelRateLimited) as info:
            async for _ in model.stream([{"role": "user", "content": "hi"}], UsageMeter()):
                pass
    finally:
        litellm.acompletion = original
    assert calls == 3
    assert info.value.retryable
    assert info.value.model == "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ka.ModelAuthError),
        (400, ka.ModelBadRequest),
        (404, ka.ModelBadRequest),
        (408, ka.ModelTimeout),
        (503, ka.ModelConnectionError),
    ],
)
async def test_provider_errors_map_to_typed_errors(status: int, error: type) -> None:
    from kaizen_actors.agents.models._litellm import map_litellm_error

    _import_litellm()

    class ProviderError(Exception):
        status_code = status

    assert type(map_litellm_error(ProviderError("boom"), "m")) is error


async def test_error_messages_never_carry_the_api_key() -> None:
    litellm = _import_litellm()
    secret = "sk-test-0123456789abcdef"
    model = Model(
        "openai/gpt-4o-mini",
        api_key=secret,
        retries=0,
        mock_response=litellm.AuthenticationError(
            message=f"Incorrect API key provided: {secret}",
            llm_provider="openai",
            model="gpt-4o-mini",
        ),
    )
    with pytest.raises(ka.ModelAuthError) as info:
        async for _ in model.stream([{"role": "user", "content": "hi"}], UsageMeter()):
            pass
    assert secret not in str(info.value)
    assert info.value.__cause__ is None
    assert "api_key" not in repr(model)


async def test_cancelling_closes_the_provider_stream_and_emits_no_more_tokens() -> None:
    litellm = _import_litellm()
    original = litellm.acompletion
    streams: list[Any] = []

    async def capture(**kwargs: Any) -> Any:
        response = await original(**kwargs)
        streams.append(response)
        return response

    litellm.acompletion = capture
    agent = Agent(
        "talker",
        signature="topic -> text",
        model=Model("openai/gpt-4o-mini", mock_response=" ".join(f"word{i}" for i in range(1000))),
    )
    tokens = 0
    try:
        with anyio.CancelScope() as scope:

            async def on_event(event: Any) -> None:
                nonlocal tokens
                if isinstance(event, Token):
                    tokens += 1
                    if tokens == 3:
                        scope.cancel()

            await agent.call({"topic": "t"}, on_event=on_event)
    finally:
        litellm.acompletion = original
    assert scope.cancelled_caught
    assert tokens == 3
    assert streams[0].completion_stream is None  # CustomStreamWrapper.aclose() ran
