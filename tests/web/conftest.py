"""Web tests run on asyncio (Kailash and uvicorn are asyncio-only) against a real uvicorn."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

import kaizen_actors as ka
from kaizen_actors.cli._demo_team import build_scenario


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quiet(quiet_crash_logs: None) -> None:
    """Crashing agents are part of these tests."""


def demo_team(pattern: str = "debate", delay: float = 0.002, **options: Any) -> ka.Team:
    """An offline demo team (scripted agents, ``delay`` seconds between tokens)."""
    agents, pat, _ = build_scenario(pattern, token_delay=delay)
    return ka.team(*agents, pattern=pat, name=pattern, **options)


QUESTION = {"question": "Is 1009 a prime number?"}


async def read_events(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The SSE events of ``url`` as ``{"id", "event", "data"}``, the first ``limit`` of them."""
    events: list[dict[str, Any]] = []
    async with aconnect_sse(client, "GET", url, headers=dict(headers or {})) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            if not sse.data:  # the retry: field alone (httpx-sse yields it; browsers do not)
                continue
            events.append({"id": sse.id, "event": sse.event, "data": json.loads(sse.data)})
            if limit is not None and len(events) >= limit:
                break
    return events
