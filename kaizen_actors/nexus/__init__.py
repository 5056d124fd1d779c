"""Layer 5, the seed's Nexus integration: one agent or team on several channels at once.

::

    async with agent.deploy_as_nexus(channels=["api", "cli", "mcp"]) as deployment:
        print(deployment.url)            # the web app: REST + SSE, the page, /mcp
        await deployment.cli(["--question", "Is 1009 prime?"])

    kaizen_actors.nexus.register(nexus_app, agent)   # with kailash-nexus installed

- ``_deploy``: :class:`NexusDeployment`, what ``deploy_as_nexus`` returns:
  the channels served by this project's own parts (the web app, a CLI
  entry, the MCP server).
- ``_register``: :func:`register`, the agent's Kailash workflow registered
  with a real ``nexus.Nexus`` app (the optional extra ``nexus``).

Version added: 0.1
"""

from ._deploy import CHANNELS, NexusDeployment, deploy_as_nexus
from ._register import register

__all__ = ["CHANNELS", "NexusDeployment", "deploy_as_nexus", "register"]
