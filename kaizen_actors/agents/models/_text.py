"""Model text made encodable where it enters: lone surrogates replaced, and counted.

Models cut multi-byte characters, and providers' JSON then carries one
half of a surrogate pair, which Python keeps as a lone surrogate that no
UTF-8 encoder (msgpack, JSON on the wire, a terminal) accepts. Every
piece of text an agent takes from its model goes through :func:`encodable`,
in process as over NATS, so the two behave alike.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["TEXT_REPAIRS", "TextRepairs", "encodable", "encodable_value"]

logger = logging.getLogger("kaizen_actors")

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class TextRepairs:
    """Counts what :func:`encodable` replaced in this process.

    Attributes:
        lone_surrogates: lone surrogates replaced by U+FFFD.

    """

    __slots__ = ("lone_surrogates",)

    def __init__(self) -> None:
        self.lone_surrogates = 0

    def __repr__(self) -> str:
        return f"<TextRepairs lone_surrogates={self.lone_surrogates}>"


TEXT_REPAIRS = TextRepairs()
"""The process's count of repaired model text (``ka.agents.TEXT_REPAIRS``)."""


def encodable(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (counted; the first is logged)."""
    if text.isascii():
        return text
    fixed, count = _LONE_SURROGATE.subn(REPLACEMENT, text)
    if count:
        if not TEXT_REPAIRS.lone_surrogates:  # once: a stream may hold thousands
            logger.warning(
                "model text held lone surrogates; they are replaced with U+FFFD and "
                "counted in ka.agents.TEXT_REPAIRS"
            )
        TEXT_REPAIRS.lone_surrogates += count
    return fixed


def encodable_value(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, scalars) with every string made encodable."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable_value(k): encodable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encodable_value(v) for v in value]
    return value
