"""``kaizen-actors demo [debate|consensus|supervisor]``: a team's tokens, live, side by side.

Offline by default: the agents use ``ScriptedModel``s whose replies make a
sensible conversation (the scripts react to the round they are in, so the
demo is deterministic whatever order the agents finish in). ``--model``
builds the same agents on any litellm model string instead (its API key in
the environment, e.g. ``OPENAI_API_KEY``).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console, RenderableType

    from ..coordination import Pattern, TeamResult

__all__ = ["PATTERNS", "run_team_demo"]

PATTERNS = ("debate", "consensus", "supervisor")
COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")

Messages = list[dict[str, str]]


def _user(messages: Messages) -> str:
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


def _by_round(first: str, later: str) -> Callable[[Messages], str]:
    """A scripted reply: ``first`` in round 1, ``later`` once other answers are shown."""

    def respond(messages: Messages) -> str:
        text = _user(messages)
        return later if ("latest answers" in text or "Votes in round" in text) else first

    return respond


def _answer(answer: str, reasoning: str) -> str:
    return json.dumps({"answer": answer, "reasoning": reasoning})


# -- the three scenarios ------------------------------------------------------------------

DEBATE_QUESTION = "Is 1009 a prime number?"
DEBATE_SCRIPTS = {
    "euler": _by_round(
        _answer(
            "yes",
            "The square root of 1009 is about 31.8, and none of the primes up to 31 "
            "(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31) divides it evenly.",
        ),
        _answer(
            "yes",
            "I keep my answer. Bob's 17 x 59 is 1003, not 1009, and Gauss's check of "
            "1001, 1003 and 1007 agrees with my trial division.",
        ),
    ),
    "bob": _by_round(
        _answer("no", "I recall that 1009 = 17 x 59, so it has divisors other than 1 and itself."),
        _answer(
            "yes",
            "I was wrong: 17 x 59 = 1003. Checking every prime up to 31 leaves no divisor, "
            "so 1009 is prime.",
        ),
    ),
    "gauss": _by_round(
        _answer(
            "yes",
            "1001 = 7 x 11 x 13, 1003 = 17 x 59 and 1007 = 19 x 53 are composite, "
            "but 1009 has no factor up to 31: it is the smallest four-digit prime.",
        ),
        _answer(
            "yes",
            "Still yes. Bob's factorisation belongs to 1003; 1009 mod p is non-zero "
            "for every prime p up to 31.",
        ),
    ),
}

CONSENSUS_QUESTION = "What is the capital city of Australia? Answer with the city only."
CONSENSUS_SCRIPTS = {
    "ada": _by_round("Canberra", "Canberra"),
    "grace": _by_round("Sydney", "Canberra"),
    "alan": _by_round("Canberra", "Canberra"),
    "edsger": _by_round("Melbourne", "Canberra"),
    "barbara": _by_round("Sydney", "Sydney"),
}

SUPERVISOR_TASK = "Write a three-sentence note for a maths newsletter: is 1009 prime?"
PLAN = {
    "plan": [
        {"worker": "researcher", "task": "List notable facts about the number 1009."},
        {"worker": "verifier", "task": "Decide by trial division whether 1009 is prime."},
    ]
}
WORKER_SCRIPTS = {
    "researcher": lambda m: (
        "1009 is the smallest four-digit prime. The numbers just before it, 1001, 1003 and "
        "1007, are all composite (7 x 11 x 13, 17 x 59 and 19 x 53)."
    ),
    "verifier": lambda m: (
        "sqrt(1009) is about 31.8. Dividing by 2, 3, 5, 7, 11, 13, 17, 19, 23, 29 and 31 "
        "always leaves a remainder, so 1009 is prime."
    ),
}
SYNTHESIS = (
    "Yes, 1009 is prime: trial division by every prime up to its square root (about 31.8) "
    "leaves a remainder each time. It is also the smallest four-digit prime, since 1001, "
    "1003 and 1007 all factor. A tidy number to open the four-digit primes with."
)


def _lead_script(messages: Messages) -> str:
    system = messages[0]["content"] if messages else ""
    return json.dumps(PLAN) if "Split the task into subtasks" in system else SYNTHESIS


def _model(model: str | None, script: Callable[[Messages], str], delay: float) -> Any:
    from ..agents import ScriptedModel

    return model if model else ScriptedModel(respond=script, token_delay=delay)


def build_scenario(
    pattern: str, model: str | None = None, *, token_delay: float = 0.03
) -> tuple[list[Any], Pattern, dict[str, Any]]:
    """The agents, the pattern and the inputs of one demo.

    Raises:
        ValueError: for an unknown pattern name.

    """
    from ..agents import Agent
    from ..coordination import Consensus, Debate, SupervisorWorker

    if pattern == "debate":
        sig = "question -> answer: str, reasoning: str"
        instructions = "Answer yes or no in `answer`; explain briefly in `reasoning`."
        agents = [
            Agent(n, signature=sig, model=_model(model, s, token_delay), instructions=instructions)
            for n, s in DEBATE_SCRIPTS.items()
        ]
        return agents, Debate(rounds=2, key="answer"), {"question": DEBATE_QUESTION}
    if pattern == "consensus":
        agents = [
            Agent(n, signature="question -> answer", model=_model(model, s, token_delay))
            for n, s in CONSENSUS_SCRIPTS.items()
        ]
        return agents, Consensus(quorum=0.6, max_rounds=3), {"question": CONSENSUS_QUESTION}
    if pattern in ("supervisor", "supervisor_worker"):
        lead = Agent(
            "lead",
            signature="task -> note",
            model=_model(model, _lead_script, token_delay),
            instructions="You edit a maths newsletter.",
        )
        workers = [
            Agent(n, signature="task -> result", model=_model(model, s, token_delay))
            for n, s in WORKER_SCRIPTS.items()
        ]
        return [], SupervisorWorker(lead, workers), {"task": SUPERVISOR_TASK}
    raise ValueError(f"unknown demo {pattern!r}; choose one of {', '.join(PATTERNS)}")


# -- the live board -----------------------------------------------------------------------


class Board:
    """One panel per agent filling with its tokens; a status line above."""

    def __init__(self, title: str, names: list[str]) -> None:
        self.title = title
        self.names = names
        self.colour = {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(names)}
        self.text = {n: Text() for n in names}
        self.state = dict.fromkeys(names, "waiting")
        self.field = dict.fromkeys(names, "")
        self.status = "starting"

    def _agent(self, name: str) -> str:
        if name not in self.text:
            self.names.append(name)
            self.colour[name] = COLOURS[(len(self.names) - 1) % len(COLOURS)]
            self.text[name] = Text()
            self.state[name] = "waiting"
            self.field[name] = ""
        return name

    def handle(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "RoundStarted":
            self.status = f"round {event.round}"
        elif kind == "AgentStarted":
            name = self._agent(event.agent)
            text = self.text[name]
            if text.plain:
                text.append("\n\n")
            text.append(f"round {event.round}\n", style="dim")
            self.state[name], self.field[name] = "thinking", ""
        elif kind == "Token":
            name = self._agent(event.agent)
            if event.field != self.field[name]:
                if self.field[name]:
                    self.text[name].append("\n")
                self.text[name].append(f"{event.field}: ", style="bold")
                self.field[name] = event.field
            self.text[name].append(event.text)
        elif kind == "AgentFinished":
            self.state[self._agent(event.agent)] = "done"
        elif kind == "Vote":
            self.text[self._agent(event.agent)].append(
                f"\nvote: {event.choice}", style="bold reverse"
            )
        elif kind == "RunFinished":
            self.status = "finished"
        elif kind == "RunFailed":
            self.status = f"failed ({event.reason}): {event.error}"

    def __rich__(self) -> RenderableType:
        grid = Table.grid(expand=True, padding=(0, 1))
        for _ in self.names:
            grid.add_column(ratio=1)
        grid.add_row(
            *(
                Panel(
                    self.text[n],
                    title=f"[bold {self.colour[n]}]{n}[/]",
                    subtitle=self.state[n],
                    border_style=self.colour[n],
                )
                for n in self.names
            )
        )
        return Group(Text(f"{self.title}: {self.status}", style="bold"), grid)


def _result_panel(result: TeamResult, seconds: float) -> Panel:
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold")
    body.add_column()
    for name, value in result.output.to_dict().items():
        body.add_row(name, str(value))
    details = result.details
    if result.pattern == "debate":
        body.add_row("rounds", f"{details['rounds']} (agreed: {details['agreed']})")
    if result.tally is not None:
        tally = ", ".join(f"{c} {n}" for c, n in result.tally.items())
        body.add_row("tally", f"{tally} (agreement {result.agreement:.0%})")
    if "plan" in details:
        plan = "; ".join(f"{a['worker']}: {a['task']}" for a in details["plan"])
        body.add_row("plan", plan)
    usage = Table(title="usage", expand=False)
    for column in ("agent", "calls", "prompt", "completion", "total", "cost $"):
        usage.add_column(column, justify="left" if column == "agent" else "right")

    def row(name: str, u: Any, style: str | None = None) -> None:
        cost = "?" if u.cost is None else f"{u.cost:.4f}"
        usage.add_row(
            name,
            str(u.calls),
            str(u.prompt_tokens),
            str(u.completion_tokens),
            str(u.total_tokens),
            cost,
            style=style,
        )

    for name, u in result.usage.agents.items():
        row(name, u)
    row("total", result.usage.total, "bold")
    footer = Text(f"{len(result.transcript)} turns in {seconds:.2f} s, run {result.run_id[:8]}")
    return Panel(Group(body, Text(), usage, footer), title="result", border_style="bold")


def _run_status(name: str, run_id: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A run's status as ``GET /runs/<id>`` answers it, from its events (its last one)."""
    last = records[-1] if records else {}
    finished = last.get("$type") == "RunFinished"
    error = None
    if last.get("$type") == "RunFailed":
        error = {"type": last["error_type"], "reason": last["reason"], "message": last["error"]}
    state = "finished" if finished else "failed"
    if last.get("reason") == "cancelled":
        state = "cancelled"
    return {
        "run_id": run_id,
        "team": name,
        "state": state,
        "output": last["output"] if finished else None,
        "usage": last["usage"] if finished else None,
        "error": error,
    }


async def run_team_demo(
    pattern: str,
    console: Console,
    model: str | None = None,
    *,
    token_delay: float = 0.03,
    timeline: str | None = None,
    audit: str | None = None,
) -> bool:
    """Run one demo team, showing each agent's tokens live, then the result and usage.

    Returns whether the run finished (False: it failed, and the panel says why).

    Args:
        pattern: ``"debate"``, ``"consensus"`` or ``"supervisor"``.
        console: where to draw.
        model: a litellm model string to run the agents on; offline
            ``ScriptedModel``s when ``None``.
        token_delay: seconds between the scripted models' tokens.
        timeline: a file to write the run's timeline to (a standalone HTML
            page, as ``GET /runs/<id>/timeline`` serves it), after the run.
        audit: a JSON Lines file to append the run's audit trail to
            (``ka.AuditLog(audit)``; check it with ``kaizen-actors audit verify``).

    Raises:
        ValueError: for an unknown pattern.

    """
    from ..coordination import team
    from ..messages import KaizenError
    from ..telemetry import AuditLog

    log = AuditLog(audit) if audit is not None else None
    agents, pat, inputs = build_scenario(pattern, model, token_delay=token_delay)
    title = f"{pat.name} - " + "; ".join(f"{k}: {v}" for k, v in inputs.items())
    records: list[dict[str, Any]] = []  # the events with their time, for the timeline
    async with team(*agents, pattern=pat, timeout=300, audit=log) as t:
        board = Board(title, [m.name for m in t.members])
        started = time.monotonic()
        with Live(board, console=console, refresh_per_second=20, vertical_overflow="visible"):
            async with t.stream(**inputs) as events:
                async for event in events:
                    board.handle(event)
                    if timeline is not None:
                        at = round(time.monotonic() - started, 4)
                        records.append({**msgspec.to_builtins(event), "time": at})
        seconds = time.monotonic() - started
    console.print()
    if events.result is not None:
        console.print(_result_panel(events.result, seconds))
    else:
        error = events.error
        hint = " (is the model's API key set?)" if model else ""
        message = (
            f"{type(error).__name__}: {error}" if isinstance(error, KaizenError) else str(error)
        )
        console.print(Panel(f"{message}{hint}", title="the run failed", border_style="red"))
    if timeline is not None:
        from ..web._timeline import timeline_html

        page = timeline_html(_run_status(pattern, events.run_id, records), records)
        await anyio.Path(timeline).write_text(page, encoding="utf-8")
        console.print(f"timeline: {timeline}")
    if log is not None:
        await log.aclose()
        console.print(f"audit: {audit} ({len(log)} records)")
    return events.result is not None
