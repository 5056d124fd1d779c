"""MCP tests run on asyncio (Kailash and uvicorn are asyncio-only)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quiet_crash_logs() -> Iterator[None]:
    logger = logging.getLogger("kaizen_actors")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
