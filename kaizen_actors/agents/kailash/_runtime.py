"""The shared Kailash runtime: one ``AsyncLocalRuntime`` per event loop.

Sized so concurrent agents overlap (Kailash's default of 10 concurrent nodes
per runtime would serialise them), with monitoring and tracking files off, no
Kailash execution timeout (the caller owns deadlines) and workflow analysis on
(without it Kailash runs async nodes on another loop in a thread, where tokens
arrive late and cancellation does not reach the model). The runtime is closed
when its loop is garbage-collected or at interpreter exit.

Kailash's runtime is asyncio-only: agents run under the asyncio backend.

Importing kailash takes a few hundred milliseconds, and its runtime's first
run imports 150 more modules (its trust layer, cryptography, jwt).
:func:`load_kailash` does both in a worker thread, so an agent made inside a
running loop does not stall it: the agent compiles its workflow on its first
turn, after that load.

Starting a turn costs a few hundred microseconds of synchronous Kailash work
(more on an agent's first turn). When many turns start in the same loop
iteration (100 agents started at once), that work would run back to back and
stall the loop; :func:`admit` spreads turn starts over loop iterations, one
per iteration.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import math
import sys
import threading
import weakref
from collections import deque
from typing import Any

import anyio

__all__ = [
    "CancelProbe",
    "admit",
    "kailash_loaded",
    "load_kailash",
    "run_workflow",
    "running_loop",
    "shared_runtime",
]

MAX_CONCURRENT_NODES = 1 << 20
STARTS_PER_ITERATION = 1
"""Turns allowed to start per event-loop iteration (see :func:`admit`)."""

_runtimes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

_KAILASH_MODULES = (
    "kaizen_actors.agents.kailash._nodes",  # kailash's nodes and WorkflowBuilder, and ours
    "kailash.runtime.async_local",  # the shared runtime
    # imported by the runtime's first run:
    "kailash.runtime.trust",
    "kailash.trust.auth",  # (with jwt and cryptography)
    "kailash.workflow.credentials",
)


_loaded = False
_load: concurrent.futures.Future[None] | None = None
_load_lock = threading.Lock()


def kailash_loaded() -> bool:
    """Whether the modules an agent's turn needs are imported."""
    return _loaded or all(name in sys.modules for name in _KAILASH_MODULES)


def _import_kailash(done: concurrent.futures.Future[None]) -> None:
    global _loaded
    try:
        for name in _KAILASH_MODULES:
            # A later kailash may move what its first run imports; then that
            # run imports it, as before. An import that fails here (or is cut
            # short by the interpreter exiting) is tried again, and raises,
            # where it is used.
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        _loaded = True
    finally:
        done.set_result(None)


async def load_kailash() -> None:
    """Import kailash and what its runtime's first run imports, in a worker thread.

    One thread does it for the whole process: concurrent first turns (on any
    loop) wait for the same load.
    """
    global _load
    running_loop()  # a clear error first, under another event loop
    if kailash_loaded():
        return
    with _load_lock:
        if _load is None:
            _load = concurrent.futures.Future()
            _load.set_running_or_notify_cancel()  # a waiter's cancel must not cancel it
            threading.Thread(
                target=_import_kailash, args=(_load,), name="kaizen-actors: import kailash"
            ).start()
        load = _load
    await asyncio.wrap_future(load)


def running_loop() -> asyncio.AbstractEventLoop:
    """The running asyncio loop.

    Raises:
        RuntimeError: when not called from an asyncio event loop (Kailash
            needs asyncio; under anyio use the asyncio backend).

    """
    loop = asyncio._get_running_loop()  # noqa: SLF001 - None, not an exception, without a loop
    if loop is None:
        raise RuntimeError(
            "kaizen-actors agents run on asyncio (Kailash's runtime is asyncio-only); "
            "use the asyncio backend of anyio"
        )
    return loop


def shared_runtime() -> Any:
    """The ``AsyncLocalRuntime`` of the running event loop, created on first use.

    Raises:
        RuntimeError: when not called from an asyncio event loop (Kailash
            needs asyncio; under anyio use the asyncio backend).

    """
    loop = running_loop()
    runtime = _runtimes.get(loop)
    if runtime is None:
        from kailash.runtime.async_local import AsyncLocalRuntime

        runtime = AsyncLocalRuntime(
            max_concurrent_nodes=MAX_CONCURRENT_NODES,
            enable_monitoring=False,
            enable_analysis=True,
            enable_profiling=False,
            execution_timeout=0,
            thread_pool_size=1,
        )
        _runtimes[loop] = runtime
        weakref.finalize(loop, runtime.close)
    return runtime


class _StartGate:
    """Admits at most :data:`STARTS_PER_ITERATION` turn starts per loop iteration.

    A turn's start costs synchronous work in two loop iterations (the caller's
    part of Kailash's run, then the node task's first step, which on an
    agent's first turn includes Kailash's parameter-mapping setup), so a count
    bounds the work per iteration where a time budget could not. Waiters
    queue in order and are woken a few per iteration.
    """

    __slots__ = ("_admitted", "_scheduled", "_waiters")

    def __init__(self) -> None:
        self._admitted = 0
        self._scheduled = False
        self._waiters: deque[anyio.Event] = deque()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._next_iteration)

    def _next_iteration(self) -> None:
        self._scheduled = False
        self._admitted = 0
        while self._waiters and self._admitted < STARTS_PER_ITERATION:
            self._admitted += 1
            self._waiters.popleft().set()
        if self._admitted:
            self._schedule()

    async def enter(self) -> None:
        if self._admitted < STARTS_PER_ITERATION and not self._waiters:
            self._admitted += 1
            self._schedule()
            return
        event = anyio.Event()
        self._waiters.append(event)
        self._schedule()
        try:
            await event.wait()
        except BaseException:
            if not event.is_set():
                self._waiters.remove(event)
            raise


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _StartGate] = (
    weakref.WeakKeyDictionary()
)


async def admit() -> None:
    """Wait (a loop iteration or more) until this iteration may start another turn.

    Raises:
        RuntimeError: when not called from an asyncio event loop.

    """
    loop = running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = _StartGate()
    await gate.enter()


async def run_workflow(workflow: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """Execute a built workflow on the shared runtime; return its results by node id.

    Raises:
        WorkflowExecutionError: (Kailash's) when a node failed.

    """
    results: dict[str, Any]
    results, _kailash_run_id = await shared_runtime().execute_workflow_async(workflow, inputs)
    return results


class CancelProbe:
    """Tells whether the task that made it is asked to stop, without a trip through the loop.

    Made once per streaming turn (the task and the loop's clock are looked up
    then, not per token). A call is true when the task was cancelled
    (``Task.cancel``: another task, a parent's task group; anyio delivers a
    scope cancelled from another task that way too), when an enclosing anyio
    cancel scope was cancelled from this task (which anyio delivers only at
    the next checkpoint), or when its deadline has passed (its timer has not
    fired yet). The caller then awaits a checkpoint, where the cancellation
    lands.

    Args:
        thorough: look at the enclosing anyio scopes on every call. Without
            it, their deadline is read once, here: for a turn whose tokens go
            to code of ours that cancels nothing (``agent.stream``'s buffer),
            nothing in this task can cancel or move them between two calls,
            and the anyio lookup is half the cost of a streamed token.

    """

    __slots__ = ("_deadline", "_task", "_thorough", "_time")

    def __init__(self, *, thorough: bool = True) -> None:
        self._task = asyncio.current_task()
        self._time = asyncio.get_running_loop().time  # anyio's clock on asyncio
        self._thorough = thorough
        self._deadline = anyio.current_effective_deadline()

    def __call__(self) -> bool:
        task = self._task
        if task is not None and task.cancelling():
            return True
        if self._thorough:
            return anyio.current_effective_deadline() <= self._time()
        deadline = self._deadline
        return deadline != math.inf and deadline <= self._time()
