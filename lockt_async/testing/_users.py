"""POST and PUT /user: the user rows of the validation table and the behaviour table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _validation as v
from ._state import Instance, Record

if TYPE_CHECKING:
    from ._writes import Batch, Prepared


def _int(value: Any) -> int | None:
    try:
        return int(v.text(value))
    except ValueError:
        return None


def _levels(raw: Any, batch: Batch, errors: list[str]) -> list[int] | None:
    """``accesslevels`` ([{"id": n}]): "Id is valid", "Duplicate Assigned Access Levels"."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        errors.append("Invalid accesslevels: expected an array of {id} objects")
        return None
    seen: list[int] = []
    for item in raw:
        ident = item.get("id") if isinstance(item, dict) else item
        lid = _int(ident)
        if lid is None or lid not in batch.inst.access_levels:
            errors.append(f"Access level id is not valid: {v.text(ident)}")
        elif lid in seen:
            errors.append(f"Duplicate access level id: {lid}")
        else:
            seen.append(lid)
    return seen


_CUSTOM_KEYS = frozenset({"custom1", "custom2", "custom3", "custom4"})
# Stored user fields a POST insert does not set (see Instance.new_user).
_NEW_USER_REST = {"custom1": "", "custom2": "", "custom3": "", "custom4": "",
                  "privileged": False, "installer": False}  # fmt: skip


def _custom(rec: Record, target: Record) -> None:
    if not _CUSTOM_KEYS & rec.keys():
        return
    for key in ("custom1", "custom2", "custom3", "custom4"):
        if key in rec:
            target[key] = v.text(rec[key])


def _ignored() -> str:
    return "ignored"


def _update_refused(batch: Batch, uid: int) -> Prepared | None:
    """An update of an unknown id is an error; with update_existing=false it is ignored."""
    if uid not in batch.inst.users:
        return [f"Id is not valid: {uid}"]
    if not batch.options.update_existing:
        return _ignored
    return None


def _check_unique(
    batch: Batch, owner: int | None, id_num: str, mail: str, errors: list[str]
) -> None:
    """id_num and email unique in the system (but for ``owner``) and within the page."""
    inst = batch.inst
    if id_num and (
        inst.user_by_id_num.get(id_num, owner) != owner or ("id_num", id_num) in batch.claims
    ):
        errors.append(f"id_num Already Exists: {id_num}")
    if mail and (
        inst.user_by_email.get(mail.lower(), owner) != owner
        or ("email", mail.lower()) in batch.claims
    ):
        errors.append(f"Email Already Exists: {mail}")


def _card_used(inst: Instance, uid: int | None, card: str) -> bool:
    """Whether ``card_num`` adds a card: on insert (``uid`` None) any real one; on update
    only when the user holds no card (-1 clears instead)."""
    if card in ("", "-1"):
        return False
    return uid is None or not any(not c["fob"] for c in inst.user_credentials(uid))


def _claim(batch: Batch, id_num: str, mail: str, card: str) -> None:
    """Later records of the page may not reuse these."""
    batch.claims.add(("id_num", id_num))
    if mail:
        batch.claims.add(("email", mail.lower()))
    if card:
        batch.claims.add(("card", card))


def prepare_user(rec: Record, batch: Batch) -> Prepared:
    """POST /user: id -1 inserts, a valid id updates (the user behaviour table)."""
    inst, errors = batch.inst, list[str]()
    uid = v.record_id(rec.get("id"), errors)
    if uid is None:
        return errors
    insert = uid == -1
    refused = None if insert else _update_refused(batch, uid)
    if refused is not None:
        return refused
    id_num = v.required(rec, "id_num", errors)
    first = v.required(rec, "first_name", errors)
    last = v.required(rec, "last_name", errors)
    mail = v.email(rec.get("email"), errors)
    tel = v.phone(rec.get("phone"), errors)
    pin = v.pin(rec.get("pin"), errors, batch.limits)
    card = v.card_num(rec.get("card_num"), errors, batch.limits)
    eff, exp = v.dates(rec, inst.zone, errors)
    levels = _levels(rec.get("accesslevels"), batch, errors)
    _check_unique(batch, None if insert else uid, id_num, mail, errors)
    use_card = _card_used(inst, None if insert else uid, card)
    if use_card and batch.taken("card", card, inst.cred_by_card):
        errors.append(f"card_num Already Exists: {card}")
    if errors:
        return errors
    _claim(batch, id_num, mail, card if use_card else "")
    enabled = v.flag(rec.get("enabled"), True)
    fields: Record = {
        "id_num": id_num, "first_name": first, "last_name": last, "name": f"{last}, {first}",
        "email": mail, "phone": tel, "pin": pin, "enabled": enabled,
        "access_effective": eff, "access_expires": exp,
    }  # fmt: skip

    def apply() -> str:
        if insert:
            user = fields  # the new record itself: no copy on the hot path
            user.update(id=inst.next_id(), accesslevels=(), credential_ids=(), **_NEW_USER_REST)
            inst.users[user["id"]] = user
        else:
            user = inst.users[uid]
            inst.unindex_user(user)
            user.update(fields)
        _custom(rec, user)
        inst.index_user(user)
        if card == "-1" and not insert:
            _drop_cards(inst, user["id"])
        if use_card:
            inst.add_credential(card, user["id"])
        if levels is not None:
            _set_levels(user, levels, batch.options.replace_privileges or insert)
        return "inserted" if insert else "updated"

    return apply


def _put_dates(inst: Instance, rec: Record, user: Record, errors: list[str]) -> tuple[Any, Any]:
    """The access dates after a PUT: those given (checked), else the user's own."""
    new_eff, new_exp = user["access_effective"], user["access_expires"]
    if "access_effective" in rec:
        new_eff = v.local_date(rec["access_effective"], "access_effective", inst.zone, errors)
    if "access_expires" in rec:
        new_exp = v.local_date(rec["access_expires"], "access_expires", inst.zone, errors)
        v.not_past(new_exp, rec["access_expires"], inst.now(), errors)
    v.date_order(new_eff, new_exp, errors, inst.zone)
    return new_eff, new_exp


def prepare_user_put(rec: Record, batch: Batch) -> Prepared:
    """PUT /user: one object, only the supplied properties change."""
    inst, errors = batch.inst, list[str]()
    uid = v.stored_id(rec, inst.users, errors)
    if uid is None:
        return errors
    user = inst.users[uid]
    card = v.card_num(rec.get("card_num"), errors, batch.limits)
    new_eff, new_exp = _put_dates(inst, rec, user, errors)
    levels = _levels(rec.get("accesslevels"), batch, errors)
    has_card = any(not c["fob"] for c in inst.user_credentials(uid))
    use_card = card not in ("", "-1") and not has_card
    if use_card and card in inst.cred_by_card:
        errors.append(f"card_num Already Exists: {card}")
    if errors:
        return errors

    def apply() -> str:
        user["access_effective"], user["access_expires"] = new_eff, new_exp
        if "enabled" in rec:
            user["enabled"] = v.flag(rec["enabled"], user["enabled"])
        _custom(rec, user)
        if card == "-1":
            _drop_cards(inst, uid)
        elif use_card:
            inst.add_credential(card, uid)
        if levels is not None:
            _set_levels(user, levels, batch.options.replace_privileges)
        return "updated"

    return apply


def _drop_cards(inst: Instance, uid: int) -> None:
    """card_num -1: remove all existing non-FOB credentials from the user."""
    for cred in inst.user_credentials(uid):
        if not cred["fob"]:
            inst.remove_credential(cred["id"])


def _set_levels(target: Record, levels: list[int], replace: bool) -> None:
    """replace_privileges: true replaces (empty list removes all), false adds."""
    old = target["accesslevels"]
    target["accesslevels"] = (
        tuple(levels) if replace else old + tuple(i for i in levels if i not in old)
    )
