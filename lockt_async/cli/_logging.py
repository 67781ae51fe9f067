"""The ``lockt`` command's logging: ``-v``/``-vv`` and ``--log-format text|json``.

Levels: none: warnings only; ``-v``: the library's INFO lines (one per call, with
the counts of its result); ``-vv`` (or ``--debug``): DEBUG for everything, one
line per page and httpx/httpcore's own lines. The api key and apiuser are masked
in every record of those loggers while a client is open (``lockt_async._redact``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import IO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` (and ``exc``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def levels(verbosity: int) -> tuple[int, int]:
    """(the root's level, the HTTP libraries' level) for ``-v`` given ``verbosity`` times."""
    if verbosity >= 2:
        return logging.DEBUG, logging.DEBUG
    if verbosity == 1:
        return logging.INFO, logging.WARNING
    return logging.WARNING, logging.WARNING


def configure(verbosity: int, fmt: str, stream: IO[str]) -> None:
    """Send log records to ``stream`` at the levels ``verbosity`` asks, as text or JSON.

    Like ``logging.basicConfig``: nothing changes when the root logger already has a
    handler (an application, or pytest, configured logging itself).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    level, http_level = levels(verbosity)
    root.setLevel(level)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(http_level)
