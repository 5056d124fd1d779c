"""The audit trail: a real run's file verifies, tampering fails it, secrets never reach it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kaizen_actors as ka
from kaizen_actors.actors import Actor, ActorContext, ActorSystem
from kaizen_actors.agents import Agent, ScriptedModel, ToolCall
from kaizen_actors.cli import main
from kaizen_actors.coordination import Budget, Debate, Solo, team
from kaizen_actors.telemetry import AuditLog, redact

from ..coordination.models import CrashModel, scripted

pytestmark = pytest.mark.anyio


async def debate_trail(path: Path | None = None, **kw: Any) -> tuple[AuditLog, str]:
    log = AuditLog(path, **kw)
    agents = [scripted("a", "yes", "yes"), scripted("b", "yes", "yes")]
    async with team(*agents, pattern=Debate(rounds=2), audit=log) as t:
        result = await t.run(question="is the sky blue?")
    await log.flush()
    return log, result.run_id


async def test_a_real_runs_file_verifies_and_holds_each_kind_with_actor_and_run_id(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    log, run_id = await debate_trail(path)
    assert AuditLog.verify(path) is True
    assert await AuditLog.averify(path) is True
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == log.records()
    kinds = [r["kind"] for r in lines]
    assert kinds[0] == "run" and kinds[-1] == "run"
    assert {"run", "turn", "model_call"} <= set(kinds)
    for record in lines:
        assert {"seq", "time", "kind", "actor", "run_id", "hash"} <= record.keys()
        assert record["run_id"] == run_id and record["actor"]
    model_call = next(r for r in lines if r["kind"] == "model_call")
    assert model_call["model"] == "scripted" and model_call["usage"]["calls"] == 1
    assert model_call["finish_reason"] == "stop" and "messages" not in model_call
    end = lines[-1]
    assert end["event"] == "end" and end["outcome"] == "ok" and end["usage"]["calls"] == 2


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
async def test_editing_deleting_or_swapping_one_line_fails_verify_naming_it(
    tmp_path: Path, tamper: str
) -> None:
    path = tmp_path / "audit.jsonl"
    await debate_trail(path)
    lines = path.read_text().splitlines()
    if tamper == "edit":
        lines[2] = lines[2].replace('"ok"', '"crashed: RuntimeError"')
        assert "crashed" in lines[2]
    elif tamper == "delete":
        del lines[2]
    else:
        lines[2], lines[3] = lines[3], lines[2]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ka.AuditError, match="line 3") as caught:
        AuditLog.verify(path)
    assert caught.value.line == 3
    assert main(["audit", "verify", str(path)]) == 1


async def test_lines_cut_from_the_end_fail_verify_only_against_the_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log, _ = await debate_trail(path)
    assert log.head == log.records()[-1]["hash"]
    assert AuditLog.verify(path, head=log.head)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")
    assert AuditLog.verify(path)
    with pytest.raises(ka.AuditError, match="cut from its end") as caught:
        AuditLog.verify(path, head=log.head)
    assert caught.value.line == len(lines)
    assert main(["audit", "verify", str(path), "--head", str(log.head)]) == 1
    assert AuditLog().head is None


def test_the_cli_verifies_an_intact_file_and_exits_2_for_a_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.jsonl"
    anyio.run(debate_trail, path)
    assert main(["audit", "verify", str(path)]) == 0
    assert "chain intact" in capsys.readouterr().out
    assert main(["audit", "verify", str(tmp_path / "missing.jsonl")]) == 2


async def test_a_crash_schedule_shows_its_restart_in_the_runs_trail() -> None:
    log = AuditLog()
    agents = [
        scripted("a", "yes"),
        Agent("b", signature="question -> answer", model=CrashModel(fails=1)),
    ]
    async with team(*agents, pattern=Debate(rounds=1), audit=log) as t:
        result = await t.run(question="q")
    trail = log.trail(result.run_id)
    restart = next(r for r in trail if r["kind"] == "restart")
    assert restart["actor"] == "b" and restart["event"] == "restarted"
    assert restart["error_type"] == "RuntimeError" and restart["restarts"] == 1
    crashed = [r["outcome"] for r in trail if r["kind"] == "turn" and r["actor"] == "b"]
    assert crashed == ["crashed: RuntimeError", "ok"]


async def test_a_budget_stop_is_recorded() -> None:
    log = AuditLog()
    agents = [scripted("a", "yes", "yes"), scripted("b", "yes", "yes")]
    pattern = Debate(rounds=2, stop_on_agreement=False)
    async with team(*agents, pattern=pattern, budget=Budget(max_calls=2), audit=log) as t:
        with pytest.raises(ka.BudgetExceeded):
            await t.run(question="q")
    kinds = [r["kind"] for r in log.records()]
    assert "budget" in kinds
    assert log.records()[-1]["outcome"] == "budget exceeded"


class Echo(Actor):
    async def receive(self, message: Any, ctx: ActorContext) -> Any:
        return message


async def test_messages_and_dead_letters_are_recorded_bodies_only_when_asked() -> None:
    for bodies in (False, True):
        log = AuditLog(bodies=bodies)
        async with ActorSystem(audit=log) as system:
            assert system.audit is log
            ref = await system.spawn(Echo, name="echo")
            await ref.ask("hello", headers={"run_id": "r1"})
            await system.ref("nobody").tell("lost")
        message = next(r for r in log.records() if r["kind"] == "message")
        assert message["recipient"] == "echo" and message["type"] == "str"
        assert message["outcome"] == "ok" and message["run_id"] == "r1"
        assert ("body" in message) is bodies
        dead = next(r for r in log.records() if r["kind"] == "dead_letter")
        assert dead["actor"] == "nobody" and dead["type"] == "str"


async def test_tool_calls_are_recorded() -> None:
    async def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    model = ScriptedModel([ToolCall("add", {"a": 1, "b": 2}), "3"])
    log = AuditLog()
    agent = Agent("calc", signature="question -> answer", model=model, tools=[add])
    async with team(agent, pattern=Solo(), audit=log) as t:
        result = await t.run(question="1+2?")
    call = next(r for r in log.trail(result.run_id) if r["kind"] == "tool_call")
    assert call["tool"] == "add" and call["arguments"] == {"a": 1, "b": 2}
    assert call["error"] is None and call["actor"] == "calc"


async def test_trail_is_per_run_and_memory_is_bounded() -> None:
    log, first = await debate_trail(limit=8)
    whole = len(log)
    agents = [scripted("a", "no", "no"), scripted("b", "no", "no")]
    async with team(*agents, pattern=Debate(rounds=2), audit=log) as t:
        second = (await t.run(question="q")).run_id
    assert len(log) == 8 and whole + len(log.trail(second)) > 8
    for run_id in (first, second):
        trail = log.trail(run_id)
        assert trail == [r for r in log.records() if r["run_id"] == run_id]
    assert len(log.trail(first)) < whole


def test_bad_options_raise_config_error() -> None:
    with pytest.raises(ka.ConfigError, match="limit"):
        AuditLog(limit=0)
    with pytest.raises(ka.ConfigError, match="redact"):
        AuditLog(redact=42)  # type: ignore[arg-type]
    with pytest.raises(ka.ConfigError, match="audit="):
        team(scripted("a", "x"), pattern=Solo(), system=ActorSystem(), audit=AuditLog())


def test_custom_redaction_patterns_and_functions_apply_after_the_built_in_ones() -> None:
    log = AuditLog(redact=[r"ACME-\d+"])
    log.record("message", "x", None, note="id ACME-1234 ok")
    hooked = AuditLog(redact=lambda s: s.upper())
    hooked.record("message", "x", None, note="hi")
    assert log.records()[0]["note"] == "id *** ok"
    assert hooked.records()[0]["note"] == "HI"


async def test_the_writer_keeps_every_line_of_a_burst_in_order(tmp_path: Path) -> None:
    path = tmp_path / "burst.jsonl"
    log = AuditLog(path, limit=10)
    for i in range(20_000):
        log.record("message", "x", None, n=i)
    await log.aclose()
    assert AuditLog.verify(path)
    assert len(path.read_bytes().splitlines()) == 20_000
    assert log.pending == 0


# --- secrets ----------------------------------------------------------------

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_tail = st.text(_ALNUM, min_size=24, max_size=40)
SECRETS = st.one_of(
    _tail.map(lambda t: f"sk-{t}"),
    _tail.map(lambda t: f"sk-ant-api03-{t}"),
    _tail.map(lambda t: f"sk-proj-{t}"),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map(lambda t: f"AKIA{t}"),
    _tail.map(lambda t: f"ghp_{t}"),
    _tail.map(lambda t: f"xoxb-{t}"),
    st.tuples(_tail, _tail, _tail).map(lambda p: f"eyJ{p[0]}.eyJ{p[1]}.{p[2]}"),
)
_PASSWORD = _tail.map(lambda t: f"pw{t}")


def _hiding_places(secret: str, password: str) -> list[dict[str, Any]]:
    """Where a secret can hide in a record's fields."""
    return [
        {"inputs": {"question": f"my key is {secret}, use it"}},
        {"output": {"answer": f"Authorization: Bearer {secret}"}},
        {"headers": {"Authorization": f"Bearer {secret}", "X-Api-Key": secret}},
        {"arguments": {"url": f"https://bob:{password}@db.example.com/x?token={secret}&q=1"}},
        {"error": f"ConnectionError: login failed with password={password} for key {secret}"},
        {"arguments": {"config": {"api_key": secret, "nested": [{"password": password}]}}},
        {"messages": [{"role": "user", "content": f'{{"apiKey": "{secret}"}}'}]},
        {"text": f"export OPENAI_API_KEY={secret}\nsecret: {password}"},
        {"arguments": {secret: "a token as a key", "nested": {f"Bearer {secret}": 1}}},
        {"headers": {"X-Auth": f"Bearer\u00a0{secret}"}},
        {"output": {"answer": "x" * (4096 - 5) + f" {secret} and more"}},
        {"output": {"answer": "y," * 2040 + f"key={secret}"}},
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=SECRETS, password=_PASSWORD)
def test_no_secret_reaches_a_record_fuzz(secret: str, password: str) -> None:
    log = AuditLog(limit=100)
    for fields in _hiding_places(secret, password):
        log.record("tool_call", "agent", "r", **fields)
    text = json.dumps(log.records())
    assert secret not in text and password not in text
    assert redact(secret) == "***"


class Vault(Actor):
    """Crashes on its first message, naming the secrets it was given; then echoes."""

    def __init__(self, crashes: list[int]) -> None:
        self.crashes = crashes

    async def receive(self, message: Any, ctx: ActorContext) -> Any:
        if self.crashes:
            self.crashes.pop()
            raise RuntimeError(f"login to https://u:{message['password']}@db failed")
        await ctx.system.ref("nobody").tell(message)
        return message


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=SECRETS, password=_PASSWORD)
def test_no_secret_of_a_systems_bodies_headers_errors_or_dead_letters_is_recorded_fuzz(
    secret: str, password: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "audit.jsonl"
    body = {"note": f"call with {secret}", "password": password, "api_key": secret}
    headers = {"run_id": "r", "Authorization": f"Bearer {secret}"}

    async def main() -> list[dict[str, Any]]:
        log = AuditLog(path, bodies=True)
        async with ActorSystem(audit=log) as system:
            crashes = [1]
            ref = await system.spawn(lambda: Vault(crashes), name="vault")
            with pytest.raises(ka.ActorCrashed):
                await ref.ask(body, headers=headers)
            assert await ref.ask(body, headers=headers) == body
        return log.records()

    records = anyio.run(main)
    assert {"message", "restart", "dead_letter"} <= {r["kind"] for r in records}
    for text in (json.dumps(records), path.read_text()):
        assert secret not in text and password not in text


async def test_a_dead_letter_sent_while_handling_a_run_carries_its_run_id() -> None:
    class Forward(Actor):
        async def receive(self, message: Any, ctx: ActorContext) -> Any:
            await ctx.system.ref("nobody").tell(message)

    log = AuditLog()
    async with ActorSystem(audit=log) as system:
        ref = await system.spawn(Forward, name="forward")
        await ref.ask("lost", headers={"run_id": "r7"})
    dead = next(r for r in log.records() if r["kind"] == "dead_letter")
    assert dead["actor"] == "nobody" and dead["run_id"] == "r7" and dead["sender"] == "forward"


async def test_the_writer_applies_backpressure_and_never_drops_a_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_pending=8)
    writer = log._writer
    assert writer is not None
    for i in range(500):
        log.record("message", "x", None, n=i)
    assert writer.pending <= 500
    await writer.room()
    assert writer.pending <= 4
    async with ActorSystem(audit=log) as system:
        ref = await system.spawn(Echo, name="echo")
        for i in range(300):
            await ref.ask(i)
    assert log.pending == 0
    assert len(path.read_bytes().splitlines()) == 800 and AuditLog.verify(path)
    with pytest.raises(ka.ConfigError, match="max_pending"):
        AuditLog(path, max_pending=0)


def test_usage_token_counts_are_not_mistaken_for_secrets() -> None:
    value = {"prompt_tokens": 12, "completion_tokens": 3, "max_tokens": 9, "text": "tokens: 5"}
    assert redact(value) == value


def test_untrusted_text_is_cut_before_it_is_scanned_and_never_inside_a_secret() -> None:
    long = "password" * 10_000
    assert len(redact(long)) <= 4097
    for pad in range(4080, 4100):
        cut = redact("x" * pad + " sk-ABCDEFGHIJKLMNOPQRSTUVWX")
        assert "sk-" not in cut and "ABC" not in cut


async def test_secrets_of_a_real_run_reach_neither_the_file_nor_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-ant-api03-" + "Zq8" * 12
    password = "pwHunter2Hunter2"

    def respond(messages: list[dict[str, str]]) -> str:
        return f"use https://admin:{password}@db.local and Bearer {secret}"

    async def fetch(url: str, api_key: str) -> str:
        """Fetch a URL."""
        raise RuntimeError(f"401 for {url} with api_key={api_key}")

    model = ScriptedModel(
        [ToolCall("fetch", {"url": "https://x", "api_key": secret}), f"token={secret}"]
    )
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, prompts=True, bodies=True)
    caplog.set_level(logging.DEBUG)
    agents = [
        Agent("a", signature="question -> answer", model=ScriptedModel(respond=respond)),
        Agent("b", signature="question -> answer", model=model, tools=[fetch]),
    ]
    async with team(*agents, pattern=Debate(rounds=1), audit=log) as t:
        await t.run(question=f"connect with password={password} key {secret}")
    await log.aclose()
    text = path.read_text()
    assert "tool_call" in text and "model_call" in text
    assert secret not in text and password not in text
    assert secret not in json.dumps(log.records())
    # Kailash itself logs a node's inputs at DEBUG (its own logger, off by default).
    ours = [r for r in caplog.records if r.name.startswith("kaizen") or r.levelno >= logging.INFO]
    leaks = [r for r in ours if secret in r.getMessage() or password in r.getMessage()]
    assert [(r.name, r.levelname) for r in leaks] == []


# --- the seed's transparency interface ----------------------------------------


async def test_kaizen_transparency_covers_create_agent_agents_in_a_team() -> None:
    kaizen = ka.Kaizen()
    interface = kaizen.get_transparency_interface()
    assert kaizen.get_transparency_interface() is interface
    try:
        monitor = interface.create_workflow_monitor()
        agent = kaizen.create_agent(
            "helper", {"signature": "question -> answer", "model": ScriptedModel(["fine"])}
        )
        async with team(agent, pattern=Solo()) as t:
            result = await t.run(question="how are you?")
        trail = interface.get_audit_trail(result.run_id)
        kinds = [r["kind"] for r in trail]
        assert kinds[0] == "run" and "turn" in kinds and "model_call" in kinds
        assert monitor.counters["turn"] >= 1 and monitor.counters["run"] >= 2
        with anyio.fail_after(5):
            first = await monitor.__anext__()
        assert first["kind"] == "run" and first["run_id"] == result.run_id
        monitor.close()
    finally:
        interface.close()


async def test_a_slow_monitor_drops_its_oldest_records_and_counts_them() -> None:
    interface = ka.telemetry.TransparencyInterface()
    try:
        async with interface.create_workflow_monitor(buffer=2) as monitor:
            for i in range(5):
                interface.audit.record("message", "x", None, n=i)
            assert monitor.dropped == 3 and monitor.counters["message"] == 5
            assert [(await monitor.__anext__())["n"] for _ in range(2)] == [3, 4]
    finally:
        interface.close()
