"""``kaizen-actors docs``: builds the site of the checkout and serves it on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kaizen_actors.cli import _docs, main
from tests.natsserver import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_docs_serves_the_built_site_from_any_folder(tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from kaizen_actors.cli import main; sys.exit(main())",
        "docs",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE) as process:
        try:
            index = wait_for(f"http://127.0.0.1:{port}/", process)
            assert "Getting started" in index
            for page in ("guides/cancellation/", "reference/", "search/search_index.json"):
                assert httpx.get(f"http://127.0.0.1:{port}/{page}").status_code == 200, page
            assert httpx.get(f"http://127.0.0.1:{port}/nope/").status_code == 404
        finally:
            process.terminate()
            process.wait(20)


def wait_for(url: str, process: subprocess.Popen[bytes]) -> str:
    # the build comes first: a few seconds, more on a busy machine
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, "kaizen-actors docs exited"
        try:
            response = httpx.get(url)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert response.status_code == 200
        return response.text
    raise AssertionError(f"{url} did not answer within 180 s")


def test_docs_without_mkdocs_says_to_install_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("mkdocs", "mkdocs.commands.build", "mkdocs.config", "mkdocs.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(SystemExit, match=r"install the docs extra: pip install -e '\.\[docs\]'"):
        main(["docs", "--config", str(ROOT / "mkdocs.yml")])


def test_docs_with_a_missing_config_names_it() -> None:
    with pytest.raises(SystemExit, match=r"no such file: nope\.yml"):
        main(["docs", "--config", "nope.yml"])


def test_docs_outside_a_source_checkout_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    installed = tmp_path / "site-packages" / "kaizen_actors" / "cli" / "_docs.py"
    monkeypatch.setattr(_docs, "__file__", str(installed))
    with pytest.raises(SystemExit, match="source checkout"):
        main(["docs"])
