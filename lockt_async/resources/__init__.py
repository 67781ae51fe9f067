"""One module per endpoint group; each class hangs off ``LocktClient`` as an attribute.

Bulk writes
    ``users.upsert``/``delete``, ``fobs.create``/``reassign``/``delete``,
    ``doors.create``/``delete``, ``access_levels.create``/``delete``,
    ``credentials.update``/``delete`` and ``locations.create`` share one shape:

    * the input is a list, any iterable or an async iterable of any size (a
      streamed input is held one page at a time); records are models or
      mappings with the document's field names (deletes take ids, models or
      mappings with ``id``);
    * ``validate_fails_batch`` as in the API: True (the default) is all or
      nothing per page, and a list input is checked whole before anything is
      sent; False reports bad records and sends the rest;
    * ``on_progress(Progress)`` is called after every page; ``stop_on_failure``
      stops at the first page with a failure; pass ``result=BatchResult()`` to
      keep the outcome of a call that gets cancelled;
    * the return value is a ``BatchResult`` with an outcome for every record;
      paging and retry rules are in ``lockt_async._writes``.

    Raises ``ValidationFailedError`` when a list input has invalid records and
    ``validate_fails_batch`` is True (nothing was sent, ``.failures`` lists them),
    and ``RecordError`` when the input is not an iterable of records. Server and
    transport errors never raise: they become outcomes (``result.stopped_by``
    holds an error that ended the import early, such as a revoked key).

Sync
    ``users.sync``, ``fobs.sync`` and ``doors.sync`` make Lockt equal to a
    source: one read of the instance, a ``SyncPlan`` (what differs, field by
    field), then only the inserts, changes and removals through the bulk write
    path above. The rules are in ``_sync`` (the engine) and ``_sync_kinds``
    (what is compared and sent per kind).
"""
