"""lockt_async.temporal without a server: ids, plan ids, what crosses into Temporal."""

from __future__ import annotations

import dataclasses

import pytest

from lockt_async import ConfigurationError, SyncPlan
from lockt_async.temporal import (
    PlanSummary,
    SyncReport,
    SyncRequest,
    interceptors,
    plan_id,
    workflow_id,
)


def test_workflow_id_is_derived_from_the_name_only() -> None:
    """Issue 20: the workflow id names the instance; a non-name is refused by argument."""
    assert workflow_id("acme-east.1") == "lockt-sync-acme-east.1"
    for bad in ("", "a b", "x/../y", "-lead"):
        with pytest.raises(ConfigurationError, match="instance must be a fleet name"):
            workflow_id(bad)


def test_requests_and_reports_hold_no_credential_field() -> None:
    """Issue 20: no credential in workflow inputs or results: the worker resolves names."""
    for cls in (SyncRequest, PlanSummary, SyncReport):
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & {"api_key", "apikey", "api_user", "base_url", "password"}, cls


def test_plan_id_names_the_plan_content() -> None:
    """Issue 20: an approval names exactly one plan: equal plans, equal ids; else not."""
    one = SyncPlan(kind="users", key="id_num", on_missing="delete", keyed=3)
    same = SyncPlan(kind="users", key="id_num", on_missing="delete", keyed=3)
    other = SyncPlan(kind="users", key="id_num", on_missing="delete", keyed=4)
    assert plan_id(one) == plan_id(same) != plan_id(other)


def test_interceptors_is_a_list() -> None:
    """Issue 20: tracing joins the starter's trace when OpenTelemetry is there, else nothing."""
    got = interceptors()
    assert isinstance(got, list) and len(got) <= 1


def test_a_large_plan_is_cut_for_the_history() -> None:
    """Issue 20: a plan's lists are cut to PLAN_DETAIL entries in the result, with the count."""
    from lockt_async.temporal._activities import PLAN_DETAIL, _cut

    plan = SyncPlan(kind="users", key="id_num", on_missing="keep")
    plan.unchanged = list(range(PLAN_DETAIL + 5))
    data = _cut(plan)
    assert len(data["unchanged"]) == PLAN_DETAIL and data["unchanged_truncated"] == PLAN_DETAIL + 5
