"""``AuditLog``: a tamper-evident record of what a system did, hash-chained, secrets masked.

Each record is a dict with ``seq``, ``time``, ``kind``, ``actor``, ``run_id``,
the fields of its kind and ``hash``: the SHA-256 (hex) of the previous
record's hash followed by the record's canonical JSON (sorted keys, no
spaces) without its ``hash``. Editing, dropping or reordering a line breaks
the chain, which :meth:`AuditLog.verify` finds.

The log records through a middleware (``ActorSystem(audit=log)`` installs
it, outermost) and the system's supervision and dead-letter signals; see
:class:`AuditLog` for what each kind holds.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ..actors._letters import current_headers
from ..agents import AgentTask, ModelCall, ToolInvocation
from ..messages import AuditError, BudgetExceeded, ConfigError, error_type_name
from ._audit_writer import MAX_PENDING, AuditWriter
from ._redact import Redactor, redact

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from ..actors import ActorContext, ActorSystem, DeadLetter, Middleware
    from ..actors._middleware import CallNext
    from ..actors._signals import SupervisionSignal

__all__ = ["KINDS", "AuditLog", "AuditMiddleware", "verify_lines"]

KINDS = ("run", "message", "turn", "model_call", "tool_call", "restart", "dead_letter", "budget")
"""The kinds of audit records."""

DEFAULT_LIMIT = 10_000

_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.decode


def _builtins(value: Any) -> Any:
    return msgspec.to_builtins(value, str_keys=True, enc_hook=repr)


class AuditLog:
    """A hash-chained audit trail of runs, messages, turns, model and tool calls.

    Give it to ``ActorSystem(audit=log)`` or ``ka.team(..., audit=log)``;
    ``system.audit`` is the same object. Records (dicts, ``kind`` in
    :data:`KINDS`), each with ``seq``, ``time``, ``kind``, ``actor``,
    ``run_id`` and ``hash``:

    - ``"run"``: a team run's ``event`` (``"start"`` with ``team``,
      ``pattern``, ``inputs``; ``"end"`` with ``outcome`` and ``usage``).
    - ``"message"``: a handled message's ``type``, ``sender``, ``recipient``
      and ``outcome`` (``"ok"`` or ``"crashed: <error type>"``); its
      ``body`` only with ``bodies=True``.
    - ``"turn"``: an agent turn's ``inputs``, ``output``, ``usage`` (its
      ``calls`` count the attempts), ``sender`` and ``outcome``.
    - ``"model_call"``: ``model``, ``usage``, ``latency_ms``,
      ``finish_reason``, ``outcome``; the chat ``messages`` only with
      ``prompts=True``.
    - ``"tool_call"``: ``tool``, ``arguments``, ``error``, ``latency_ms``.
    - ``"restart"``: a supervisor's ``event`` (``"restarted"`` with
      ``supervisor``, ``restarts``, ``cause``, ``error_type``, ``error``;
      ``"escalated"`` with ``error``).
    - ``"dead_letter"``: ``type``, ``sender``, ``reason`` (its ``run_id``
      the message's, or that of the message whose handler sent it).
    - ``"budget"``: a run stopped by its budget, with ``error``.

    Every record passes through redaction first (keys naming secrets,
    bearer tokens, known key formats, URL credentials, ``password=...``:
    see :mod:`kaizen_actors.telemetry._redact`), strings cut to 4,096
    characters. In memory it keeps the last ``limit`` records
    (:meth:`trail`, :meth:`records`); with ``path`` every record is also
    appended to that JSON Lines file by a thread (never blocking the loop;
    it sustains over 50,000 records/s), flushed when each system using the
    log shuts down, on :meth:`flush` and at interpreter exit. No record is
    ever dropped: while more than ``max_pending`` records wait for the disk
    (10,000 by default), each audited call waits for the writer before it
    runs, until half of them are written (backpressure; a disk stalled for
    30 s gets a warning and the calls go on); records from signals
    (restarts, dead letters) and direct :meth:`record` calls are queued
    regardless. Each
    ``AuditLog`` starts its chain at ``seq`` 0; appending a second log's
    records to the same file starts a new chain there.

    Args:
        path: the JSON Lines file to append to; ``None``: memory only.
        redact: more secret patterns (a list of regular expressions) or a
            function ``str -> str`` applied to every string after the
            built-in redaction.
        limit: how many records are kept in memory (10,000 by default).
        max_pending: how many records may wait for the file before audited
            calls wait for the writer (10,000 by default).
        bodies: also record message bodies.
        prompts: also record the chat messages sent to models.

    Raises:
        ConfigError: for a ``limit`` or ``max_pending`` under 1 or a ``redact`` that is neither
            patterns nor a function (``key="audit"``).

    Version added: 0.1

    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        redact: Iterable[str | re.Pattern[str]] | Callable[[str], str] | None = None,
        limit: int = DEFAULT_LIMIT,
        max_pending: int = MAX_PENDING,
        bodies: bool = False,
        prompts: bool = False,
    ) -> None:
        if not isinstance(limit, int) or limit < 1:
            raise ConfigError(f"AuditLog: limit must be a positive int, got {limit!r}", key="audit")
        if not isinstance(max_pending, int) or max_pending < 1:
            raise ConfigError(
                f"AuditLog: max_pending must be a positive int, got {max_pending!r}", key="audit"
            )
        self._redact = _redactor(redact)
        self.path = Path(path) if path is not None else None
        self.limit = limit
        self.bodies = bodies
        self.prompts = prompts
        self._writer = AuditWriter(self.path, max_pending) if self.path is not None else None
        self._records: deque[dict[str, Any]] = deque()
        self._runs: dict[str | None, deque[dict[str, Any]]] = {}
        self._seq = 0
        self._prev = b""
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.actor_runs: dict[str, str] = {}
        """The last run each actor handled a message of (for its restart records)."""

    def __repr__(self) -> str:
        return f"AuditLog(path={self.path!r}, records={self._seq})"

    def record(self, kind: str, actor: str | None, run_id: str | None, **fields: Any) -> None:
        """Append one record (redacted, hashed, chained); cheap and never blocking."""
        text = self._redact.text
        body = self._redact(_builtins(fields))
        body["seq"] = self._seq
        body["time"] = time.time()
        body["kind"] = kind
        body["actor"] = text(actor) if actor else None
        body["run_id"] = text(run_id) if run_id else None
        digest = hashlib.sha256(self._prev + _encode(body)).hexdigest()
        body["hash"] = digest
        self._prev = digest.encode()
        self._seq += 1
        if self._writer is not None:
            self._writer.append(_encode(body) + b"\n")
        self._keep(body)
        for listener in self._listeners:
            listener(body)

    def _keep(self, record: dict[str, Any]) -> None:
        if len(self._records) >= self.limit:
            old = self._records.popleft()
            run = self._runs[old["run_id"]]
            run.popleft()
            if not run:
                del self._runs[old["run_id"]]
        self._records.append(record)
        self._runs.setdefault(record["run_id"], deque()).append(record)

    def trail(self, run_id: str) -> list[dict[str, Any]]:
        """The records of the run ``run_id`` still in memory, in order."""
        return list(self._runs.get(run_id, ()))

    def records(self) -> list[dict[str, Any]]:
        """Every record still in memory (the last ``limit``), in order."""
        return list(self._records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def __len__(self) -> int:
        return len(self._records)

    @property
    def head(self) -> str | None:
        """The hash of the last record (``None`` before the first): keep it to check the end.

        A hash chain shows an edited, dropped or reordered line, but not lines
        cut from the file's end; ``AuditLog.verify(path, head=log.head)``
        shows those too.
        """
        return self._prev.decode() if self._prev else None

    @property
    def pending(self) -> int:
        """How many records are queued for the file and not yet written (0 without a path)."""
        return 0 if self._writer is None else self._writer.pending

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``listener(record)`` for every new record (quick, in the recording task).

        Returns the function that unsubscribes.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def flush(self) -> None:
        """Return once every record so far is written and flushed to ``path``.

        Raises:
            OSError: the file cannot be written.

        """
        if self._writer is not None:
            await self._writer.flush()

    async def aclose(self) -> None:
        """Flush and close the file (a later record opens it again)."""
        if self._writer is not None:
            await self._writer.aclose()

    def install(self, system: ActorSystem) -> Sequence[Middleware]:
        """Record ``system``'s restarts and dead letters; return its recording middleware.

        ``ActorSystem(audit=)`` calls it; the system then flushes the log when
        it shuts down.
        """
        self.watch(system)
        return (AuditMiddleware(self, system),)

    def watch(self, system: ActorSystem) -> None:
        """Record ``system``'s restarts, escalations and dead letters."""
        system.supervision.subscribe(self._on_supervision)
        system.dead_letters.subscribe(self._on_dead_letter)

    def _on_supervision(self, signal: SupervisionSignal) -> None:
        fields = _builtins(signal)
        if "actor" in fields:
            actor = fields.pop("actor")
            run_id = self.actor_runs.get(fields["cause"])
            self.record("restart", actor, run_id, event="restarted", **fields)
        else:
            supervisor = fields["supervisor"]
            self.record("restart", supervisor, _run_id(None, None), event="escalated", **fields)

    def _on_dead_letter(self, letter: DeadLetter) -> None:
        self.record(
            "dead_letter",
            letter.recipient,
            _run_id(letter.message, None),
            type=type(letter.message).__name__,
            sender=letter.sender,
            reason=letter.reason,
        )

    @classmethod
    def verify(cls, path: str | Path, head: str | None = None) -> bool:
        """Check the hash chain of the JSON Lines file ``path``; ``True`` when intact.

        A chain cannot show lines cut from its end, nor a whole chain's end
        where the next log's chain starts (``seq`` 0): give ``head`` (the
        writing log's :attr:`head`, kept elsewhere) to check that the file
        ends with that record. Reads the file synchronously: for command
        lines and tests (in async code use :meth:`averify`).

        Raises:
            AuditError: naming the first line (from 1) that is not valid JSON,
                whose hash does not match its content (edited), or whose
                ``seq`` does not follow the line before (dropped or reordered);
                with ``head``, the line after the file's end when it does not
                end with that record.
            FileNotFoundError: when there is no such file.

        """
        verify_lines(Path(path).read_bytes().splitlines(), head)
        return True

    @classmethod
    async def averify(cls, path: str | Path, head: str | None = None) -> bool:
        """:meth:`verify` in a worker thread."""
        return await anyio.to_thread.run_sync(cls.verify, path, head)


def verify_lines(lines: Sequence[bytes], head: str | None = None) -> int:
    """Check a trail's lines (ending with the record hashed ``head``, if given); count them.

    Raises:
        AuditError: at the first line whose chain breaks.

    """
    prev = b""
    seq = 0
    for n, line in enumerate(lines, 1):
        try:
            record = _decode(line)
            digest = record.pop("hash")
            got = record["seq"]
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError) as exc:
            raise AuditError(f"line {n}: not an audit record ({exc})", line=n) from None
        if got == 0:
            prev = b""
        elif got != seq:
            raise AuditError(
                f"line {n}: seq {got} where {seq} was expected: a line was dropped or reordered",
                line=n,
            )
        if hashlib.sha256(prev + _encode(record)).hexdigest() != digest:
            raise AuditError(
                f"line {n}: hash does not match: the line was edited or its chain broken",
                line=n,
            )
        prev = digest.encode()
        seq = got + 1
    if head is not None and prev.decode() != head:
        end = len(lines) + 1
        raise AuditError(
            f"line {end}: the file ends before the record hashed {head[:12]}...: "
            "lines were cut from its end (or head is another log's)",
            line=end,
        )
    return len(lines)


def _redactor(option: Any) -> Redactor:
    if option is None:
        return redact
    if callable(option):
        return Redactor(hook=option)
    if isinstance(option, (list, tuple)):
        return Redactor(extra=option)
    raise ConfigError(
        "AuditLog: redact= takes a list of regular expressions or a function str -> str, "
        f"got {type(option).__name__}",
        key="audit",
    )


class _Flusher:
    """A system resource that flushes the log when the system shuts down."""

    __slots__ = ("log",)

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    async def aclose(self) -> None:
        await self.log.flush()


def _run_id(message: Any, ctx: ActorContext | None) -> str | None:
    """The run ``message`` belongs to: its ``run_id``, else its headers' (or the task's)."""
    run_id = getattr(message, "run_id", None)
    if run_id:
        return str(run_id)
    if ctx is not None:
        return ctx.headers.get("run_id")
    headers = current_headers.get()
    return None if headers is None else headers.get("run_id")


class AuditMiddleware:
    """Records every message, turn, model call, tool call and run a chain sees into ``log``.

    With a ``system``, the first record made while it runs asks it to flush
    the log at its shutdown.
    """

    __slots__ = ("flushing", "log", "system")

    def __init__(self, log: AuditLog, system: ActorSystem | None = None) -> None:
        self.log = log
        self.system = system
        self.flushing = log.path is None or system is None

    async def __call__(self, message: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        if not self.flushing and self.system is not None and self.system.running:
            self.flushing = True
            self.system.resource(("audit", id(self.log)), lambda: _Flusher(self.log))
        writer = self.log._writer  # noqa: SLF001 - the log's own middleware
        if writer is not None and writer.full:
            await writer.room()
        if isinstance(message, ModelCall):
            return await self._model(message, ctx, call_next)
        if isinstance(message, ToolInvocation):
            return await self._tool(message, ctx, call_next)
        if ctx is None:  # a team's RunCall, made outside any actor
            return await self._run(message, ctx, call_next)
        return await self._message(message, ctx, call_next, turn=isinstance(message, AgentTask))

    async def _message(
        self, message: Any, ctx: ActorContext, call_next: CallNext, *, turn: bool
    ) -> Any:
        sender = ctx.sender
        fields: dict[str, Any] = {"sender": None if sender is None else sender.name}
        run_id = _run_id(message, ctx)
        if run_id is not None:
            self.log.actor_runs[ctx.name] = run_id
        try:
            reply = await call_next(message, ctx)
        except Exception as exc:
            fields["outcome"] = f"crashed: {error_type_name(exc)}"
            self._message_record(message, ctx, run_id, fields, turn=turn, reply=None)
            raise
        fields["outcome"] = "ok"
        self._message_record(message, ctx, run_id, fields, turn=turn, reply=reply)
        return reply

    def _message_record(
        self,
        message: Any,
        ctx: ActorContext,
        run_id: str | None,
        fields: dict[str, Any],
        *,
        turn: bool,
        reply: Any,
    ) -> None:
        if turn:
            fields["inputs"] = message.inputs
            if reply is not None:
                fields["output"] = reply.output
                fields["usage"] = reply.usage
            self.log.record("turn", ctx.name, run_id, **fields)
            return
        fields["type"] = type(message).__name__
        fields["recipient"] = ctx.name
        if self.log.bodies:
            fields["body"] = message
        self.log.record("message", ctx.name, run_id, **fields)

    async def _model(self, call: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        fields: dict[str, Any] = {"model": call.model}
        if self.log.prompts:
            fields["messages"] = call.messages
        start = time.perf_counter()
        try:
            reply = await call_next(call, ctx)
        except Exception as exc:
            fields["outcome"] = f"failed: {error_type_name(exc)}"
            fields["latency_ms"] = (time.perf_counter() - start) * 1000
            self.log.record("model_call", call.agent, call.run_id, **fields)
            raise
        fields["latency_ms"] = (time.perf_counter() - start) * 1000
        fields.update(outcome="ok", usage=reply.usage, finish_reason=reply.finish_reason)
        self.log.record("model_call", call.agent, call.run_id, **fields)
        return reply

    async def _tool(self, call: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        start = time.perf_counter()
        result = await call_next(call, ctx)
        self.log.record(
            "tool_call",
            call.agent,
            call.run_id,
            tool=call.tool,
            arguments=call.arguments,
            error=result.error,
            latency_ms=(time.perf_counter() - start) * 1000,
        )
        return result

    async def _run(self, call: Any, ctx: ActorContext, call_next: CallNext) -> Any:
        record = self.log.record
        record(
            "run",
            call.team,
            call.run_id,
            event="start",
            team=call.team,
            pattern=call.pattern,
            inputs=call.inputs,
        )
        try:
            result = await call_next(call, ctx)
        except BudgetExceeded as exc:
            record("budget", call.team, call.run_id, error=str(exc))
            record("run", call.team, call.run_id, event="end", outcome="budget exceeded")
            raise
        except Exception as exc:
            outcome = f"failed: {error_type_name(exc)}: {exc}"
            record("run", call.team, call.run_id, event="end", outcome=outcome)
            raise
        usage = result.usage
        record("run", call.team, call.run_id, event="end", outcome="ok", usage=usage.total)
        return result
