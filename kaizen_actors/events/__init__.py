"""Run events: what agents emit while they work and what teams stream.

Every event is a tagged ``msgspec.Struct`` with ``run_id``, ``seq`` and
``agent``. Within one run ``seq`` counts from 0 without gaps, so a consumer
that reconnects can resume after the last ``seq`` it saw. Events cross the
wire with :func:`encode_event` / :func:`decode_event`.

- ``_types``: the events, :class:`Usage`, their codec, :func:`new_run_id`.
- ``_channel``: the bounded buffer between a run and its reader.
- ``_stream``: :class:`EventStream`, the one engine under ``agent.stream()``
  and ``team.stream()``: it runs the producer, buffers its events and stamps
  ``run_id`` and ``seq`` as it hands them out.

Version added: 0.1
"""

from . import _types
from ._stream import EventStream
from ._types import *  # noqa: F403 - the events are this package's API

__all__ = ["EventStream", *_types.__all__]
