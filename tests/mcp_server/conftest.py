"""MCP tests run on asyncio (Kailash and uvicorn are asyncio-only)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quiet(quiet_crash_logs: None) -> None:
    """Crashing agents are part of these tests."""
