"""The document's "Proper email format" and "Proper phone format", read once.

The client's checks and the simulator's both call these, so a record one
accepts the other accepts. Neither invents a length: how many digits a phone
number has is the instance's business.
"""

from __future__ import annotations

from re import compile as _re_compile

__all__ = ["EMAIL_MAX_LEN", "email_format_ok", "phone_format_ok"]

#: RFC 5321's limit on an address (a path limit, not one of an instance).
EMAIL_MAX_LEN = 254

_LOCAL_RE = _re_compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_RE = _re_compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_PHONE_RE = _re_compile(r"\+?[0-9 .()\-]+")
_PHONE_PUNCT = str.maketrans("", "", "+ .()-")

#: Domains of addresses seen valid lately: an import's addresses share few domains.
_VALID_DOMAINS: set[str] = set()


def email_format_ok(value: str) -> bool:
    """``local@domain``: a local part of atoms (letters, digits and
    ``!#$%&'*+/=?^_`{|}~-``) joined by single dots; a domain of labels (letters,
    digits, inner dashes) ending in a 2-63 letter top-level label; 254 characters
    at most. ``value`` is the address without surrounding spaces."""
    if len(value) > EMAIL_MAX_LEN:
        return False
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return False
    if domain not in _VALID_DOMAINS:
        if _DOMAIN_RE.fullmatch(domain) is None:
            return False
        if len(_VALID_DOMAINS) >= 4096:
            _VALID_DOMAINS.clear()
        _VALID_DOMAINS.add(domain)
    if local.isalnum() and local.isascii():  # the usual case, without a regex
        return True
    return _LOCAL_RE.fullmatch(local) is not None


def phone_format_ok(value: str) -> bool:
    """An optional ``+``, then digits, spaces, dots, dashes and parentheses, with at
    least one digit. ``value`` is the number without surrounding spaces."""
    if value.isascii() and value.isdigit():
        return True
    return _PHONE_RE.fullmatch(value) is not None and bool(value.translate(_PHONE_PUNCT))
