"""The web process: serves a debate between agents that other processes serve by name.

    kaizen-actors web web:served --nats nats://127.0.0.1:4222 --name demo

``ana`` and ``ben`` run elsewhere (``services.py``, under ``kaizen-actors
serve``); this process holds no agent, only the team that names them, so the
web front and the agents scale apart. Open http://127.0.0.1:8000/.
"""

from __future__ import annotations

import kaizen_actors as ka

served = ka.team("ana", "ben", pattern=ka.Debate(rounds=2, key="answer"), name="debate")
