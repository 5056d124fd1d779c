"""Embedders: texts to vectors, through litellm or a function.

An embedder is given as a litellm embedding model name (``"openai/
text-embedding-3-small"``; called with ``litellm.aembedding``, litellm
imported in a worker thread on first use, offline price list as for chat
models) or a function ``list[str] -> list[list[float]]``: an ``async def``
is awaited, a plain function runs in a worker thread (embedding is CPU
work).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import anyio

from ...messages import ConfigError, ModelError

__all__ = ["Embed", "resolve_embedder"]

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]
"""``await embed(texts)``: one vector per text."""


def resolve_embedder(embedder: Any, params: Mapping[str, Any] | None = None) -> Embed:
    """``embedder`` as an async function of texts (checked: one vector per text).

    Args:
        embedder: a litellm embedding model name or a function (sync or async).
        params: passed to ``litellm.aembedding`` (``api_base``, ``api_key``,
            ``dimensions``, ``mock_response``...); only with a model name.

    Raises:
        ConfigError: when ``embedder`` is neither (key ``"embedder"``), or
            ``params`` are given with a function.

    """
    if isinstance(embedder, str) and embedder.strip():
        return partial(_litellm_embed, embedder, dict(params or {}))
    if callable(embedder):
        if params:
            raise ConfigError(
                "embed_params: only for a litellm embedding model name, not a function",
                key="embed_params",
            )
        return partial(_function_embed, embedder)
    raise ConfigError(
        f"embedder: a litellm embedding model name or a function list[str] -> "
        f"list[list[float]], got {embedder!r}",
        key="embedder",
    )


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def _checked(source: str, texts: list[str], vectors: Any) -> list[list[float]]:
    if not isinstance(vectors, list | tuple) or len(vectors) != len(texts):
        got = len(vectors) if isinstance(vectors, list | tuple) else type(vectors).__name__
        raise ModelError(
            f"embedder {source} returned {got} vectors for {len(texts)} texts "
            "(it must return one vector per text)",
            model=source,
        )
    return list(vectors)


async def _function_embed(fn: Callable[..., Any], texts: list[str]) -> list[list[float]]:
    if _is_async(fn):
        vectors = await fn(texts)
    else:
        vectors = await anyio.to_thread.run_sync(fn, texts)
    return _checked(getattr(fn, "__name__", repr(fn)), texts, vectors)


async def _litellm_embed(name: str, params: dict[str, Any], texts: list[str]) -> list[list[float]]:
    from ..models._litellm import load_litellm, map_litellm_error

    litellm = await load_litellm()
    try:
        response = await litellm.aembedding(model=name, input=texts, **params)
    except Exception as exc:
        secrets = [str(v) for k, v in params.items() if "key" in k.lower() and v]
        raise map_litellm_error(exc, name, secrets) from None
    vectors = [item["embedding"] for item in response.data]
    return _checked(name, texts, vectors)
