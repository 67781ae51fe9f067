"""The printed plan of ``lockt sync`` (no --report): the compared fields and the route."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from lockt_async import SyncPlan, SyncRoute
from lockt_async.cli._sync import _print_plan


def printed(plan: SyncPlan, *, terminal: bool) -> str:
    buf = StringIO()
    # No colour codes: the text as a reader sees it (on a terminal: after the table).
    out = Console(file=buf, force_terminal=terminal, color_system=None, width=200)
    _print_plan(out, plan, 0)
    return buf.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
def test_plan_shows_compared_fields_and_the_route(terminal: bool) -> None:
    """Issue 21: the printed plan names plan.compared, plan.not_compared and plan.route."""
    plan = SyncPlan(kind="users", key="id_num", on_missing="keep")
    plan.compared = ("email", "phone")
    plan.not_compared = {"pin": "GET /user does not return pin: not compared"}
    plan.route = SyncRoute("read", ("pin",), 3, 0, 2.0, 3.0, "estimated 3 round trips")
    text = printed(plan, terminal=terminal)
    assert "compared: email, phone (not compared: pin; --plan-out says why)" in text
    assert "route: read (3 read(s), 0 PUT(s) for pin; estimated 3 round trips)" in text


def test_plan_without_a_route_says_none() -> None:
    """Issue 21: a plan that needs no server-held field prints route none, as --report."""
    plan = SyncPlan(kind="doors", key="name", on_missing="keep")
    text = printed(plan, terminal=False)
    assert "  compared: none\n" in text
    assert "  route: none (no record needs a field only Lockt holds)\n" in text
