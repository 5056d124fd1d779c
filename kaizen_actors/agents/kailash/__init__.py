"""The bridge to Kailash: the shared runtime per loop and the nodes an agent's workflow runs.

- ``_runtime``: one ``AsyncLocalRuntime`` per event loop, kailash loaded in
  a worker thread, the start gate, the cancel probe of a streaming turn.
- ``_nodes``: ``KaizenNode``, ``KaizenLLMAgentNode`` and the one-node
  workflow of an agent (importing it imports kailash).

Importing this package imports no kailash module.
"""
