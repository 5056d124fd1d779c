"""The page's and the timeline's HTML without a browser: page_html, /runs/<id>/timeline, the CLI."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from kaizen_actors.cli import main
from kaizen_actors.web import create_app
from kaizen_actors.web._page import page_html
from kaizen_actors.web._timeline import timeline_html

from .conftest import QUESTION, demo_team, read_events
from .server import serve

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Structure(HTMLParser):
    """Checks that every element is closed in order and that ids are unique."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value or "" for name, value in attrs if name == "id"]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def check_html(text: str) -> dict[str, Any]:
    """Assert ``text`` is a well-formed HTML document; returns its embedded JSON data."""
    assert text.startswith("<!doctype html>")
    parser = _Structure()
    parser.feed(text)
    parser.close()
    assert parser.open == [], f"unclosed: {parser.open}"
    assert len(parser.ids) == len(set(parser.ids)), parser.ids
    found = re.search(r'<script type="application/json" id="kaizen-data">(.*?)</script>', text)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def lanes(text: str) -> list[str]:
    return re.findall(r'<li class="c\d" data-lane="([^"]+)"', text)


TEAMS = [
    {
        "name": "debate",
        "pattern": "debate",
        "members": ["euler", "bob", "gauss"],
        "inputs": [{"name": "question", "type": "str", "desc": "", "required": True}],
        "outputs": [{"name": "answer", "type": "str", "desc": "", "required": True}],
    },
    {
        "name": "typed",
        "pattern": "agent",
        "members": ["solo"],
        "inputs": [
            {"name": "topic", "type": "str", "desc": "what </script> about", "required": True},
            {"name": "n", "type": "int", "desc": "", "required": False, "default": 3},
            {"name": "strict", "type": "bool", "desc": "", "required": False, "default": True},
            {"name": "tone", "type": 'one of "dry", "warm"', "desc": "", "required": True},
            {"name": "tags", "type": "list[str]", "desc": "", "required": False, "default": ["a"]},
        ],
        "outputs": [],
    },
]


def test_the_page_has_the_form_a_pane_per_agent_and_a_tab_per_team() -> None:
    text = page_html(TEAMS, None)
    data = check_html(text)
    assert data["team"]["name"] == "debate"
    assert '<form id="run-form"' in text
    assert re.search(r'<textarea name="question" data-kind="text"[^>]* required>', text)
    assert re.findall(r'<article class="pane (c\d)" data-agent="(\w+)"', text) == [
        ("c0", "euler"),
        ("c1", "bob"),
        ("c2", "gauss"),
    ]
    assert '<a class="tab" href="?team=debate" aria-current=page>' in text
    assert '<a class="tab" href="?team=typed">' in text
    assert 'id="result"' in text and 'id="tree"' in text and 'id="timeline"' in text


def test_each_input_type_gets_its_control_and_the_data_cannot_close_its_script() -> None:
    text = page_html(TEAMS, "typed")
    data = check_html(text)
    assert data["team"]["inputs"][0]["desc"] == "what </script> about"
    assert "</script> about" not in text.split('id="kaizen-data">')[1].split("</script>")[0]
    assert '<input type="number" step="1" name="n" data-kind="number" value="3">' in text
    assert '<input type="checkbox" name="strict" data-kind="bool" checked>' in text
    assert '<select name="tone" data-kind="json" required><option value="&quot;dry&quot;">' in text
    assert '<textarea name="tags" data-kind="json" rows="2" placeholder="JSON: list[str]">' in text
    assert "[&quot;a&quot;]</textarea>" in text


def test_a_team_whose_inputs_are_unknown_takes_them_as_json() -> None:
    remote = {**TEAMS[0], "inputs": []}
    text = page_html([remote], None)
    check_html(text)
    assert '<textarea name="$inputs" data-kind="inputs" rows="3">{}</textarea>' in text
    assert "<nav" not in text  # one team: no tabs


def test_the_standalone_timeline_embeds_the_events_and_a_lane_per_agent() -> None:
    events = [
        {
            "$type": "RunStarted",
            "seq": 0,
            "agent": None,
            "pattern": "debate",
            "time": 0.0,
            "inputs": {"question": "Is <b>1009</b> prime?"},
        },
        {"$type": "AgentStarted", "seq": 1, "agent": "bob", "round": 1, "time": 0.1},
        {
            "$type": "Token",
            "seq": 2,
            "agent": "bob",
            "text": "</script>",
            "field": "a",
            "time": 0.2,
        },
        {"$type": "AgentFinished", "seq": 3, "agent": "bob", "round": 1, "time": 0.3},
        {
            "$type": "RunFailed",
            "seq": 4,
            "agent": None,
            "reason": "timeout",
            "error": "too slow",
            "error_type": "RunTimeout",
            "time": 0.4,
        },
    ]
    status = {
        "run_id": "abc",
        "team": "debate",
        "state": "failed",
        "output": None,
        "usage": None,
        "error": {"type": "RunTimeout", "reason": "timeout", "message": "too slow"},
    }
    text = timeline_html(status, events)
    data = check_html(text)
    assert data == {"agents": ["bob"], "events": events}
    assert lanes(text) == ["bob"]
    assert "<title>debate: Is &lt;b&gt;1009&lt;/b&gt; prime? · timeline</title>" in text
    assert "RunTimeout: too slow" in text
    assert '<section class="card result" data-state="failed">' in text


@pytest.mark.anyio
async def test_the_app_serves_the_page_and_a_finished_runs_timeline() -> None:
    app = create_app({"debate": demo_team(), "consensus": demo_team("consensus")})
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        page = await client.get("/", params={"team": "consensus"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert check_html(page.text)["team"]["members"] == [
            "ada",
            "grace",
            "alan",
            "edsger",
            "barbara",
        ]
        response = await client.post("/runs", json={"team": "debate", "inputs": QUESTION})
        run_id = response.json()["run_id"]
        events = await read_events(client, f"/runs/{run_id}/events")
        timeline = await client.get(f"/runs/{run_id}/timeline")
    assert timeline.status_code == 200
    data = check_html(timeline.text)
    assert data["events"] == [e["data"] for e in events]
    assert lanes(timeline.text) == ["euler", "bob", "gauss"]
    assert "debate: Is 1009 a prime number?" in timeline.text
    assert '<section class="card result" data-state="finished">' in timeline.text
    assert "<dt>answer</dt><dd>yes</dd>" in timeline.text


def test_the_demo_writes_its_runs_timeline(tmp_path: Path) -> None:
    path = tmp_path / "run.html"
    assert main(["demo", "consensus", "--timeline", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    data = check_html(text)
    assert lanes(text) == ["ada", "grace", "alan", "edsger", "barbara"]
    kinds = [e["$type"] for e in data["events"]]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished" and "Vote" in kinds
    assert [e["seq"] for e in data["events"]] == list(range(len(kinds)))
    times = [e["time"] for e in data["events"]]
    assert times == sorted(times)
    assert "<dt>answer</dt><dd>Canberra</dd>" in text


def test_the_actors_demo_has_no_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "never.html"
    assert main(["demo", "actors", "--timeline", str(path)]) == 2
    assert "--timeline" in capsys.readouterr().err
    assert not path.exists()
