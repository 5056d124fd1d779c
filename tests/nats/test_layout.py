"""Where things live in the NATS transport: nats-py internals in the shim, subjects in one place."""

from __future__ import annotations

import re
from pathlib import Path

import kaizen_actors

PACKAGE = Path(kaizen_actors.__file__).parent
INTERNALS = re.compile(r"\b(nc|sub|client)\._[a-z]|_flush_pending|_send_unsubscribe|_pending_queue")
SUBJECTS = re.compile(r"""f?["']ka\.(\{|[a-z]+\.)|["']KA_|["']ka-|_INBOX""")


def _sources(skip: str) -> dict[str, str]:
    return {
        str(path.relative_to(PACKAGE)): path.read_text()
        for path in PACKAGE.rglob("*.py")
        if path.name != skip
    }


def test_nats_internals_are_used_only_in_the_shim() -> None:
    found = [name for name, text in _sources("_nats_shim.py").items() if INTERNALS.search(text)]
    assert found == []


def test_subjects_are_built_only_in_nats_subjects() -> None:
    spans = "telemetry/_tracing.py"  # OpenTelemetry span and attribute names (ka.agent.turn)
    found = {
        name: match.group()
        for name, text in _sources("_nats_subjects.py").items()
        if name != spans
        for line in text.splitlines()
        if not line.lstrip().startswith(("#", "``", ":"))
        and (match := SUBJECTS.search(line.split("#")[0])) is not None
        and "tag=" not in line
    }
    assert found == {}


def test_the_helpers_use_no_private_member_of_the_transport() -> None:
    reach = re.compile(r"(?<!\.)\btransport\._[a-z]|\._nc\b")
    helpers = _sources("_nats_transport.py")
    assert [name for name, text in helpers.items() if reach.search(text)] == []
