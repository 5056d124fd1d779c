"""Secret redaction for audit records: keys that name secrets, and secrets hidden in text.

:func:`redact` walks dicts, lists and tuples and returns a copy in which

- the value of every key that names a secret (``api_key``, ``token``,
  ``secret``, ``password``, ``authorization``, ``credential``, ``cookie``,
  ``private_key``..., any case, ``-`` or ``_``) is ``"***"``;
- in every string, known secret shapes are replaced by ``***``: ``Bearer``
  and ``Basic`` credentials, OpenAI/Anthropic keys (``sk-...``), AWS access
  keys (``AKIA...``), GitHub (``ghp_...``) and Slack (``xox?-...``) tokens,
  JWTs, the credentials of URLs (``https://user:pass@host`` becomes
  ``https://***@host``) and ``password=...``/``token: ...`` pairs in query
  strings and free text.

Strings are cut to :data:`MAX_TEXT` characters *before* they are scanned, so
untrusted text cannot make redaction slow; one precompiled pattern does
all the scanning.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["MAX_TEXT", "Redactor", "redact"]

MAX_TEXT = 4096
"""Strings in a record longer than this many characters are cut (with ``"…"``) before redaction."""

MASK = "***"

SECRET_KEY = re.compile(
    r"api[-_]?key|token(?!s)|secret|password|passwd|authorization|credential|cookie|private[-_]?key"
    r"|access[-_]?key",
    re.IGNORECASE,
)

_SHAPES = (
    r"(?i:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}",
    r"sk-[A-Za-z0-9_-]{16,}",
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",
    r"gh[pousr]_[A-Za-z0-9]{20,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"xox[abprs]-[A-Za-z0-9-]{10,}",
    r"AIza[0-9A-Za-z_-]{35}",
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}",
    r"-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)",
)
_PAIR = (
    r"(?<![A-Za-z0-9_-])(?P<key>(?i:(?=[A-Za-z0-9_-]*?(?:password|passwd|pwd|token(?!s)|"
    r"api[-_]?key|secret|authorization|credential|private[-_]?key|access[-_]?key))"
    r"[A-Za-z0-9_-]++)[\"']?\s*[=:]\s*)"
    r"(?P<value>\"[^\"\n]*\"?|'[^'\n]*'?|(?:(?i:bearer|basic|token)\s+)?[^\s&\"',;}]+)"
)
_URL = r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@:]*:[^/\s@]*)@"

_PATTERN = re.compile(f"{_URL}|{_PAIR}|{'|'.join(_SHAPES)}")


def _may_hold_secret(text: str) -> bool:
    """False for text no pattern can match (a word without punctuation or key prefixes): fast."""
    return (
        ":" in text
        or "=" in text
        or "-" in text
        or "_" in text
        or "." in text
        or " " in text
        or "\t" in text
        or "\n" in text
        or "AKIA" in text
        or "ASIA" in text
        or "AIza" in text
    )


@lru_cache(maxsize=4096)
def secret_key(key: str) -> bool:
    """Whether a dict key names a secret (``api_key``, ``Authorization``...)."""
    return SECRET_KEY.search(key) is not None


def _replace(match: re.Match[str]) -> str:
    if match.group("scheme") is not None:
        return f"{match.group('scheme')}{MASK}@"
    if match.group("key") is not None:
        return f"{match.group('key')}{MASK}"
    return MASK


class Redactor:
    """A :func:`redact` with extra patterns or a final function of one's own.

    Args:
        extra: more regular expressions (strings or compiled) whose matches
            become ``***`` in every string, after the built-in ones.
        hook: a function ``str -> str`` applied to every string last.

    Version added: 0.1

    """

    __slots__ = ("_extra", "_hook")

    def __init__(
        self,
        extra: Iterable[str | re.Pattern[str]] = (),
        hook: Callable[[str], str] | None = None,
    ) -> None:
        patterns = [p.pattern if isinstance(p, re.Pattern) else p for p in extra]
        self._extra = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self._hook = hook

    def text(self, value: str) -> str:
        """``value`` cut to :data:`MAX_TEXT` characters, with its secrets masked."""
        if len(value) > MAX_TEXT:
            value = value[:MAX_TEXT] + "…"
        if _may_hold_secret(value):
            value = _PATTERN.sub(_replace, value)
        if self._extra is not None:
            value = self._extra.sub(MASK, value)
        if self._hook is not None:
            value = self._hook(value)
        return value

    def __call__(self, value: Any) -> Any:
        """A copy of ``value`` (dicts, lists, tuples, strings, scalars) with its secrets masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: MASK if isinstance(k, str) and secret_key(k) else self(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


redact = Redactor()
"""Mask the secrets of a JSON-like value (see the module's description)."""
