"""Write summaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class WriteSummary:
    """The ``data`` of a successful write.

    One class for the document's three shapes: POST/PUT (submitted, inserted,
    updated, errors), DELETE and purge (submitted, deleted, errors) and delegate
    create (submitted, processed, errors). Absent counts are 0.
    """

    submitted: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    processed: int = 0
    errors: int = 0
    extra: Mapping[str, Any] = extra_field()
