"""Across the layers: the audit trail, OpenTelemetry tracing and metrics.

Each part is a middleware or an event consumer, never a special case inside
a layer. Importing this package imports no OpenTelemetry: ``instrument()``
loads it.

- ``_audit``: :class:`AuditLog`, the hash-chained audit trail, its middleware;
  ``_audit_writer`` its file writer, ``_redact`` secret masking.
- ``_transparency``: the seed's ``Kaizen.get_transparency_interface()``.
- ``_instrument``: :func:`instrument`, :func:`uninstrument`,
  :func:`instrumented`.
- ``_tracing``: the spans' middleware (loaded by ``instrument()``).
- ``_metrics``: the process's :class:`MetricsCollector` (messages, crashes,
  restarts, mailbox depth, tokens and cost, turn latency), read by the
  OpenTelemetry meter (``_otel_metrics``) and the web app's ``/metrics``.
- ``_limits``: :class:`RateLimit` and the :class:`RateLimiter` middleware
  (``ActorSystem(rate_limits=)``); ``_limit_stores``: its buckets, in the
  process or in a NATS key-value bucket shared by the namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._meta import lazy_getattr

_EXPORTS: dict[str, str] = {
    "AuditLog": "._audit",
    "Redactor": "._redact",
    "redact": "._redact",
    "TransparencyInterface": "._transparency",
    "WorkflowMonitor": "._transparency",
    "instrument": "._instrument",
    "instrumented": "._instrument",
    "uninstrument": "._instrument",
    "MetricsCollector": "._metrics",
    "collector": "._metrics",
    "enable_metrics": "._metrics",
    "RateLimit": "._limits",
    "RateLimiter": "._limits",
}

__all__ = [
    "AuditLog",
    "Redactor",
    "redact",
    "TransparencyInterface",
    "WorkflowMonitor",
    "instrument",
    "instrumented",
    "uninstrument",
    "MetricsCollector",
    "collector",
    "enable_metrics",
    "RateLimit",
    "RateLimiter",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from ._audit import AuditLog
    from ._instrument import instrument, instrumented, uninstrument
    from ._limits import RateLimit, RateLimiter
    from ._metrics import MetricsCollector, collector, enable_metrics
    from ._redact import Redactor, redact
    from ._transparency import TransparencyInterface, WorkflowMonitor
