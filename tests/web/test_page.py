"""The live page in a real browser (Debian's chromium, driven by Playwright) against uvicorn."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio
import httpx
import pytest
from anyio.abc import SocketStream
from playwright.async_api import Browser, Page, async_playwright

import kaizen_actors as ka
from kaizen_actors.web import create_app

from .conftest import QUESTION, demo_team, read_events
from .server import serve

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

CHROMIUM = Path("/usr/lib/chromium/chromium")
FLAGS = [  # no internet here: keep Chromium from trying its own connections
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
DELAY = 0.02  # seconds between the scripted agents' tokens: a debate streams for about 1.5 s
AGENTS = ["euler", "bob", "gauss"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-page.png"

PANES = """[...document.querySelectorAll(".pane[data-agent]")]"""
PANE_TEXTS = f"""() => Object.fromEntries({PANES}.map((pane) => [
    pane.dataset.agent,
    [...pane.querySelectorAll(".text")].map((text) => text.textContent).join(""),
]))"""
STREAMING_IN_TWO_PANES = f"""() => document.body.dataset.state === "running"
    && {PANES}.filter((pane) => pane.querySelector(".text")?.textContent).length >= 2"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip("apt-get install chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@asynccontextmanager
async def demo_app(**more: ka.Agent) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    teams: dict[str, Any] = {
        name: demo_team(name, delay=DELAY) for name in ("debate", "consensus", "supervisor")
    }
    app = create_app(teams | more)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield url, client


async def open_page(browser: Browser, url: str, errors: list[str], team: str = "debate") -> Page:
    context = await browser.new_context(viewport={"width": 1360, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{url}/?team={team}")
    return page


async def start_debate(page: Page) -> str:
    """Start a debate from the form; returns its run id (from the page's URL)."""
    await page.fill("#run-form [name=question]", QUESTION["question"])
    await page.click("#run-button")
    await page.wait_for_function(STREAMING_IN_TWO_PANES)
    return parse_qs(urlparse(page.url).query)["run"][0]


async def spoken(client: httpx.AsyncClient, run_id: str) -> tuple[dict[str, str], dict[str, int]]:
    """Each agent's streamed text and turns, from the run's replay."""
    events = [e["data"] for e in await read_events(client, f"/runs/{run_id}/events")]
    texts, turns = {}, {}
    for agent in AGENTS:
        mine = [e for e in events if e["agent"] == agent]
        texts[agent] = "".join(e["text"] for e in mine if e["$type"] == "Token")
        turns[agent] = sum(e["$type"] == "AgentStarted" for e in mine)
    return texts, turns


async def check_panes(page: Page, client: httpx.AsyncClient, run_id: str) -> None:
    """Each pane holds exactly what its agent said, once, turn by turn."""
    texts, turns = await spoken(client, run_id)
    assert all(texts.values())
    assert await page.evaluate(PANE_TEXTS) == texts
    for agent, count in turns.items():
        assert await page.locator(f'.pane[data-agent="{agent}"] .turn').count() == count


async def test_the_page_streams_a_debate_resumes_after_a_reload_and_shows_the_result(
    browser: Browser, tmp_path: Path
) -> None:
    errors: list[str] = []
    async with demo_app() as (url, client):
        page = await open_page(browser, url, errors)
        run_id = await start_debate(page)
        assert (await client.get(f"/runs/{run_id}")).json()["state"] == "running"

        await page.reload()  # in the middle: the page replays the run from its start
        assert parse_qs(urlparse(page.url).query)["run"] == [run_id]
        await page.wait_for_selector("#result:not([hidden])")
        assert await page.evaluate("document.body.dataset.state") == "finished"
        await check_panes(page, client, run_id)

        result = page.locator("#result")
        assert await result.locator("dt").all_text_contents() == ["answer", "reasoning"]
        assert (await result.locator("dd").first.text_content()) == "yes"
        metrics = await result.locator(".metric").all_inner_texts()
        assert [m.split("\n")[-1].lower() for m in metrics] == ["tokens", "calls", "cost", "time"]
        assert metrics[1].startswith("6")  # calls: 3 agents x 2 rounds

        for agent in AGENTS:  # the supervision tree, polled at the run's end
            await page.locator(f'#tree [data-actor="{agent}"]').wait_for()
        timeline = page.locator("svg#timeline")
        assert await timeline.locator("[data-lane]").count() == 3
        assert await timeline.locator("rect.turn").count() == 6
        assert await timeline.locator(".round-label").all_text_contents() == ["round 1", "round 2"]

        await page.screenshot(path=tmp_path / "page.png", full_page=True)
        if os.environ.get("KAIZEN_SCREENSHOT"):
            await page.screenshot(path=SCREENSHOT, full_page=True)

        await page.goto(f"{url}/runs/{run_id}/timeline")  # the standalone timeline draws too
        assert await page.locator("svg#timeline [data-lane]").count() == 3
        assert await page.locator("svg#timeline rect.turn").count() == 6
    assert errors == []


@asynccontextmanager
async def cuttable_proxy(url: str) -> AsyncIterator[tuple[str, Callable[[], None]]]:
    """A TCP proxy to ``url``; yields its URL and a function that drops every connection."""
    upstream = urlparse(url)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    cut_scopes: set[anyio.CancelScope] = set()

    async def pipe(source: SocketStream, sink: SocketStream) -> None:
        with suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            while True:
                await sink.send(await source.receive())

    async def relay(client: SocketStream) -> None:
        with anyio.CancelScope() as scope:
            cut_scopes.add(scope)
            server = await anyio.connect_tcp(upstream.hostname, upstream.port)
            async with client, server, anyio.create_task_group() as tg:
                tg.start_soon(pipe, server, client)
                await pipe(client, server)
        cut_scopes.discard(scope)

    def cut() -> None:
        for scope in cut_scopes:
            scope.cancel()

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, relay)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        yield f"http://127.0.0.1:{port}", cut
        tg.cancel_scope.cancel()


async def test_the_page_resumes_by_itself_after_a_dropped_connection(browser: Browser) -> None:
    errors: list[str] = []
    async with demo_app() as (url, client), cuttable_proxy(url) as (proxied, cut):
        page = await open_page(browser, proxied, errors)
        run_id = await start_debate(page)
        cut()
        await page.wait_for_function("document.body.dataset.state === 'reconnecting'")
        await page.wait_for_selector("#result:not([hidden])")
        await check_panes(page, client, run_id)
        assert (await client.get(f"/runs/{run_id}")).json()["state"] == "finished"
    assert errors == []


async def test_the_page_shows_inputs_the_server_refuses_and_stops_a_run(browser: Browser) -> None:
    errors: list[str] = []
    counter = ka.Agent("counter", "n: int, tags: list[str] -> answer", ka.ScriptedModel())
    async with demo_app(counter=counter) as (url, client):
        page = await open_page(browser, url, errors, team="counter")
        await page.fill("#run-form [name=n]", "3")
        await page.fill("#run-form [name=tags]", "[1, 2]")
        await page.click("#run-button")
        refusal = page.locator("#form-error")
        await refusal.wait_for()
        assert "input field 'tags' expects list[str]" in (await refusal.text_content() or "")

        await page.goto(f"{url}/?team=debate")
        run_id = await start_debate(page)
        await page.click("#stop-button")
        await page.wait_for_selector("#result:not([hidden])")
        assert await page.evaluate("document.body.dataset.state") == "cancelled"
        assert (await client.get(f"/runs/{run_id}")).json()["state"] == "cancelled"
        statuses = await page.locator(".pane .status").all_text_contents()
        assert "thinking" not in statuses and "stopped" in statuses
    assert errors == []
