from __future__ import annotations

import subprocess
import sys

import kaizen_actors as ka

HEAVY = ("kailash", "litellm", "nats", "mcp", "starlette")


def test_every_exported_name_resolves_and_has_a_docstring() -> None:
    for name in ka.__all__:
        value = getattr(ka, name)
        assert value.__doc__, name


def test_every_error_derives_from_kaizen_error() -> None:
    errors = [
        getattr(ka, n)
        for n in ka.__all__
        if n.endswith(("Error", "Exceeded"))
        or n
        in {
            "ActorNotFound",
            "ActorStopped",
            "ActorCrashed",
            "AskTimeout",
            "MailboxFull",
            "SystemStopped",
            "FrameTooLarge",
            "ModelRateLimited",
            "ModelTimeout",
        }
    ]
    assert errors
    assert all(issubclass(e, ka.KaizenError) for e in errors)


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, kaizen_actors as ka; ka.ActorSystem; ka.Message; ka.events;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_classes_say_they_live_in_kaizen_actors() -> None:
    assert ka.ActorSystem.__module__ == "kaizen_actors"
    assert ka.ActorCrashed.__module__ == "kaizen_actors"
