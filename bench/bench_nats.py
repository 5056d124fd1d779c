"""NATS transport vs raw nats-py, against one local nats-server, in one run.

    .venv/bin/python bench/bench_nats.py [--seconds 2]

Ask round trip p50/p99 and asks/s with 1 and 50 concurrent askers, vs raw
``nc.request()`` to a bare echo responder with the same payload; tell
throughput vs raw ``nc.publish``. Then the cost of signing: the same ask (1
asker) and tell burst between two systems with ``signing_key``, interleaved
with the unsigned ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsTransport
from tests.natsserver import NatsServer


class Echo(ka.Message, tag="bench.Echo"):
    text: str = "x" * 64


class EchoActor(ka.Actor):
    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        return message


class Sink(ka.Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any, ctx: ka.ActorContext) -> Any:
        self.count += 1
        return self.count


async def _drive(call, concurrency: int, seconds: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    start = time.perf_counter()

    async def worker() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)
    return latencies, len(latencies) / (time.perf_counter() - start)


def _row(label: str, lat: list[float], rate: float) -> None:
    lat = sorted(lat)
    p50 = statistics.median(lat) * 1e6
    p99 = lat[int(len(lat) * 0.99) - 1] * 1e6
    print(f"{label:34s} p50 {p50:7.0f} us  p99 {p99:7.0f} us  {rate:9.0f} /s", flush=True)


async def main(seconds: float) -> None:
    import nats

    with NatsServer() as server:
        raw = await nats.connect(server.url)
        raw_client = await nats.connect(server.url)
        payload = ka.encode(Echo())

        async def respond(msg: Any) -> None:
            await msg.respond(msg.data)

        await raw.subscribe("bench.echo", cb=respond)
        await raw.flush()

        async def raw_request() -> None:
            await raw_client.request("bench.echo", payload, timeout=5)

        async with (
            ka.ActorSystem("bench", server.url) as host,
            ka.ActorSystem("bench", server.url) as client,
        ):
            await host.spawn(EchoActor, name="echo")
            ref = client.ref("echo")
            message = Echo()

            async def ask() -> None:
                await ref.ask(message, timeout=5)

            for _ in range(500):  # warm up both
                await raw_request()
                await ask()
            # This machine is noisy: five interleaved slices of each side, the ratios of
            # each slice's pair, and their median.
            ratios: dict[str, list[float]] = {
                "p50": [],
                "rate": [],
                "signed p50": [],
                "signed tell": [],
            }
            for conc in (1, 50):
                raw_lat: list[float] = []
                ka_lat: list[float] = []
                raw_rates, ka_rates = [], []
                for _ in range(5):
                    lat, rate = await _drive(raw_request, conc, seconds / 5)
                    raw_lat += lat
                    raw_rates.append(rate)
                    ours, our_rate = await _drive(ask, conc, seconds / 5)
                    ka_lat += ours
                    ka_rates.append(our_rate)
                    if conc == 1:
                        ratios["p50"].append(statistics.median(ours) / statistics.median(lat))
                    else:
                        ratios["rate"].append(our_rate / rate)
                _row(f"raw nc.request, {conc} askers", raw_lat, statistics.median(raw_rates))
                _row(f"NatsTransport ask, {conc} askers", ka_lat, statistics.median(ka_rates))

            n = 10_000  # under mailbox + pending limits: a tell burst beyond them is dropped
            got = 0
            done = anyio.Event()

            async def count(msg: Any) -> None:
                nonlocal got
                got += 1
                if got % n == 0:
                    done.set()

            await raw.subscribe("bench.sink", cb=count)
            await raw.flush()
            await host.spawn(Sink, name="sink", mailbox_size=10_000)
            sink = client.ref("sink")

            async def raw_burst() -> float:
                nonlocal done
                done = anyio.Event()
                t0 = time.perf_counter()
                for _ in range(n):
                    await raw_client.publish("bench.sink", payload)
                with anyio.fail_after(60):
                    await done.wait()
                return n / (time.perf_counter() - t0)

            async def tell_burst(sink: ka.ActorRef = sink) -> float:
                handled = await sink.ask(message, timeout=30)
                t0 = time.perf_counter()
                for _ in range(n):
                    await sink.tell(message)
                with anyio.fail_after(60):
                    while await sink.ask(message, timeout=30) < handled + n + 1:
                        pass
                return n / (time.perf_counter() - t0)

            # Bursts are short and this machine is noisy: five of each, interleaved.
            raw_rates, tell_rates = [], []
            for _ in range(5):
                raw_rates.append(await raw_burst())
                tell_rates.append(await tell_burst())
            raw_tell = statistics.median(raw_rates)
            ka_tell = statistics.median(tell_rates)
            print(f"{'raw nc.publish (received)':34s} {raw_tell:9.0f} /s")
            print(f"{'NatsTransport tell (handled)':34s} {ka_tell:9.0f} /s")

            key = "bench-signing-key-3f9a1c77d2e44b08"
            async with (
                ka.ActorSystem(
                    "bench-signed", NatsTransport(server.url, signing_key=key)
                ) as s_host,
                ka.ActorSystem(
                    "bench-signed", NatsTransport(server.url, signing_key=key)
                ) as s_client,
            ):
                await s_host.spawn(EchoActor, name="echo")
                await s_host.spawn(Sink, name="sink", mailbox_size=10_000)
                signed_ref, signed_sink = s_client.ref("echo"), s_client.ref("sink")

                async def signed_ask() -> None:
                    await signed_ref.ask(message, timeout=5)

                for _ in range(500):
                    await signed_ask()
                plain_lat: list[float] = []
                signed_lat: list[float] = []
                for _ in range(5):
                    lat, _ = await _drive(ask, 1, seconds / 5)
                    plain_lat += lat
                    ours, _ = await _drive(signed_ask, 1, seconds / 5)
                    signed_lat += ours
                    ratios["signed p50"].append(statistics.median(ours) / statistics.median(lat))
                plain_tells, signed_tells = [], []
                for _ in range(5):
                    plain_tells.append(await tell_burst())
                    signed_tells.append(await tell_burst(signed_sink))
                    ratios["signed tell"].append(signed_tells[-1] / plain_tells[-1])
                _row("ask, 1 asker, unsigned", plain_lat, len(plain_lat) / seconds)
                _row("ask, 1 asker, signing_key", signed_lat, len(signed_lat) / seconds)
                print(f"{'tell, unsigned (handled)':34s} {statistics.median(plain_tells):9.0f} /s")
                print(
                    f"{'tell, signing_key (handled)':34s} {statistics.median(signed_tells):9.0f} /s"
                )

        await raw.close()
        await raw_client.close()
    print()
    print(
        f"p50 ratio (1 asker, ours/raw; target <= 1.3): {statistics.median(ratios['p50']):.2f} "
        f"(median of 5 slices: {', '.join(f'{r:.2f}' for r in ratios['p50'])})"
    )
    print(
        f"throughput ratio (50 askers, ours/raw; target >= 1.0): "
        f"{statistics.median(ratios['rate']):.2f} "
        f"(median of 5 slices: {', '.join(f'{r:.2f}' for r in ratios['rate'])})"
    )
    print(f"tell ratio (ours/raw publish; target >= 0.5): {ka_tell / raw_tell:.2f}")
    for name, what in (("signed p50", "ask p50"), ("signed tell", "tell rate")):
        print(
            f"signing cost, {what} (signed/unsigned): {statistics.median(ratios[name]):.2f} "
            f"(median of 5 pairs: {', '.join(f'{r:.2f}' for r in ratios[name])})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    anyio.run(main, parser.parse_args().seconds)
