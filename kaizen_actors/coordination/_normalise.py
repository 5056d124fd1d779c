"""Comparing answers: normalisation, the value an answer is compared on, and majorities."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Key", "choice_of", "majority", "normalise"]

Key = str | Callable[[Any], Any] | None
"""What answers are compared on: ``None`` (the first output field, or the
whole output for several fields), a field name, or a function of the output."""

_SPACE = re.compile(r"\s+")


def normalise(value: Any) -> str:
    """The comparable text of an answer value.

    Text is stripped, case-folded and its runs of whitespace collapsed to one
    space, and a trailing ``.``/``!`` dropped (``"Yes. "`` and ``"yes"`` agree).
    Other values are written as JSON with sorted keys, their strings
    normalised the same way (``{"a": "Yes"}`` and ``{"a": "yes"}`` agree).
    """
    if isinstance(value, str):
        return _SPACE.sub(" ", value).strip().casefold().rstrip(".!").rstrip()
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(value)
    return json.dumps(_normalise_nested(value), sort_keys=True, ensure_ascii=False, default=str)


def _normalise_nested(value: Any) -> Any:
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise_nested(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise_nested(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _normalise_nested(to_dict())
    return value


def choice_of(output: Any, key: Key = None) -> str:
    """The normalised value an output is compared on.

    Args:
        output: an output (a dict or a ``Prediction``).
        key: ``None``: the only output field, or the whole output when it has
            several; a field name; or a function of the output.

    Raises:
        KeyError: when ``key`` names a field the output does not have.

    """
    if callable(key):
        return normalise(key(output))
    if isinstance(key, str):
        return normalise(output[key])
    fields = list(output)
    if len(fields) == 1:
        return normalise(output[fields[0]])
    return normalise({name: output[name] for name in fields})


def majority(choices: Sequence[str]) -> tuple[str, dict[str, int], int]:
    """The most frequent choice, the tally, and the index of its first occurrence.

    Ties go to the choice given first in ``choices`` (agent order), so the
    result does not depend on which agent finished first.

    Raises:
        ValueError: when ``choices`` is empty.

    """
    if not choices:
        raise ValueError("majority of no choices")
    tally: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, choice in enumerate(choices):
        tally[choice] = tally.get(choice, 0) + 1
        first.setdefault(choice, index)
    winner = min(tally, key=lambda c: (-tally[c], first[c]))
    return winner, tally, first[winner]
