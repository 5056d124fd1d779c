"""``VectorMemory``: memories recalled by cosine similarity, optionally kept in SQLite.

Vectors are normalised when stored and kept as rows of one float32 matrix
whose capacity doubles as it fills (a store copies one row), so a
retrieval is one matrix-vector product and an ``argpartition`` for the top
``k``. With ``path``, the rows also live in a SQLite file
(:class:`~._store.VectorStore`); before each retrieval the rows other
processes added since (``id`` greater than the last one seen) are read, so
two processes sharing the file see each other's memories. File work and
large products run in a worker thread.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import numpy as np

from ...messages import ConfigError
from ._embed import resolve_embedder
from ._provider import as_context
from ._store import VectorStore

if TYPE_CHECKING:
    from collections.abc import Mapping
    from os import PathLike

    from numpy.typing import NDArray

    from ._store import Row

__all__ = ["VectorMemory"]

_INLINE_LIMIT = 1 << 24
"""Products with more matrix cells than this (about 1 ms of work) run in a worker thread.

Measured: 10,000 x 384 cells take 0.2 ms (bench/bench_memory.py)."""


class _Index:
    """Normalised vectors (rows of a growing matrix) with their ids, texts and metadata."""

    __slots__ = ("contents", "ids", "matrix", "metadata", "size")

    def __init__(self) -> None:
        self.matrix: NDArray[np.float32] | None = None
        self.size = 0
        self.ids: list[str] = []
        self.contents: list[str] = []
        self.metadata: list[str] = []

    def append(self, row_id: str, content: str, metadata: str, vector: NDArray[np.float32]) -> None:
        matrix = self.matrix
        if matrix is None:
            matrix = self.matrix = np.empty((64, vector.shape[0]), dtype=np.float32)
        elif vector.shape[0] != matrix.shape[1]:
            raise ConfigError(
                f"embedder: a {vector.shape[0]}-dimensional vector for a memory holding "
                f"{matrix.shape[1]}-dimensional ones (was it filled with another embedder?)",
                key="embedder",
            )
        if self.size == matrix.shape[0]:
            grown = np.empty((2 * self.size, matrix.shape[1]), dtype=np.float32)
            grown[: self.size] = matrix
            matrix = self.matrix = grown
        # A search holding a snapshot reads rows below its size only: safe.
        matrix[self.size] = vector
        self.ids.append(row_id)
        self.contents.append(content)
        self.metadata.append(metadata)
        self.size += 1

    def snapshot(self) -> tuple[NDArray[np.float32] | None, int]:
        return self.matrix, self.size


def _normalised(vector: Any) -> NDArray[np.float32]:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def _top(matrix: NDArray[np.float32], size: int, query: NDArray[np.float32], k: int) -> Any:
    """``(rows, scores)`` of the ``k`` best rows, best first."""
    scores = matrix[:size] @ query
    if k < size:
        rows = np.argpartition(-scores, k - 1)[:k]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
    else:
        rows = np.argsort(-scores, kind="stable")
    return rows, scores[rows]


class VectorMemory:
    """Memories recalled by cosine similarity to the turn's inputs.

    Each stored context is embedded once; before a turn the inputs are
    embedded and the ``k`` most similar memories are put in the prompt
    (under ``Relevant memories:``, most similar first), each as a dict with
    ``content``, ``score`` (the cosine similarity), ``id`` and
    ``metadata`` (the rest of the stored context: an agent's turn stores
    its ``inputs`` and ``outputs``). With ``path`` the memories are kept in
    a SQLite file (WAL mode) that a later process, or another one at the
    same time, reads: each sees what the other stored by its next
    retrieval. Safe to share between tasks and threads.

    Args:
        embedder: a litellm embedding model name, or a function ``list[str]
            -> list[list[float]]`` (``async def`` awaited, a plain function
            run in a worker thread).
        path: the SQLite file (created when missing); ``None`` keeps the
            memories in this process only.
        k: how many memories a retrieval returns by default.
        embed_params: passed to ``litellm.aembedding`` with a model name
            (``api_key``, ``dimensions``, ``mock_response``...).

    Raises:
        ConfigError: when ``embedder`` is neither a name nor a function
            (key ``"embedder"``), ``k`` is not a positive integer (key
            ``"k"``) or ``path`` is not a path (key ``"path"``); later, when
            the embedder's vectors do not have the dimension of those
            already stored (key ``"embedder"``).
        ModelError: (from a store or a retrieval) when the embedding model
            fails, or returns a wrong number of vectors.

    Version added: 0.1

    """

    def __init__(
        self,
        embedder: Any,
        path: str | PathLike[str] | None = None,
        k: int = 4,
        *,
        embed_params: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ConfigError(f"k: a positive number of memories, got {k!r}", key="k")
        if path is not None and not isinstance(path, str | Path):
            raise ConfigError(f"path: a file path or None, got {path!r}", key="path")
        self.embedder = embedder
        self.path = Path(path) if path is not None else None
        self.k = k
        self._embed = resolve_embedder(embedder, embed_params)
        self._store = VectorStore(self.path) if self.path is not None else None
        self._index = _Index()
        self._lock = threading.Lock()
        self._seen = 0
        self._epoch: int | None = None

    def __len__(self) -> int:
        """The memories loaded in this process (a file's new rows load at the next retrieval)."""
        return self._index.size

    def __repr__(self) -> str:
        where = f", path={str(self.path)!r}" if self.path is not None else ""
        return f"VectorMemory(embedder={self.embedder!r}{where}, k={self.k})"

    async def store_context(self, context: Mapping[str, Any] | str) -> str:
        """Embed and remember ``context`` (a dict with ``"content"``, or the text alone).

        Returns:
            The memory's id.

        Raises:
            ConfigError: when ``context`` has no text ``"content"``, or the
                vector's dimension differs from the stored ones.
            ModelError: when the embedder fails.

        """
        ctx = as_context(context)
        content = ctx.pop("content")
        [vector] = await self._embed([content])
        row = _normalised(vector)
        metadata = json.dumps(ctx, ensure_ascii=False, default=str)
        if self._store is None:
            with self._lock:
                row_id = str(self._index.size + 1)
                self._index.append(row_id, content, metadata, row)
            return row_id
        return await anyio.to_thread.run_sync(self._insert, content, metadata, row)

    async def retrieve_context(self, query: str, k: int | None = None) -> list[dict[str, Any]]:
        """The ``k`` (default ``self.k``) memories most similar to ``query``, most similar first.

        Raises:
            ConfigError: when ``k`` is not a positive integer, or the query's
                vector has another dimension than the stored ones.
            ModelError: when the embedder fails.

        """
        if k is None:
            k = self.k
        elif not isinstance(k, int) or k < 1:
            raise ConfigError(f"k: a positive number of memories, got {k!r}", key="k")
        [vector] = await self._embed([query])
        q = _normalised(vector)
        if self._store is not None:
            return await anyio.to_thread.run_sync(self._search, q, k, True)
        matrix, size = self._index.snapshot()
        if matrix is not None and size * matrix.shape[1] > _INLINE_LIMIT:
            return await anyio.to_thread.run_sync(self._search, q, k, False)
        return self._search(q, k, False)

    async def clear(self) -> None:
        """Forget every memory (with ``path``, the file's too: other processes notice)."""
        if self._store is None:
            with self._lock:
                self._index = _Index()
            return
        await anyio.to_thread.run_sync(self._clear_file)

    async def aclose(self) -> None:
        """Close the SQLite file (a later call opens it again); nothing without ``path``."""
        if self._store is not None:
            await anyio.to_thread.run_sync(self._close_file)

    def _insert(self, content: str, metadata: str, vector: NDArray[np.float32]) -> str:
        assert self._store is not None
        with self._lock:
            row_id = self._store.insert(content, metadata, vector.tobytes())
            if row_id == self._seen + 1 and self._epoch is not None:
                # No other writer since the last look (a clear elsewhere is
                # noticed by the next retrieval's epoch check).
                self._index.append(str(row_id), content, metadata, vector)
                self._seen = row_id
            else:
                self._catch_up()
        return str(row_id)

    def _catch_up(self) -> None:
        """Load the file's rows added since the last look (everything after a clear)."""
        assert self._store is not None
        epoch, rows = self._store.rows_after(self._seen)
        if epoch != self._epoch:
            if self._epoch is not None:
                self._index = _Index()
                self._seen = 0
                epoch, rows = self._store.rows_after(0)
            self._epoch = epoch
        self._load(rows)

    def _load(self, rows: list[Row]) -> None:
        for row_id, content, metadata, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            self._index.append(str(row_id), content, metadata, vector)
            self._seen = row_id

    def _search(self, query: NDArray[np.float32], k: int, sync: bool) -> list[dict[str, Any]]:
        with self._lock:
            if sync:
                self._catch_up()
            index = self._index
            matrix, size = index.snapshot()
        if matrix is None or size == 0:
            return []
        if query.shape[0] != matrix.shape[1]:
            raise ConfigError(
                f"embedder: a {query.shape[0]}-dimensional query for a memory holding "
                f"{matrix.shape[1]}-dimensional vectors (was it filled with another embedder?)",
                key="embedder",
            )
        rows, scores = _top(matrix, size, query, k)
        return [
            {
                "content": index.contents[i],
                "score": float(score),
                "id": index.ids[i],
                "metadata": json.loads(index.metadata[i]),
            }
            for i, score in zip(rows.tolist(), scores.tolist(), strict=True)
        ]

    def _clear_file(self) -> None:
        assert self._store is not None
        with self._lock:
            self._store.clear()
            self._catch_up()

    def _close_file(self) -> None:
        assert self._store is not None
        with self._lock:
            self._store.close()
