"""``lockt_async.fleet.run``: one job per instance, bounded, with per-instance outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from lockt_async import AuthenticationError, ConfigurationError, LocktClient, SyncResult
from lockt_async.fleet import Instance, InstanceResult, env_name, load_instances, run
from lockt_async.testing import SimulatorFleet
from tests.support import URL, users

pytestmark = pytest.mark.anyio


def fleet_of(n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[SimulatorFleet, list[Instance]]:
    """``n`` simulated instances with their credentials in environment variables."""
    fleet = SimulatorFleet()
    instances = []
    for i in range(n):
        sim = fleet.add(f"site-{i}", record_limit=3 + i)
        item = Instance(sim.api_user, options={"base_url": URL})
        monkeypatch.setenv(item.api_user_env, sim.api_user)
        monkeypatch.setenv(item.api_key_env, sim.api_key)
        instances.append(item)
    return fleet, instances


def source_of(name: str) -> list[dict[str, Any]]:
    """A different roster per instance."""
    return users(5 + int(name.rsplit("-", 1)[1]), start=100 * int(name.rsplit("-", 1)[1]))


async def sync_job(lockt: LocktClient, instance: Instance) -> SyncResult:
    return await lockt.users.sync(source_of(instance.name), on_missing="delete")


async def test_every_instance_synced_with_its_own_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20 point 1: one client per instance; each instance equals its own source."""
    fleet, instances = fleet_of(6, monkeypatch)
    done: list[str] = []
    results = await run(
        instances,
        sync_job,
        concurrency=2,
        client_options={"transport": fleet.transport()},
        on_result=lambda r: done.append(r.name),
    )
    assert [r.name for r in results] == [i.name for i in instances]
    assert all(r.ok for r in results), results
    assert sorted(done) == sorted(fleet)
    for r in results:
        want = sorted(u["id_num"] for u in source_of(r.name))
        got = sorted(u["id_num"] for u in fleet[r.name].users.values())
        assert got == want
        assert r.value is not None and r.value.inserted == len(want)
    assert fleet.overlapping_writes() == {}


async def test_one_failing_instance_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 20 point 1: a wrong key and a missing variable are those instances' errors only."""
    fleet, instances = fleet_of(4, monkeypatch)
    fleet["site-1"].api_key = "rotated"
    monkeypatch.delenv(instances[2].api_key_env)
    results = await run(
        instances, sync_job, concurrency=4, client_options={"transport": fleet.transport()}
    )
    by_name = {r.name: r for r in results}
    assert isinstance(by_name["site-1"].error, AuthenticationError)
    assert isinstance(by_name["site-2"].error, ConfigurationError)
    assert instances[2].api_key_env in str(by_name["site-2"].error)
    assert [r.name for r in results if r.ok] == ["site-0", "site-3"]
    assert len(fleet["site-3"].users) == 8


async def test_concurrency_bounds_instances_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20 point 1: at most ``concurrency`` jobs run at once, and every one runs."""
    fleet, instances = fleet_of(7, monkeypatch)
    running = peak = 0

    async def job(lockt: LocktClient, instance: Instance) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.lowlevel.checkpoint()
        await lockt.users.list()
        running -= 1
        return instance.name

    results = await run(
        instances, job, concurrency=3, client_options={"transport": fleet.transport()}
    )
    assert [r.value for r in results] == [i.name for i in instances]
    assert peak == 3


async def test_a_stuck_instance_times_out_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20 point 1: an instance past ``timeout`` is a TimeoutError; the rest finish."""
    fleet, instances = fleet_of(3, monkeypatch)
    never = anyio.Event()

    async def job(lockt: LocktClient, instance: Instance) -> str:
        if instance.name == "site-1":
            await never.wait()
        return instance.name

    results = await run(
        instances, job, concurrency=1, timeout=0.2, client_options={"transport": fleet.transport()}
    )
    assert [type(r.error) for r in results] == [type(None), TimeoutError, type(None)]
    assert [r.value for r in results] == ["site-0", None, "site-2"]


async def test_cancelling_run_cancels_every_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20 point 1: cancelling ``run`` stops every running job and closes its client."""
    fleet, instances = fleet_of(4, monkeypatch)
    started: list[str] = []
    closed: list[str] = []
    all_started = anyio.Event()

    async def job(lockt: LocktClient, instance: Instance) -> None:
        started.append(instance.name)
        if len(started) == len(instances):
            all_started.set()
        try:
            await anyio.sleep_forever()
        finally:
            closed.append(instance.name)

    got: list[InstanceResult[None]] = []
    async with anyio.create_task_group() as tg:

        async def go() -> None:
            got.extend(
                await run(
                    instances,
                    job,
                    concurrency=4,
                    client_options={"transport": fleet.transport()},
                    on_result=got.append,
                )
            )

        tg.start_soon(go)
        with anyio.fail_after(5):
            await all_started.wait()
        tg.cancel_scope.cancel()
    assert sorted(closed) == sorted(fleet)
    assert got == []


async def test_bad_arguments_are_refused_by_name() -> None:
    """House rule: bad input is a ConfigurationError naming the argument."""

    async def job(lockt: LocktClient, instance: Instance) -> None:
        return None

    with pytest.raises(ConfigurationError, match="concurrency"):
        await run([Instance("a")], job, concurrency=0)
    with pytest.raises(ConfigurationError, match="timeout"):
        await run([Instance("a")], job, timeout=-1)
    with pytest.raises(ConfigurationError, match="'a' appears twice"):
        await run([Instance("a"), Instance("a")], job)
    with pytest.raises(ConfigurationError, match="name must be"):
        Instance("a b")
    with pytest.raises(ConfigurationError, match="must not carry credentials"):
        Instance("a", options={"api_key": "x"})


def test_credentials_come_from_named_variables_only(tmp_path: Path) -> None:
    """Issue 20 point 1: the fleet file names variables; a credential in it is refused."""
    good = tmp_path / "fleet.toml"
    good.write_text(
        '[defaults]\nbase_url = "https://lockt.example"\ntimezone = "Europe/Paris"\n'
        '[[instance]]\nname = "acme"\nsource = "acme.csv"\n'
        '[[instance]]\nname = "globex"\napi_key_env = "GLOBEX_KEY"\nrecord_limit = 50\n'
    )
    acme, globex = load_instances(good)
    assert acme.options == {"base_url": "https://lockt.example", "timezone": "Europe/Paris"}
    assert acme.extra == {"source": "acme.csv"}
    assert (acme.api_user_env, acme.api_key_env) == (
        env_name("acme", "API_USER"),
        env_name("acme", "API_KEY"),
    )
    assert env_name("acme-east.1", "API_KEY") == "LOCKT_ACME_EAST_1_API_KEY"
    assert (globex.api_key_env, globex.options["record_limit"]) == ("GLOBEX_KEY", 50)
    env = {"LOCKT_ACME_API_USER": "u", "LOCKT_ACME_API_KEY": "s3cret"}
    assert acme.credentials(env) == ("u", "s3cret")
    with pytest.raises(ConfigurationError, match="GLOBEX_KEY is not set") as info:
        globex.credentials({"LOCKT_GLOBEX_API_USER": "u"})
    assert "s3cret" not in str(info.value)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[instance]]\nname = "acme"\napi_key = "s3cret"\n')
    with pytest.raises(ConfigurationError, match="credentials never go in the file") as info:
        load_instances(bad)
    assert "s3cret" not in str(info.value)
    (tmp_path / "none.toml").write_text("[defaults]\n")
    with pytest.raises(ConfigurationError, match=r"\[\[instance\]\]"):
        load_instances(tmp_path / "none.toml")


async def test_clients_share_one_certificate_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: fleet.run builds one SSLContext for all its clients (each costs ~75 ms of CPU)."""
    seen: list[object] = []
    real = Instance.client

    def spy(self: Instance, **kw: Any) -> LocktClient:
        seen.append(kw.get("ssl_context"))
        return real(self, **kw)

    monkeypatch.setattr(Instance, "client", spy)
    names = [
        Instance(f"https-{i}", options={"base_url": "https://lockt.test/api/v1"}) for i in range(3)
    ]
    for item in names:
        monkeypatch.setenv(item.api_user_env, "u")
        monkeypatch.setenv(item.api_key_env, "k")

    async def job(lockt: LocktClient, instance: Instance) -> None:
        return None

    results = await run(names, job)
    assert all(r.ok for r in results)
    assert len(seen) == 3 and seen[0] is not None and all(s is seen[0] for s in seen)
    with pytest.raises(ConfigurationError, match=r"ssl_context must be an ssl\.SSLContext"):
        LocktClient("u", "k", ssl_context="/etc/ssl/cert.pem")  # type: ignore[arg-type]
