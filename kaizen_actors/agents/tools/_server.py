"""``MCPServer``: the configuration of an MCP tool server (nothing runs here)."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["MCPServer"]


class MCPServer:
    """An MCP server whose tools an agent may call.

    Give either a ``command`` (run as a subprocess, spoken to over stdio) or
    a ``url`` (streamable HTTP). Nothing starts here: an agent starts the
    server when it first needs its tools and lists them once (again when the
    server says they changed). Outside an actor system the agent owns it and
    stops it at ``await agent.aclose()``; inside one, the system's
    :class:`~._pool.MCPPool` runs one process per :attr:`key` for all its
    agents and stops it when the system stops. A server that exits while in
    use fails the call in flight (the model sees an error result saying so)
    and is started again for the next call.

    Args:
        command: the executable, e.g. ``"uvx"`` or ``sys.executable``.
        args: its arguments.
        env: extra environment variables for the process, over a minimal
            inherited set (``HOME``, ``PATH``, ``USER``...): secrets the server
            needs go here, they are never shown in errors or ``repr``.
        name: a label for errors (default: the command's or URL's last part).
        url: the endpoint of a streamable-HTTP server, instead of ``command``.
        cwd: the working folder of the process.
        timeout: seconds allowed for starting and listing the server, and for
            each tool call.

    Raises:
        ConfigError: when neither or both of ``command`` and ``url`` are
            given, or ``timeout`` is not positive.

    Version added: 0.1

    """

    def __init__(
        self,
        command: str | None = None,
        args: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        name: str | None = None,
        *,
        url: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        from ...messages import ConfigError

        if (command is None) == (url is None):
            raise ConfigError(
                "tools: MCPServer takes a command (stdio) or a url (streamable HTTP)",
                key="tools",
            )
        if not timeout > 0:
            raise ConfigError(f"tools: MCPServer timeout must be > 0, got {timeout}", key="tools")
        self.command = command
        self.args = tuple(str(a) for a in args)
        self.env = dict(env) if env is not None else None
        self.url = url
        self.cwd = cwd
        self.timeout = float(timeout)
        if name is None:
            if url is not None:
                name = url.rstrip("/").rsplit("/", 1)[-1]
            else:
                # "python calc.py" is better named by its script than "python".
                script = "python" in os.path.basename(str(command)) and self.args
                name = os.path.basename(self.args[0] if script else str(command))
        name = name or "mcp"
        self.name = name

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two servers one process: the URL, or command, args, env and cwd.

        ``name`` and ``timeout`` are not part of it: servers differing only
        there share one session in a pool (the first one's name labels its
        errors; each call keeps its own server's timeout).
        """
        if self.url is not None:
            return ("url", self.url)
        env = tuple(sorted((self.env or {}).items()))  # None and {} both mean no extra variables
        cwd = None if self.cwd is None else os.fspath(self.cwd)
        return ("stdio", str(self.command), self.args, env, cwd)

    def describe(self) -> str:
        """The command line or URL, for errors (without the environment)."""
        if self.url is not None:
            return self.url
        return shlex.join([str(self.command), *self.args])

    def __repr__(self) -> str:
        env = f", env={sorted(self.env)}" if self.env else ""
        if self.url is not None:
            return f"MCPServer(url={self.url!r}, name={self.name!r})"
        return f"MCPServer({self.command!r}, args={list(self.args)!r}{env}, name={self.name!r})"
