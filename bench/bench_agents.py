"""Agent-layer benchmarks (BENCHMARKS.md, "Agents").

Run: ``.venv/bin/python bench/bench_agents.py [--kaizen-python PATH]``

1. Framework overhead of one agent call (ScriptedModel, no delay) against
   streaming the same reply from the same ScriptedModel directly, in one run.
2. Streaming throughput from the model to an ``agent.stream()`` consumer, against
   the same model's reply streamed directly.
3. Side by side with kailash-kaizen (installed in another interpreter, e.g.
   ``python -m venv /tmp/kkvenv && /tmp/kkvenv/bin/pip install kailash-kaizen==2.46.1
   opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc``): import time,
   memory after import, and one agent call with its mock provider vs ours with
   ScriptedModel. Each import is measured in a fresh subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPLY = "The answer is yes: 1009 is a prime number."


def _rss_mib() -> str:
    return (
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'):\n"
        "            return int(line.split()[1]) / 1024\n"
    )


def run_subprocess(python: str, code: str, env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_cost(python: str, statement: str, repeats: int = 5) -> tuple[float, float]:
    """Median seconds and MiB of RSS added by ``statement`` in a fresh interpreter."""
    code = _rss_mib() + textwrap.dedent(
        f"""
        import json, time
        base = rss()
        t = time.perf_counter()
        {statement}
        d = time.perf_counter() - t
        print(json.dumps({{"s": d, "mib": rss() - base}}))
        """
    )
    runs = [run_subprocess(python, code) for _ in range(repeats)]
    return statistics.median(r["s"] for r in runs), statistics.median(r["mib"] for r in runs)


async def overhead(n: int = 3000) -> tuple[float, float]:
    """Microseconds per call: agent.run vs the same ScriptedModel streamed directly."""
    from kaizen_actors.agents import Agent, ScriptedModel, UsageMeter

    model = ScriptedModel(respond=lambda messages: REPLY)
    agent = Agent("bench", signature="question -> answer", model=model)
    messages = [{"role": "user", "content": "question: Is 1009 prime?"}]
    for _ in range(200):
        await agent.run(question="Is 1009 prime?")
    best_agent = best_direct = float("inf")
    for _ in range(3):
        model.calls.clear()
        t = time.perf_counter()
        for _ in range(n):
            await agent.run(question="Is 1009 prime?")
        best_agent = min(best_agent, (time.perf_counter() - t) / n)
        model.calls.clear()
        t = time.perf_counter()
        for _ in range(n):
            async for _token in model.stream(messages, UsageMeter()):
                pass
        best_direct = min(best_direct, (time.perf_counter() - t) / n)
    return best_agent * 1e6, best_direct * 1e6


async def throughput(tokens: int = 200_000) -> tuple[float, float]:
    """Tokens per second: Token events reaching an ``agent.stream()`` consumer, and the
    same ScriptedModel's reply streamed directly (best of 3 each, interleaved)."""
    from kaizen_actors.agents import Agent, ScriptedModel, UsageMeter
    from kaizen_actors.events import Token

    words = " ".join(f"w{i % 1000}" for i in range(tokens))
    model = ScriptedModel(respond=lambda m: words)
    agent = Agent("bench", signature="topic -> text", model=model)
    messages = [{"role": "user", "content": "topic: t"}]
    await agent.run(topic="warm-up")
    best = best_direct = 0.0
    for _ in range(3):
        count = 0
        t = time.perf_counter()
        async for event in agent.stream(topic="t"):
            count += type(event) is Token
        best = max(best, count / (time.perf_counter() - t))
        assert count == tokens, count
        count = 0
        t = time.perf_counter()
        async for _token in model.stream(messages, UsageMeter()):
            count += 1
        best_direct = max(best_direct, count / (time.perf_counter() - t))
    return best, best_direct


KAIZEN_CALL = _rss_mib() + textwrap.dedent(
    """
    import json, logging, time
    logging.disable(logging.CRITICAL)
    from kaizen.core.base_agent import BaseAgent
    from kaizen.core.config import BaseAgentConfig
    from kaizen.signatures import InputField, OutputField, Signature

    class QA(Signature):
        \"\"\"Answer the question.\"\"\"
        question: str = InputField(desc="the question")
        answer: str = OutputField(desc="the answer")

    agent = BaseAgent(
        config=BaseAgentConfig(llm_provider="mock", model="mock-model", mcp_enabled=False),
        signature=QA(),
    )
    for _ in range(20):
        agent.run(question="Is 1009 prime?")
    n = 200
    t = time.perf_counter()
    for _ in range(n):
        agent.run(question="Is 1009 prime?")
    print(json.dumps({"us": (time.perf_counter() - t) / n * 1e6}))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--kaizen-python",
        default=os.environ.get("KAIZEN_BENCH_PYTHON", "/tmp/kkvenv/bin/python"),
        help="interpreter with kailash-kaizen installed (skipped when missing)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results: dict[str, float] = {}

    agent_us, direct_us = asyncio.run(overhead())
    results.update(agent_call_us=agent_us, direct_model_us=direct_us, added_us=agent_us - direct_us)
    results["stream_tokens_per_s"], results["direct_tokens_per_s"] = asyncio.run(throughput())

    ours = sys.executable
    results["ours_import_s"], results["ours_import_mib"] = import_cost(ours, "import kaizen_actors")
    results["ours_agents_import_s"], results["ours_agents_import_mib"] = import_cost(
        ours, "import kaizen_actors.agents"
    )
    results["ours_agent_ready_s"], results["ours_agent_ready_mib"] = import_cost(
        ours,
        "import kaizen_actors.agents as a; "
        "a.Agent('x', signature='question -> answer', model=a.ScriptedModel()).workflow",
    )
    if Path(args.kaizen_python).exists():
        results["kaizen_import_s"], results["kaizen_import_mib"] = import_cost(
            args.kaizen_python, "import kaizen"
        )
        results["kaizen_agent_ready_s"], results["kaizen_agent_ready_mib"] = import_cost(
            args.kaizen_python, "import kaizen; from kaizen.core.base_agent import BaseAgent"
        )
        results["kaizen_call_us"] = run_subprocess(args.kaizen_python, KAIZEN_CALL)["us"]

    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"agent call (ScriptedModel, no delay)   {agent_us:9.1f} us")
    print(f"same model streamed directly           {direct_us:9.1f} us")
    print(f"framework overhead per call            {agent_us - direct_us:9.1f} us  (target < 500)")
    print(
        f"agent.stream() throughput              {results['stream_tokens_per_s']:9.0f} tokens/s"
        "  (target >= 100,000)"
    )
    print(
        f"same model streamed directly           {results['direct_tokens_per_s']:9.0f} tokens/s"
        f"  (ratio {results['stream_tokens_per_s'] / results['direct_tokens_per_s']:.3f})"
    )
    print(
        f"import kaizen_actors                    {results['ours_import_s'] * 1e3:8.1f} ms "
        f"{results['ours_import_mib']:6.1f} MiB"
    )
    print(
        f"import kaizen_actors.agents             {results['ours_agents_import_s'] * 1e3:8.1f} ms "
        f"{results['ours_agents_import_mib']:6.1f} MiB"
    )
    print(
        f"  + first agent.workflow (kailash)     {results['ours_agent_ready_s'] * 1e3:8.1f} ms "
        f"{results['ours_agent_ready_mib']:6.1f} MiB"
    )
    if "kaizen_import_s" in results:
        print(
            f"import kaizen (kailash-kaizen)          {results['kaizen_import_s'] * 1e3:8.1f} ms "
            f"{results['kaizen_import_mib']:6.1f} MiB"
        )
        print(
            f"  + BaseAgent {results['kaizen_agent_ready_s'] * 1e3:34.1f} ms "
            f"{results['kaizen_agent_ready_mib']:6.1f} MiB"
        )
        print(f"kailash-kaizen call (mock provider)    {results['kaizen_call_us']:9.1f} us")
        print(
            f"import speed-up {results['kaizen_import_s'] / results['ours_import_s']:.0f}x, "
            f"call speed-up {results['kaizen_call_us'] / agent_us:.0f}x"
        )
    else:
        print(f"kailash-kaizen not found at {args.kaizen_python}: side-by-side skipped")


if __name__ == "__main__":
    main()
