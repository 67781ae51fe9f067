"""Secrets out of log records: a filter every open client keeps on the loggers of its requests.

The transport keeps the api key out of the library's own messages, but the
library is not the only one writing about its requests: httpcore's DEBUG lines
quote the response headers (a server or gateway may echo ``apikey`` and
``apiuser``), hpack's quote HTTP/2 headers, httpx's INFO line quotes the URL.
So each client registers its ``api_key`` and ``api_user`` here for its lifetime
(from construction to ``aclose()``, or its garbage collection), and while any
client is registered one :class:`SecretFilter` sits on the loggers listed in
``LOGGERS``. It replaces every form of a registered secret (as sent, JSON- and
bytes-repr-escaped, percent-encoded) in the record's message, arguments and
traceback text with ``***``.

Scope: only records created on those loggers (a filter on a logger sees the
records logged on it, not those of its children, hence the explicit list). A
filter runs only for a record that passed the level check: with DEBUG off it
costs nothing.
"""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import quote

#: The loggers whose records are filtered while a client is open.
LOGGERS = (
    "lockt_async",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.connection_pool",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
    "h2",
    "h2.connection",
)

MASK = "***"


def _forms(secret: str) -> set[str]:
    """The spellings of ``secret`` that a log line may quote."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret.encode())[2:-1],
        repr(secret)[1:-1],
        quote(secret, safe=""),
        quote(secret),
    } - {""}


class SecretFilter(logging.Filter):
    """Masks the registered secrets in every record it sees; never drops a record."""

    def __init__(self) -> None:
        super().__init__("lockt_async.secrets")
        self._lock = threading.Lock()
        self._owners: dict[int, tuple[str, ...]] = {}
        self._forms: tuple[str, ...] = ()

    def add(self, token: int, *secrets: str) -> None:
        with self._lock:
            self._owners[token] = secrets
            self._rebuild()

    def remove(self, token: int) -> bool:
        """Forget one owner's secrets; True when no owner is left."""
        with self._lock:
            self._owners.pop(token, None)
            self._rebuild()
            return not self._owners

    def _rebuild(self) -> None:
        forms: set[str] = set()
        for secrets in self._owners.values():
            for secret in secrets:
                forms |= _forms(secret)
        # Longest first: a form that contains another is replaced whole.
        self._forms = tuple(sorted(forms, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            message = str(record.msg)
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


_FILTER = SecretFilter()
_lock = threading.Lock()
_installed = False
_next = 0


def register(*secrets: str) -> int:
    """Mask ``secrets`` in the listed loggers' records until :func:`unregister` (token)."""
    global _installed, _next
    with _lock:
        _next += 1
        token = _next
        _FILTER.add(token, *secrets)
        if not _installed:
            for name in LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
            _installed = True
    return token


def unregister(token: int) -> None:
    """Forget the secrets of ``token``; the filter leaves the loggers with the last owner."""
    global _installed
    with _lock:
        if _FILTER.remove(token) and _installed:
            for name in LOGGERS:
                logging.getLogger(name).removeFilter(_FILTER)
            _installed = False


def mask(text: str) -> str:
    """``text`` with every registered secret masked (for handlers of your own)."""
    return _FILTER.mask(text)
