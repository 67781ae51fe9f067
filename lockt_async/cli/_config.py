"""What every ``lockt`` command shares: the connection settings, error lines, exit codes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs
import click

from .._client import LocktClient
from ..errors import AuthenticationError, ConfigurationError, TransportError
from ._exit import EXIT_CONNECT, EXIT_FAILED, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE
from ._run import Terminated

__all__ = ["Config", "describe", "exit_code_for"]

#: The host of the last client made (what a connection error names).
_host: dict[str, str | None] = {"host": None}


@attrs.frozen(repr=False)
class Config:
    """Connection settings from flags or environment. The key is never shown."""

    api_user: str | None
    api_key: str | None
    base_url: str | None
    debug: bool = False
    allow_insecure_http: bool = False

    def __repr__(self) -> str:
        return f"Config(api_user={self.api_user!r}, base_url={self.base_url!r})"

    def client(self, **kw: Any) -> Any:
        """A ``LocktClient`` (``ConfigurationError`` -> exit 2)."""
        kw.setdefault("allow_insecure_http", self.allow_insecure_http)
        client = LocktClient(self.api_user, self.api_key, base_url=self.base_url, **kw)
        _host["host"] = urlsplit(str(client.base_url)).netloc or None
        return client


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line; a transport error names the host it could not reach."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    host = _host["host"]
    if isinstance(exc, TransportError) and host and host not in text:
        text += f" (host {host})"
    return text


def exit_code_for(exc: BaseException) -> int:
    """The exit code ``main`` gives an exception that ends a command."""
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        return EXIT_SIGINT
    if isinstance(exc, Terminated):
        return EXIT_SIGTERM
    if isinstance(exc, click.UsageError | ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    if isinstance(exc, TransportError | AuthenticationError):
        return EXIT_CONNECT
    if isinstance(exc, OSError):
        return EXIT_USAGE
    return EXIT_FAILED
