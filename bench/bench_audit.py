"""The audit trail's cost: ask and agent call p50 with audit off vs on, and the file writer's rate.

Run: python bench/bench_audit.py [--rounds 5] [--asks 5000] [--calls 500] [--records 200000]

- ask p50: ``ref.ask`` to an echo actor of an in-process system, the system
  made without ("raw") and with ``audit=ka.AuditLog(path)`` ("ours": every
  message recorded, redacted, hashed and appended to a JSON Lines file);
- agent call p50: ``ref.ask(AgentTask)`` to an agent actor whose
  ``ScriptedModel`` answers at once (a turn record and a model-call record);

in alternating rounds, each p50 the median of the rounds' p50s. Then the
writer: ``--records`` records made with ``log.record`` and flushed to a file,
in records per second from the first record to the flush ("ours"), against
the same lines made by ``msgspec`` + ``hashlib`` and written by one
``write`` ("raw": what the chain and JSON cost without redaction and the
thread). The target is at least 50,000 records/s.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import anyio
import msgspec

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kaizen_actors as ka
from bench._util import agent_call_p50, echo_ask_p50, median, row


async def ask_p50(asks: int, audit: ka.AuditLog | None) -> float:
    async with ka.ActorSystem("bench-ask", audit=audit) as system:
        return await echo_ask_p50(system, asks)


async def call_p50(calls: int, audit: ka.AuditLog | None) -> float:
    async with ka.ActorSystem("bench-agent", audit=audit) as system:
        return await agent_call_p50(system, calls)


def measure(asks: int, calls: int, folder: Path | None) -> tuple[float, float]:
    gc.collect()
    audit = ka.AuditLog(folder / "ask.jsonl") if folder else None
    ask = anyio.run(ask_p50, asks, audit)
    audit = ka.AuditLog(folder / "agent.jsonl") if folder else None
    call = anyio.run(call_p50, calls, audit)
    return ask, call


async def writer_rate(records: int, path: Path) -> float:
    log = ka.AuditLog(path, limit=1000)
    start = time.perf_counter()
    for i in range(records):
        log.record("message", "echo", "run-1", type="int", sender="bench", outcome="ok", n=i)
        if i % 1000 == 0:
            await anyio.lowlevel.checkpoint()
    await log.aclose()
    return records / (time.perf_counter() - start)


def raw_rate(records: int, path: Path) -> float:
    encode = msgspec.json.Encoder(order="sorted").encode
    start = time.perf_counter()
    prev = b""
    lines = []
    for i in range(records):
        body = {"seq": i, "time": time.time(), "kind": "message", "actor": "echo", "n": i}
        body["run_id"], body["type"], body["sender"], body["outcome"] = "run-1", "int", "b", "ok"
        digest = hashlib.sha256(prev + encode(body)).hexdigest()
        body["hash"] = digest
        prev = digest.encode()
        lines.append(encode(body) + b"\n")
    with path.open("ab") as file:
        file.write(b"".join(lines))
    return records / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--asks", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    off: list[tuple[float, float]] = []
    on: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            off.append(measure(args.asks, args.calls, None))
            on.append(measure(args.asks, args.calls, Path(folder)))
        ours = anyio.run(writer_rate, args.records, Path(folder) / "writer.jsonl")
        raw = raw_rate(args.records, Path(folder) / "raw.jsonl")
        assert ka.AuditLog.verify(Path(folder) / "writer.jsonl")
    ask_off, call_off = median([a for a, _ in off]) * 1e6, median([c for _, c in off]) * 1e6
    ask_on, call_on = median([a for a, _ in on]) * 1e6, median([c for _, c in on]) * 1e6
    print(row("ask p50, audit on (us)", ask_on, ask_off, "us", "raw = audit off"))
    print(row("agent call p50, audit on (us)", call_on, call_off, "us", "raw = audit off"))
    print(row("audit writer to a file (records/s)", ours, raw, "rec/s", "target >= 50,000/s"))


if __name__ == "__main__":
    main()
