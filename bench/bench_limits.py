"""Rate limits' cost when they do not bind: an agent call without a limit, with one in the
process, and with one shared over NATS (JetStream key-value), in the same run.

Run: python bench/bench_limits.py [--rounds 3] [--calls 300]

Each p50 is of ``ref.ask(AgentTask)`` to an agent actor whose ``ScriptedModel``
answers at once; the limit (1,000,000 requests a minute, burst 1,000) never
makes a call wait, so what is measured is the permit itself: a bucket update
in the process, or a key-value read and compare-and-set write on a local
nats-server. "raw" is the same call in the same kind of system without
``rate_limits``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import anyio

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kaizen_actors as ka
from bench._util import agent_call_p50, median
from tests.natsserver import NatsServer

LIMITS = {"scripted": ka.RateLimit(requests_per_minute=1_000_000, burst=1000)}


async def call_p50(calls: int, transport: str | None, limits: Any, name: str) -> float:
    async with ka.ActorSystem(name, transport, rate_limits=limits) as system:
        return await agent_call_p50(system, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {k: [] for k in ("mem", "mem+limit", "nats", "nats+limit")}
    with NatsServer() as server:
        for i in range(args.rounds):
            rows["mem"].append(anyio.run(call_p50, args.calls, None, None, f"raw{i}"))
            rows["mem+limit"].append(anyio.run(call_p50, args.calls, None, LIMITS, f"lim{i}"))
            rows["nats"].append(anyio.run(call_p50, args.calls, server.url, None, f"nraw{i}"))
            rows["nats+limit"].append(
                anyio.run(call_p50, args.calls, server.url, LIMITS, f"nlim{i}")
            )
    us = {k: median(v) * 1e6 for k, v in rows.items()}
    print("agent call p50 (us)                 raw       ours     ratio")
    print(
        f"in process, limit in the process  {us['mem']:8.1f} {us['mem+limit']:10.1f}"
        f" {us['mem+limit'] / us['mem']:9.2f}"
    )
    print(
        f"over NATS, limit in JetStream KV  {us['nats']:8.1f} {us['nats+limit']:10.1f}"
        f" {us['nats+limit'] / us['nats']:9.2f}"
    )


if __name__ == "__main__":
    main()
