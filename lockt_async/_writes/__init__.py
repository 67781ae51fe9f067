"""The write path: pages under the record limit, one write in flight, an outcome per record.

A record enters as a model or a mapping, is converted to its wire form and
checked once (``_records``), is cut into pages no larger than the instance's
limit (``_batch``), crosses the write gate and is sent (``_sender``), and the
answer is classified (``classify``, a pure function whose table says when a
page is resent, re-split, accepted, rejected or ``unknown``). Every record comes
back as an outcome: accepted, or a ``Failure`` with its reason.

The modules depend on a ``WriteContext`` (send, converter, gate, record limit),
never on ``LocktClient``; a lower record limit learned from the server is
returned (``PageOutcome.learned_limit``, ``BatchResult.learned_limit``) for the
caller to remember.

With ``validate_fails_batch=True`` (all or nothing) a rejected page also stops
the import: the rest is ``not_sent``. Pipelining: while a page is in flight, the
producer already converts, checks and encodes the next one.
"""

from ._batch import check_batch, run_batch, send_single
from ._records import Item, WriteSpec, encode_options, failure_error, prepare_item, to_wire
from ._sender import PageOutcome, PageSender, WriteContext
from .classify import Action, Verdict, classify

__all__ = [
    "Action",
    "Item",
    "PageOutcome",
    "PageSender",
    "Verdict",
    "WriteContext",
    "WriteSpec",
    "check_batch",
    "classify",
    "encode_options",
    "failure_error",
    "prepare_item",
    "run_batch",
    "send_single",
    "to_wire",
]
