"""Helpers shared by the benchmarks: percentiles and result printing."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``samples``."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} us"


def row(label: str, ours: float, raw: float, unit: str, target: str) -> str:
    """One line: our number, the baseline's, their ratio and the target."""
    ratio = ours / raw if raw else float("nan")
    mine = f"ours {ours:12,.1f} {unit:<6}"
    theirs = f"raw {raw:12,.1f} {unit:<6}"
    return f"{label:<44} {mine} {theirs} ratio {ratio:6.2f}  ({target})"


def median(values: list[float]) -> float:
    return statistics.median(values)
