"""A real uvicorn server on 127.0.0.1 for an app, inside the test's event loop."""

from kaizen_actors.web._serving import serving as serve

__all__ = ["serve"]
