"""``lockt_async.testing``: a faithful, stateful simulator of one Lockt instance
(``SimulatorFleet``: many of them behind one app, told apart by ``apiuser``).

Serve it in-process (``httpx.AsyncClient(transport=sim.transport(), ...)``),
on a loopback socket (:func:`serve`, :func:`serve_in_thread`), or from the
command line (``python -m lockt_async.testing serve --port 0``: seeded with the
document's example data unless ``--empty``; prints the ``LOCKT_*`` lines,
credentials included; ``--defects all|none|a,b``). Script
failures with ``sim.faults`` and inspect traffic with ``sim.journal``.

Choices the simulator makes where the document is silent or contradicts itself
--------------------------------------------------------------------------------
Statuses and envelopes
  * Overlapping write (POST/PUT/DELETE while another write, including its
    ``latency`` sleep, is in progress): HTTP 429
    ``{"data": {"error": "Rate limit exceeded: another write operation is in progress."}}``,
    nothing applied. Reads are never rate-limited.
  * Bad/missing ``apiuser``/``apikey``: 401
    ``{"data": {"error": "Access denied. Invalid API credentials."}}``.
    Auth is checked before faults; faults before routing.
  * Unknown path or method under the base path: 404
    ``{"data": {"error": "Not Found: /path"}}``. Outside the base path (a base
    URL without ``/api/v1``) a plain-text ``Not Found`` 404, as the web server in
    front of a real instance would answer.
  * Empty body, invalid JSON, missing or empty record node: 400 with the
    document's "No data found or invalid JSON objects supplied. Could not parse input."
  * Record limit exceeded: 400 "Batch size exceeds maximum of X objects.",
    checked after the body parses, nothing applied. Also applies to PUT /fob,
    PUT /credential, DELETEs and /unlock.
  * One-object endpoints (PUT /user, POST /delegate) given 0 or 2+ objects:
    400 ``{"data": {"error": "This endpoint is limited to 1 object per call."}}``.
  * validate_fails_batch=true with errors: 400 ``{"result": ["Validation errors
    found. Batch has failed. Details provided."], "errors": [...]}``.
    validate_fails_batch=false with errors: HTTP 200, the valid records applied,
    ``{"data": {summary}, "result": ["Validation errors found. Valid records
    processed. Details provided."], "errors": [...]}``; ``errors`` in the summary
    counts failed records. ``input_data`` echoes the record exactly as sent.
  * PUT /fob and PUT /credential answer the write summary with ``updated``
    (the document's PUT /fob example says ``inserted: 1``).
  * POST /user update with update_existing=false: counted in ``submitted``
    only (not updated, not an error).
  * /delegate?purge: ``submitted`` = delegate levels examined, ``deleted`` = expired ones.
  * POST /unlock: with validate_fails_batch=false, 200 with per-door objects; an
    unknown id gets ``status: "error"`` and "Door id is not valid: X". With true
    (the default), an unknown id fails the page (400, the validation envelope);
    an offline door is never a validation error.
  * POST /doorstate?lowbattery=N (change log only): N a percentage 0-100, stored as
    the instance's notification threshold; answers
    ``{"data": {"lowbattery": "N", "notifications": "enabled"}}``; another N is
    400 "Invalid lowbattery threshold: N".
Alternate spellings accepted: ``/delegates``, ``/accesslevels`` (GET and DELETE),
  ``?idnum=`` for ``?id_num=``. Options as JSON booleans or "true"/"false" strings.
Undocumented shapes (our invention; clients must not rely on them)
  * ``/ping`` -> ``{"data": {"status": "ok", "message": "pong"}}``
  * ``/settings`` -> ``{"data": {"record_limit", "timezone", "version"}}``
  * ``/site`` -> ``{"data": {"name", "timezone"}}``
  * ``/maintenance`` -> ``{"data": {"scheduled": false, "start", "end", "details"}}``
  * PUT /credential accepts ``id`` plus ``access_effective``, ``access_expires``, ``enabled``;
    any other field is a record error "Field cannot be updated: x" (never a silent success).
  * POST /anonymize?user_id=N scrubs names/email/phone; answers
    ``{"data": {"submitted": 1, "processed": 1, "errors": 0}}``.
  * /object?type=T for an unknown T: 400 "Invalid object type: T".
Dates
  * Written as local wall time ``YYYY-MM-DD HH:MM:SS`` or ""; anything else is
    "Invalid <field> date format: x". Stored aware in the instance zone.
  * Read back as UTC ``YYYY-MM-DDTHH:MM:SS.000Z`` by /user, /fob, /credential;
    events' ``hw_time``/``db_time`` as UTC with milliseconds (``event_time``
    of the table is not sent); /delegate as LOCAL ``YYYY-MM-DD HH:MM:SS``; "" for none.
  * "access_expires cannot be in past" is enforced by PUT /user and POST /delegate
    only (the document's own POST /user examples carry past dates).
Validation (messages in the document's style)
  * Required on POST /user insert AND update: id, id_num, first_name, last_name,
    email (the rows whose element lost its name, next to "Proper email format"),
    phone and pin ("Missing or blank <field>"), as the table says. The document's
    own POST /user example omits pin: the table is followed, so that example is
    refused ("Missing or blank pin"), as a real instance applying its table would.
  * "Length versus system limit" (card_num, pin): the document gives no number;
    ``length_limits`` (default card_num 20, pin 8 digits) with the message
    "<field> length exceeds system limit of N: x". No other length is checked.
  * Formats: pin and card_num digits; phone = optional +, digits, spaces, dots,
    dashes, parentheses, at least one digit; email as the client reads it (one
    reading shared by both sides).
  * "access_effective must be before access_expires" quotes the expires value, as
    the document's POST /delegate example does (the behaviour table names no value).
  * PUT /fob: the table's "Missing or blank" rows for name and id_num apply when
    the field is sent (PUT /fob is a reassignment; its body lists neither).
  * POST /accesslevel: a door without ``schedule_id`` is "Missing or blank
    schedule_id for door N" ("Schedule ID is valid").
  * Unique: user id_num, user email (case-insensitive), card_num across all
    credentials, fob name, door name, access level name, location name -
    against the instance and earlier records of the same page.
  * A POST /user record whose id is not -1 and not an existing user: "Id is not valid: N".
  * What makes a POST /user record an update: only a valid system ``id`` (the
    behaviour table's INSERT/UPDATE row, newer than the options table). A record
    with id -1 is an insert whatever ``update_existing`` says, so an existing
    id_num or email is "id_num Already Exists: X" / "Email Already Exists: X".
  * ``GET /user`` also lists fob-holder rows: users without an ``id_num`` (the
    list example's "Fob 1"); the seeded instance has two, ``add_fob_holder`` adds more.
  * card_num on update is used only when the user holds no non-fob card; "-1"
    removes all non-fob credentials; on insert "-1" means no card.
  * Access level ids: "Access level id is not valid: N", "Duplicate access level id: N".
  * DELETE: "Missing or blank id", "Non-Numeric id found: x", "Id is not valid: N";
    DELETE /fob of a non-fob credential "Id is not a Fob: N"; DELETE /credential
    of a fob "Id is a Fob: N".
  * POST /door location_id must name a location ("Location id is not valid: N").
Reads
  * /user renders ``name`` as "Last, First", ``accesslevels`` as ``[{"unid", "name"}]``,
    ``credentials`` as in the ?id example, ``card_num`` of the first non-fob card.
  * ``?missingcreds`` = users without a non-fob credential carrying a credential key.
  * ``?privileged``/``?installers`` = users flagged so (only seeded users are).
  * /accesslevel doors render ``{"id", "name", "schedule_id"}``; ``doors`` is omitted
    when empty, as in the example. Delegate levels are listed by /delegate only.
  * /credential ``user`` is a one-element list ``[{"id", "name"}]`` ([] if unassigned);
    fobs are credentials too and appear in /credential. Rows carry only the fields
    the document shows: no ``fob`` flag on /credential rows, no ``user_id`` on /fob
    rows (a fob's holder is read from /credential's ``user``).
  * /events: the newest 5000, newest first; ``?id=N``: ids above N, ascending.
    What is done through the API is recorded as events, ids growing from the
    last one: an unlock (code 60 "Door Momentary Unlock", category 3 "Door
    Command"), a door created/deleted (70/71), a fob or credential created,
    updated or deleted through /fob or /credential (80/81/82; category 4
    "Configuration Change"); ``device`` is the door's or credential's name. Cards
    created by a POST /user import are not (an import of 100,000 would flood
    the cache). The codes are ours: the document lists event fields, not codes.
  * /doorstate lists doors that have a battery; ``?low_battery=N`` those below N.
  * /door?user_id / ?id_num: doors reached through access levels and delegations.
  * Controller names use the real "\u2122" where the document shows mojibake.
Known defects (the document's "Endpoint | Method | Issue" table), all on by default,
each switchable (``Simulator(defects=...)``, ``serve --defects``)
  * ``blank_id_returns_all``, ``door_batch_duplicates``, ``accesslevel_duplicates_span_batch``
    as the document describes them.
  * ``door_delete_rejects_valid_ids``: "sometimes" is modelled deterministically as
    the first time a DELETE /door request names a valid id ("Id is not valid: N");
    a later request for that id deletes it.
Faults and timing
  * ``latency`` is a write's whole server time: the write is applied, then the
    rest of ``latency`` is slept while still holding the write slot (so a page
    costs max(latency, processing), like a remote instance that slow).
    ``Delay`` faults sleep after applying and after releasing the slot.
  * A dropped connection starts a 200 response, sends part of the body, then
    fails: over uvicorn the socket closes mid-body, in-process ``sim.transport()``
    raises ``httpx.RemoteProtocolError``. The in-process transport also honours
    the read timeout (``httpx.ReadTimeout``), which ASGITransport alone ignores.
Ids come from one counter shared by every object kind; events have their own.
"""

from .._config import instant_retries
from . import _faults
from ._faults import *  # noqa: F403  (the fault vocabulary: ``_faults.__all__``)
from ._fleet import SimulatorFleet
from ._journal import Entry, Journal
from ._serve import serve, serve_in_thread
from ._sim import DEFAULT_DEFECTS, KNOWN_DEFECTS, Simulator

__all__ = [
    "DEFAULT_DEFECTS",
    "KNOWN_DEFECTS",
    "Entry",
    "Journal",
    "Simulator",
    "SimulatorFleet",
    "instant_retries",
    "serve",
    "serve_in_thread",
]
__all__ += _faults.__all__
