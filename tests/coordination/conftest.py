"""Team tests run on asyncio only: agents run their turns through Kailash's
AsyncLocalRuntime, which is asyncio-only (asyncio.gather, Lock, Semaphore)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _quiet_crash_logs() -> Iterator[None]:
    # Crashing agents are part of these tests; their tracebacks are noise.
    logger = logging.getLogger("kaizen_actors")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
