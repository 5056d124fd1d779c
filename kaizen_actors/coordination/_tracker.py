"""``RunTracker``: the runs of a team in progress, counted, and a wait until there are none."""

from __future__ import annotations

import anyio

__all__ = ["RunTracker"]


class RunTracker:
    """Counts a team's runs in progress (``team.runs``); abandoned streams count until they end.

    A surface that serves a team (web, MCP) uses it to report load and to
    drain: ``await team.runs.wait_idle()`` before stopping.

    Attributes:
        active: how many runs are in progress.

    Version added: 0.1

    """

    __slots__ = ("_idle", "active")

    def __init__(self) -> None:
        self.active = 0
        self._idle: anyio.Event | None = None

    def started(self) -> None:
        """Count a run that started."""
        self.active += 1

    def ended(self) -> None:
        """Count a run that ended (finished, failed or cancelled)."""
        self.active -= 1
        if self.active == 0 and self._idle is not None:
            self._idle.set()
            self._idle = None

    async def wait_idle(self) -> None:
        """Wait until no run is in progress."""
        while self.active:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()

    def __repr__(self) -> str:
        return f"<RunTracker active={self.active}>"
