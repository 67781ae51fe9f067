"""``lockt_async.testing``: a faithful, stateful simulator of one Lockt instance.

Serve it in-process (``httpx.AsyncClient(transport=sim.transport(), ...)``),
on a loopback socket (:func:`serve`, :func:`serve_in_thread`), or from the
command line (``python -m lockt_async.testing serve --port 0``). Script
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
  * POST /unlock: always 200 with per-door objects; an unknown id gets
    ``status: "error"`` and "Door id is not valid: X".
Alternate spellings accepted: ``/delegates``, ``/accesslevels`` (GET and DELETE),
  ``?idnum=`` for ``?id_num=``. Options as JSON booleans or "true"/"false" strings.
Undocumented shapes (our invention; clients must not rely on them)
  * ``/ping`` -> ``{"data": {"status": "ok", "message": "pong"}}``
  * ``/settings`` -> ``{"data": {"record_limit", "timezone", "version"}}``
  * ``/site`` -> ``{"data": {"name", "timezone"}}``
  * ``/maintenance`` -> ``{"data": {"scheduled": false, "start", "end", "details"}}``
  * PUT /credential accepts ``id`` plus ``access_effective``, ``access_expires``, ``enabled``.
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
  * Required on POST /user insert AND update: id, id_num, first_name, last_name
    ("Missing or blank <field>"). The table's "Missing or blank" rows for email,
    phone and pin are read as "validated when supplied": real imports omit them.
  * pin 4-8 digits; card_num digits, at most 20; phone = optional +, digits,
    spaces, dashes, parentheses with 7-15 digits; email ``x@y.z``.
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
    fobs are credentials too and appear in /credential (with ``"fob": true``).
  * /events: the newest 5000, newest first; ``?id=N``: ids above N, ascending.
  * /doorstate lists doors that have a battery; ``?low_battery=N`` those below N.
  * /door?user_id / ?id_num: doors reached through access levels and delegations.
  * Controller names use the real "\u2122" where the document shows mojibake.
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

from ._faults import (
    COMMUNICATION_ERRORS,
    ENUMERATE_DEPENDANT,
    HOST_UNREACHABLE,
    LOCATE_TEMPLATE,
    UNEXPECTED_ERROR,
    Delay,
    Drop,
    Fault,
    FaultPlan,
    RateLimit,
    RequestInfo,
    Respond,
    communication_error,
    error_envelope,
    html_page,
    invalid_utf8,
    status,
    truncated_json,
)
from ._journal import Entry, Journal
from ._serve import serve, serve_in_thread
from ._sim import DEFAULT_DEFECTS, KNOWN_DEFECTS, Simulator

__all__ = [
    "COMMUNICATION_ERRORS",
    "DEFAULT_DEFECTS",
    "ENUMERATE_DEPENDANT",
    "HOST_UNREACHABLE",
    "KNOWN_DEFECTS",
    "LOCATE_TEMPLATE",
    "UNEXPECTED_ERROR",
    "Delay",
    "Drop",
    "Entry",
    "Fault",
    "FaultPlan",
    "Journal",
    "RateLimit",
    "RequestInfo",
    "Respond",
    "Simulator",
    "communication_error",
    "error_envelope",
    "html_page",
    "invalid_utf8",
    "serve",
    "serve_in_thread",
    "status",
    "truncated_json",
]
