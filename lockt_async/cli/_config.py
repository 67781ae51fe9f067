"""What every ``lockt`` command shares: the exit codes and the connection settings."""

from __future__ import annotations

from typing import Any

import attrs

from .._client import LocktClient

__all__ = ["EXIT_CONNECT", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Config"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONNECT = 0, 1, 2, 3


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
        return LocktClient(self.api_user, self.api_key, base_url=self.base_url, **kw)
