"""Users (credential holders) and their credentials."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field
from .accesslevels import AccessLevelRef


@attrs.frozen(kw_only=True)
class UserCredential:
    """One entry of a user's ``credentials`` (``GET /user?id=``).

    - ``id``, ``name``, ``card_num``, ``credential_key``: the credential.
    - ``fob``: True when the credential is tagged as a fob.
    """

    id: int | None = None
    name: str | None = None
    card_num: str | None = None
    credential_key: str | None = None
    fob: bool | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class User:
    """A non-administrative card holder.

    Every field is optional: ``PUT /user`` acts only on the fields supplied, and
    the converter writes only fields that are not None.

    - ``id``: system id; ``-1`` inserts on ``POST /user``; None means "not given".
    - ``id_num``: the external system's id number (str; ints accepted on read).
    - ``first_name``, ``last_name``: written on insert/update.
    - ``name``: display name some reads send instead of first/last (read only in practice).
    - ``card_num``: card number (str); ``"-1"`` removes all non-fob credentials.
    - ``pin``: PIN (str, keeps leading zeros).
    - ``credential_key``: mobile credential registration key.
    - ``email``, ``phone``: contact details.
    - ``access_effective``, ``access_expires``: aware datetimes.
    - ``enabled``: whether the user is enabled.
    - ``accesslevels``: None = not given (not written); ``()`` is written as
      ``[]``, which with ``replace_privileges=true`` removes every access level.
    - ``credentials``: the user's credentials (read only, never written).
    - ``custom1`` .. ``custom4``: custom text fields.
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    id_num: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    card_num: str | None = None
    pin: str | None = None
    credential_key: str | None = None
    email: str | None = None
    phone: str | None = None
    access_effective: datetime | None = None
    access_expires: datetime | None = None
    enabled: bool | None = None
    accesslevels: tuple[AccessLevelRef, ...] | None = None
    credentials: tuple[UserCredential, ...] = ()
    custom1: str | None = None
    custom2: str | None = None
    custom3: str | None = None
    custom4: str | None = None
    extra: Mapping[str, Any] = extra_field()
