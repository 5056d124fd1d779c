"""Agent tests run on asyncio only: Kailash's AsyncLocalRuntime is asyncio-only
(it uses asyncio.gather, asyncio.Lock and asyncio.Semaphore)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
