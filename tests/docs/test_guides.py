"""Every ```python block of the documentation runs, offline, page by page.

A page's blocks run in order in one fresh interpreter and one namespace, as a
reader would paste them, with ``ScriptedModel`` for every model. Tracebacks
name the page and its line. A page whose code names ``nats://127.0.0.1:4222``
runs against a real nats-server (the test's, on a free port). A block may be
left out only with ``<!-- skip: reason -->`` on the line before it; the page
says why (a server that runs until interrupted, another framework's code).
A block may include a file of the checkout (``--8<-- "examples/pipeline.py"``,
pymdownx.snippets): it runs as included.
The ```js block of the streaming guide runs with node against a live server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import pytest

from kaizen_actors.cli._web import demo_teams
from kaizen_actors.web import create_app
from tests.web.server import serve

if TYPE_CHECKING:
    from tests.natsserver import NatsServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "reference" not in p.parts)
NATS_URL = "nats://127.0.0.1:4222"
AGUI_JS = ROOT / "tests" / "web" / "js" / "node_modules"

_FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_SKIP = re.compile(r"<!-- skip: (.+?) -->\s*$")
_SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.MULTILINE)

RUNNER = """
import json, sys
blocks = json.load(open(sys.argv.pop()))
sys.argv = ["example"]                             # an included example parses no arguments
namespace = {"__name__": "__main__"}
for block in blocks:
    code = "\\n" * block["line"] + block["code"]   # tracebacks give the page's own line numbers
    exec(compile(code, block["page"], "exec"), namespace)
"""

pytestmark = pytest.mark.slow


@dataclass
class Block:
    page: str
    line: int  # of the block's first line of code, 0-based
    language: str
    code: str
    skip: str | None


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = _SKIP.search(before)
        found.append(
            Block(
                page=str(page.relative_to(ROOT)),
                line=text.count("\n", 0, match.start()) + 1,
                language=match.group(1),
                code=_SNIPPET.sub(lambda m: (ROOT / m.group(1)).read_text(), match.group(2)),
                skip=skip.group(1) if skip else None,
            )
        )
    return found


def python_blocks(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.language == "python" and b.skip is None]


def run_page(
    page: Path, tmp_path: Path, nats: NatsServer | None
) -> subprocess.CompletedProcess[str]:
    code = [vars(b) for b in python_blocks(page)]
    if nats is not None:
        for block in code:
            block["code"] = block["code"].replace(NATS_URL, nats.url)
    script = tmp_path / "blocks.json"
    script.write_text(json.dumps(code))
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )


RUNNABLE = [p for p in PAGES if python_blocks(p)]


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(DOCS)) for p in RUNNABLE])
def test_the_code_of_the_page_runs_offline(
    page: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    needs_nats = any(NATS_URL in b.code for b in python_blocks(page))
    nats = request.getfixturevalue("nats_server") if needs_nats else None
    done = run_page(page, tmp_path, nats)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def test_every_guide_has_code_that_runs() -> None:
    guides = [p for p in PAGES if p.parent.name == "guides"]
    assert len(guides) >= 8
    assert [p.name for p in guides if not python_blocks(p)] == []


def test_blocks_left_out_are_few_and_say_why() -> None:
    skipped = [b for p in PAGES for b in blocks(p) if b.skip is not None]
    assert len(skipped) <= 8, [(b.page, b.line) for b in skipped]
    assert all(len(b.skip or "") >= 10 for b in skipped)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_streaming_guides_js_client_runs_against_a_live_server(tmp_path: Path) -> None:
    if not (AGUI_JS / "@ag-ui" / "client").is_dir():
        message = "run: npm ci --prefix tests/web/js"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    (js,) = [b for b in blocks(DOCS / "guides" / "streaming.md") if b.language == "js"]
    (tmp_path / "node_modules").symlink_to(AGUI_JS)
    (tmp_path / "client.mjs").write_text(js.code)
    async with serve(create_app(demo_teams(token_delay=0))) as url:
        with anyio.fail_after(60):
            done = await anyio.run_process(
                ["node", str(tmp_path / "client.mjs"), f"{url}/agui/debate"], check=False
            )
    assert done.returncode == 0, done.stderr.decode()
    assert "RUN_FINISHED" in done.stdout.decode()
