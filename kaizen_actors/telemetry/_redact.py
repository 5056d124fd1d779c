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

Dict keys are scanned like strings (a key can be a token). Strings are cut
to :data:`MAX_TEXT` characters *before* they are scanned, so untrusted text
cannot make redaction slow; the cut drops the token it falls in, so it
never leaves a secret's prefix too short to be recognised. One precompiled pattern
does all the scanning.
"""

from __future__ import annotations

import re
import string
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

_BOUNDARY = 256
_TOKEN_CHARS = string.ascii_letters + string.digits + "_-+/=.~"


def _may_hold_secret(text: str) -> bool:
    """False for text no pattern can match: letters and digits only, without key prefixes.

    Every pattern but the AWS and Google key shapes needs a character that is
    not a letter or digit (``-``, ``_``, ``.``, ``:``, ``=``, any whitespace).
    """
    return not text.isalnum() or "AKIA" in text or "ASIA" in text or "AIza" in text


def _cut(text: str) -> str:
    """``text`` cut to :data:`MAX_TEXT` characters, with ``"…"``.

    The cut also drops the run of token characters (letters, digits,
    ``_-+/=.~``) it falls in, up to :data:`_BOUNDARY` characters back, so no
    secret is left as a prefix too short for its pattern.
    """
    head = text[:MAX_TEXT]
    kept = head.rstrip(_TOKEN_CHARS)
    if len(head) - len(kept) > _BOUNDARY:
        kept = head[: MAX_TEXT - _BOUNDARY]
    return kept + "…"


@lru_cache(maxsize=4096)
def secret_key(key: str) -> bool:
    """Whether a dict key names a secret (``api_key``, ``Authorization``...)."""
    return SECRET_KEY.search(key) is not None


def _mask(text: str) -> str:
    """``text`` cut to :data:`MAX_TEXT` characters, with the built-in secret shapes masked."""
    if len(text) > MAX_TEXT:
        text = _cut(text)
    return _PATTERN.sub(_replace, text) if _may_hold_secret(text) else text


_mask_key = lru_cache(maxsize=4096)(_mask)
""":func:`_mask` for dict keys, which repeat (a key can be a token too)."""


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
        hook: a function ``str -> str`` applied to every string value last
            (dict keys get the patterns, not the hook, so records keep
            their field names).

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
        value = _mask(value)
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
            return {self._key(k): self._value(k, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value

    def _key(self, key: Any) -> Any:
        if not isinstance(key, str):
            return key
        key = _mask_key(key)
        return key if self._extra is None else self._extra.sub(MASK, key)

    def _value(self, key: Any, value: Any) -> Any:
        return MASK if isinstance(key, str) and secret_key(key) else self(value)


redact = Redactor()
"""Mask the secrets of a JSON-like value (see the module's description)."""
