"""Following a reply as it streams: the text of the output fields, as ``Token`` events carry it.

:class:`FieldStream` returns the text of the output fields only (string
values decoded, no JSON punctuation), so ``Token`` events carry what a
reader wants to see. Escapes of lone surrogates become U+FFFD (counted in
``TEXT_REPAIRS``), as everywhere model text enters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models._text import encodable
from ._parse import STRING_STOP

if TYPE_CHECKING:
    from ._signature import FieldSpec

__all__ = ["FieldStream"]

# FieldStream states
_START, _PLAIN, _SEEK, _FENCE_HDR, _AFTER_FENCE = range(5)
_KEY0, _KEY, _COLON, _VAL0, _VSTR, _VRAW, _DONE = range(5, 12)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


class FieldStream:
    """Incremental extraction of output-field text from a streaming reply.

    Feed it the reply chunk by chunk; each :meth:`feed` returns the new text of
    the output fields as ``(field, text)`` pairs. With one output field, a reply
    that does not start with ``{`` or a fence is that field's plain text.
    String values are decoded (escapes resolved); other values (numbers,
    lists) come out as their JSON text. Keys that are not output fields are
    skipped.
    """

    __slots__ = (
        "_depth",
        "_esc",
        "_field",
        "_key",
        "_names",
        "_out",
        "_raw_quote",
        "_single",
        "_state",
        "_surrogate",
        "_uni",
    )

    def __init__(self, outputs: dict[str, FieldSpec]) -> None:
        self._names = frozenset(outputs)
        self._single = next(iter(outputs)) if len(outputs) == 1 else None
        self._state = _START
        self._key: list[str] = []
        self._field: str | None = None
        self._depth = 0
        self._raw_quote = False
        self._esc = False
        self._uni: str | None = None
        self._surrogate = ""
        self._out: list[tuple[str, str]] = []

    def feed(self, chunk: str) -> list[tuple[str, str]]:
        """Consume one chunk of the reply and return the field text it holds."""
        if self._state == _PLAIN:
            return [(self._single, chunk)] if chunk else []  # type: ignore[list-item]
        self._out = []
        i, n = 0, len(chunk)
        while i < n:
            i = self._step(chunk, i, n)
        out = self._out
        if len(out) > 1:
            merged: list[tuple[str, str]] = [out[0]]
            for f, t in out[1:]:
                if merged[-1][0] == f:
                    merged[-1] = (f, merged[-1][1] + t)
                else:
                    merged.append((f, t))
            return merged
        return out

    def _emit(self, text: str) -> None:
        if self._surrogate:  # a first half of a pair that no second half followed
            text = encodable(chr(int(self._surrogate, 16))) + text
            self._surrogate = ""
        if self._field is not None and text:
            self._out.append((self._field, text))

    def _step(self, s: str, i: int, n: int) -> int:
        st = self._state
        ch = s[i]
        if st in (_START, _AFTER_FENCE):
            if ch.isspace():
                return i + 1
            if ch == "{":
                self._state = _KEY0
                return i + 1
            if ch == "`" and st == _START:
                self._state = _FENCE_HDR
                return i + 1
            if self._single is not None:
                self._state = _PLAIN
                self._field = self._single
                self._emit(s[i:])
                return n
            self._state = _SEEK
            return i
        if st == _FENCE_HDR:
            j = s.find("\n", i)
            if j == -1:
                return n
            self._state = _AFTER_FENCE
            return j + 1
        if st == _SEEK:
            j = s.find("{", i)
            if j == -1:
                return n
            self._state = _KEY0
            return j + 1
        if st == _KEY0:
            if ch == '"':
                self._key = []
                self._state = _KEY
            elif ch == "}":
                self._state = _DONE
            return i + 1
        if st == _KEY:
            if self._esc:
                self._esc = False
                self._key.append(ch)
            elif ch == "\\":
                self._esc = True
            elif ch == '"':
                self._state = _COLON
            else:
                self._key.append(ch)
            return i + 1
        if st == _COLON:
            if ch == ":":
                key = "".join(self._key)
                self._field = key if key in self._names else None
                self._state = _VAL0
            return i + 1
        if st == _VAL0:
            if ch.isspace():
                return i + 1
            if ch == '"':
                self._state = _VSTR
                return i + 1
            self._state = _VRAW
            self._depth = 0
            self._raw_quote = False
            return i
        if st == _VSTR:
            return self._string(s, i, n)
        if st == _VRAW:
            return self._raw(s, i, n)
        return n  # _DONE: ignore the rest

    def _string(self, s: str, i: int, n: int) -> int:
        if self._uni is not None:
            self._uni += s[i]
            if len(self._uni) == 4:
                self._unicode(self._uni)
                self._uni = None
            return i + 1
        if self._esc:
            self._esc = False
            ch = s[i]
            if ch == "u":
                self._uni = ""
            else:
                self._emit(_ESCAPES.get(ch, ch))
            return i + 1
        m = STRING_STOP.search(s, i)
        if m is None:
            self._emit(s[i:])
            return n
        j = m.start()
        if j > i:
            self._emit(s[i:j])
        if s[j] == '"':
            self._state = _KEY0
            self._field = None
        else:
            self._esc = True
        return j + 1

    def _unicode(self, digits: str) -> None:
        try:
            code = int(digits, 16)
        except ValueError:
            return
        if 0xD800 <= code < 0xDC00:
            self._emit("")  # a first half still waiting is lone
            self._surrogate = digits
            return
        if 0xDC00 <= code < 0xE000:
            if self._surrogate:  # the second half of a pair
                high = int(self._surrogate, 16)
                self._surrogate = ""
                self._emit(chr(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)))
            else:  # a lone second half: not encodable
                self._emit(encodable(chr(code)))
            return
        self._emit(chr(code))

    def _raw(self, s: str, i: int, n: int) -> int:
        start = i
        while i < n:
            ch = s[i]
            if self._raw_quote:
                if self._esc:
                    self._esc = False
                elif ch == "\\":
                    self._esc = True
                elif ch == '"':
                    self._raw_quote = False
            elif ch == '"':
                self._raw_quote = True
            elif ch in "[{":
                self._depth += 1
            elif ch in "]}":
                if self._depth == 0:
                    self._emit(s[start:i].rstrip())
                    self._state = _DONE
                    self._field = None
                    return i + 1
                self._depth -= 1
            elif ch == "," and self._depth == 0:
                self._emit(s[start:i].rstrip())
                self._state = _KEY0
                self._field = None
                return i + 1
            i += 1
        self._emit(s[start:i])
        return n
