"""Issue 22 point 1: list reads vs single-object reads follow the document's tables.

NOTES.md, row "GET /user list rows vs one user": the ``GET /user`` list table has
no ``pin`` (and no ``credentials``); the ``?id=`` / ``?id_num=`` example shows
both. The other groups' list and single reads share one table each, so they share
one shape: fobs (``/fob`` vs ``?id=``, ``?name=``, ``?card_num=``), credentials
(``/credential`` vs ``?id=``, ``?user_id=``, ``?card_num=``), access levels
(``/accesslevel`` vs ``?name=``), doors (``/door`` vs ``?user_id=``, ``?id_num=``:
the filtered tables list only id and name, their examples show the list's rows).
"""

from __future__ import annotations

import httpx
import pytest

from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio

#: The GET /user list table's fields, plus ``name`` and ``enabled`` (the list example).
USER_LIST_FIELDS = {
    "id", "id_num", "first_name", "last_name", "card_num", "credential_key", "email",
    "phone", "access_effective", "access_expires", "accesslevels",
    "custom1", "custom2", "custom3", "custom4", "name", "enabled",
}  # fmt: skip


async def rows(client: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, object]]:
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, object]] = r.json()["data"]
    return data


async def test_user_list_rows_carry_the_list_table_and_no_pin(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """GET /user list table (+ the example's name, enabled): no pin, no credentials."""
    listed = await rows(client, "/user")
    assert listed and all(set(row) == USER_LIST_FIELDS for row in listed)


@pytest.mark.parametrize("query", ["missingcreds", "privileged", "installers"])
async def test_user_filtered_lists_have_the_list_shape(
    client: httpx.AsyncClient, query: str
) -> None:
    """GET /user?missingcreds|privileged|installers: the list table again (no pin)."""
    assert all("pin" not in row for row in await rows(client, "/user", **{query: ""}))


@pytest.mark.parametrize("param", ["id", "id_num"])
async def test_one_user_read_carries_pin_and_credentials(
    client: httpx.AsyncClient, sim: Simulator, param: str
) -> None:
    """GET /user?id=1693 example (and ?id_num=): the list's fields plus pin and credentials."""
    value = "1693" if param == "id" else "329359"
    (row,) = await rows(client, "/user", **{param: value})
    assert set(row) == USER_LIST_FIELDS | {"pin", "credentials"}
    assert row["pin"] == "8822"
    listed = {r["id"]: r for r in await rows(client, "/user")}[1693]
    assert {k: row[k] for k in listed} == listed, "the shared fields agree"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/fob", {"id": "443"}),
        ("/fob", {"name": "Office Floor 1 FOB 1"}),
        ("/credential", {"id": "335"}),
        ("/credential", {"user_id": "300"}),
        ("/accesslevel", {"name": "Security"}),
        ("/door", {"user_id": "1693"}),
    ],
)
async def test_other_single_reads_share_the_list_shape(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    """Fob, credential, access level, door tables: one table for list and filtered reads."""
    listed = {r["id"]: r for r in await rows(client, path)}
    picked = await rows(client, path, **params)
    assert picked
    for row in picked:
        assert row == listed[row["id"]]
