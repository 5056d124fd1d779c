"""``WebError``: a bad request answered as JSON ``{"error", "message"}`` with its status."""

from __future__ import annotations

from ..messages import KaizenError

__all__ = ["WebError"]


class WebError(KaizenError):
    """A request the web app refuses; answered as ``{"error": kind, "message": text}``.

    Attributes:
        status: the HTTP status (400, 401, 404, 410, 413, 422, 503...).
        kind: the ``error`` field: a short type name such as ``"NotFound"``.

    Version added: 0.1

    """

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
