"""VectorMemory: retrieval over 10,000 memories and store rate, beside raw numpy.

Run: python bench/bench_memory.py [--memories 10000] [--queries 300]

- retrieval p50 over ``--memories`` stored memories, 64- and 384-dimensional
  (target: under 10 ms), with and without a SQLite file, vs the raw numpy
  work it cannot avoid (the same matrix-vector product and ``argpartition``
  on a ready matrix);
- store rate (memories/s) in memory, vs appending the normalised vector to
  a Python list, and into a SQLite file, vs the same INSERTs with sqlite3
  alone (WAL, one commit each).

- an agent turn with a ``BufferMemory``, vs the same turn without memory.

The embedder is a function returning ready vectors, so embedding costs
nothing here: what is measured is the memory itself.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import anyio
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._util import percentile, row
from kaizen_actors.agents import Agent, BufferMemory, ScriptedModel, VectorMemory


def vectors_of(dim: int, count: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(dim)
    return {f"memory {i}": rng.standard_normal(dim).tolist() for i in range(count)}


def raw_top(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    rows = np.argpartition(-scores, k - 1)[:k]
    return rows[np.argsort(-scores[rows])]


def raw_retrieval(dim: int, memories: int, queries: int) -> list[float]:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((memories, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    samples = []
    for _ in range(queries):
        query = rng.standard_normal(dim).astype(np.float32)
        start = time.perf_counter()
        query /= np.linalg.norm(query)
        raw_top(matrix, query, 4)
        samples.append(time.perf_counter() - start)
    return samples


async def filled(dim: int, memories: int, path: Path | None) -> tuple[VectorMemory, float]:
    """A memory holding ``memories`` vectors; and its store rate (memories/s)."""
    table = vectors_of(dim, memories + 1)
    table["query"] = table.pop(f"memory {memories}")

    async def embed(texts: list[str]) -> list[list[float]]:
        return [table[t] for t in texts]

    memory = VectorMemory(embed, path=path, k=4)
    start = time.perf_counter()
    for i in range(memories):
        await memory.store_context(f"memory {i}")
    return memory, memories / (time.perf_counter() - start)


async def our_retrieval(memory: VectorMemory, queries: int) -> list[float]:
    await memory.retrieve_context("query")
    samples = []
    for _ in range(queries):
        start = time.perf_counter()
        await memory.retrieve_context("query")
        samples.append(time.perf_counter() - start)
    return samples


def raw_store_rate(dim: int, memories: int) -> float:
    table = vectors_of(dim, memories)
    rows: list[np.ndarray] = []
    start = time.perf_counter()
    for i in range(memories):
        vector = np.asarray(table[f"memory {i}"], dtype=np.float32)
        rows.append(vector / np.linalg.norm(vector))
    return memories / (time.perf_counter() - start)


def raw_sqlite_store_rate(dim: int, memories: int, path: Path) -> float:
    table = vectors_of(dim, memories)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, content TEXT, metadata TEXT, vector BLOB)")
    start = time.perf_counter()
    for i in range(memories):
        vector = np.asarray(table[f"memory {i}"], dtype=np.float32)
        blob = (vector / np.linalg.norm(vector)).tobytes()
        db.execute(
            "INSERT INTO m (content, metadata, vector) VALUES (?, '{}', ?)", (f"memory {i}", blob)
        )
    rate = memories / (time.perf_counter() - start)
    db.close()
    return rate


async def turns(memory: BufferMemory | None, count: int) -> list[float]:
    model = ScriptedModel(respond=lambda messages: "ok")
    agent = Agent("a", signature="q -> answer", model=model, memory=memory)
    await agent.run(q="warm-up")
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await agent.run(q="?")
        samples.append(time.perf_counter() - start)
    return samples


async def run(memories: int, queries: int) -> None:
    us = lambda s: percentile(s, 50) * 1e6  # noqa: E731
    with_memory = await turns(BufferMemory(window=10), queries)
    without = await turns(None, queries)
    label = "agent turn with a BufferMemory, p50 (us)"
    print(row(label, us(with_memory), us(without), "us", "raw = no memory"))
    for dim in (64, 384):
        raw = us(raw_retrieval(dim, memories, queries))
        memory, rate = await filled(dim, memories, None)
        ours = us(await our_retrieval(memory, queries))
        label = f"retrieve top 4 of {memories:,} x {dim}, p50 (us)"
        print(row(label, ours, raw, "us", "target < 10 ms; raw = numpy product + argpartition"))
        with tempfile.TemporaryDirectory() as folder:
            on_file, file_rate = await filled(dim, memories, Path(folder) / "m.db")
            ours_file = us(await our_retrieval(on_file, queries))
            print(
                row(
                    f"retrieve top 4 of {memories:,} x {dim}, SQLite (us)",
                    ours_file,
                    raw,
                    "us",
                    "target < 10 ms",
                )
            )
            reopened = VectorMemory(on_file.embedder, path=Path(folder) / "m.db")
            start = time.perf_counter()
            await reopened.retrieve_context("query")
            print(
                f"  first retrieval of a new process's memory (loads {memories:,} rows): "
                f"{(time.perf_counter() - start) * 1e3:.1f} ms"
            )
            await on_file.aclose()
            await reopened.aclose()
        raw_rate = raw_store_rate(dim, memories)
        print(
            row(
                f"store, {dim}-dim, in memory (memories/s)",
                rate,
                raw_rate,
                "/s",
                "raw = list.append of the normalised vector",
            )
        )
        with tempfile.TemporaryDirectory() as folder:
            raw_file_rate = raw_sqlite_store_rate(dim, memories, Path(folder) / "raw.db")
        print(
            row(
                f"store, {dim}-dim, SQLite file (memories/s)",
                file_rate,
                raw_file_rate,
                "/s",
                "raw = sqlite3 INSERTs alone, one commit each",
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    anyio.run(run, args.memories, args.queries)


if __name__ == "__main__":
    main()
