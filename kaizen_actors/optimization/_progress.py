"""The optimization's progress bar (rich), drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["Progress"]


class Progress:
    """Counts the optimization's turns against those it expects; draws them when enabled.

    Args:
        enabled: ``True``/``False``, or ``None``: when stderr is a terminal.
        title: the bar's label.

    """

    def __init__(self, enabled: bool | None, title: str) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled
        self.title = title
        self.total = 0
        self.done = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def expect(self, turns: int, stage: str) -> None:
        """Add ``turns`` to the total; ``stage`` names what they are."""
        self.total += turns
        if self._bar is not None:
            self._bar.update(self._task, total=self.total, description=f"{self.title}: {stage}")

    def advance(self) -> None:
        """Count one finished turn."""
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)

    def note(self, text: str) -> None:
        """Show ``text`` after the title (e.g. the best score so far)."""
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.title}: {text}")
