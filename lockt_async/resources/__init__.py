"""One module per endpoint group; each class hangs off ``LocktClient`` as an attribute.

Bulk writes (``users.upsert``/``delete``, ``fobs.create``/``reassign``/``delete``,
``doors.create``/``delete``, ``access_levels.create``/``delete``,
``credentials.update``/``delete``, ``locations.create``) share one shape, spelled
out in each method's own docstring (``help(client.users.upsert)``).

Sync (``users.sync``, ``fobs.sync``, ``doors.sync``) makes Lockt equal to a
source: one read of the instance, a ``SyncPlan`` (what differs, field by field),
then only the inserts, changes and removals through the bulk writes above.
"""
