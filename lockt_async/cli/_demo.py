"""``lockt demo``: a simulated instance, thousands of card holders, one streamed bulk import."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import click

from .._client import LocktClient
from ._exit import EXIT_FAILED, EXIT_OK
from ._output import console, failures_table, progress, summary_table
from ._run import interruptible, run

if TYPE_CHECKING:
    from ..models import UserRecord

FIRST = (
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Arjun",
    "Beatriz",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Fatima",
    "Grace",
    "Hana",
    "Hiroshi",
    "Ibrahim",
    "Ines",
    "Jamal",
    "Julia",
    "Kofi",
    "Lars",
    "Leila",
    "Lucas",
    "Maria",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Sara",
    "Sofia",
    "Tariq",
    "Wei",
    "Yusuf",
    "Zoe",
)
LAST = (
    "Okafor",
    "Smith",
    "Garcia",
    "Nguyen",
    "Kowalski",
    "Rossi",
    "Kim",
    "Patel",
    "Silva",
    "Schmidt",
    "Haddad",
    "Tanaka",
    "Johansson",
    "Dubois",
    "Ivanova",
    "Mensah",
    "Lopez",
    "Chen",
    "Novak",
    "Fischer",
    "Ahmed",
    "Costa",
    "Murphy",
    "Yilmaz",
    "Park",
    "Hughes",
    "Moreau",
    "Sato",
    "Cohen",
    "Andersen",
    "Reyes",
    "Brown",
    "Kaur",
    "Bianchi",
    "Nakamura",
    "Osei",
)
DOMAIN = "example.edu"
ZONE = ZoneInfo("America/New_York")
#: The deliberately invalid records: (what is wrong, how to break a good record).
BROKEN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("bad email", {"email": "not-an-email"}),
    ("non-numeric card", {"card_num": "12AB34"}),
    ("missing last name", {"last_name": None}),
    ("effective after expires", {"_swap_dates": True}),
    ("non-numeric pin", {"pin": "12a4"}),
    ("bad phone", {"phone": "call me maybe"}),
    ("missing id_num", {"id_num": None}),
)


def broken_positions(n: int) -> dict[int, int]:
    """Input index -> which BROKEN entry, spread evenly over ``n`` records."""
    k = min(len(BROKEN), n)
    return {(j + 1) * n // (k + 1): j for j in range(k)}


def card_holders(n: int, seed: int = 2024) -> Iterator[UserRecord]:
    """``n`` realistic card holders (a generator), a few of them deliberately invalid."""
    rng = random.Random(seed)
    broken = broken_positions(n)
    start = datetime(2025, 1, 6, 7, 0, tzinfo=ZONE)
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        effective = start + timedelta(days=rng.randrange(0, 365), hours=rng.randrange(0, 10))
        rec: dict[str, Any] = {
            "id_num": f"HR-{4211 + i:06d}",
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{i}@{DOMAIN}".lower(),
            "phone": f"555{rng.randrange(0, 10_000_000):07d}",
            "pin": f"{rng.randrange(0, 1_000_000):06d}"[: rng.choice((4, 5, 6))],
            "card_num": str(40_000_000 + i * 7 + rng.randrange(0, 7)),
            "access_effective": effective,
            "access_expires": effective + timedelta(days=rng.choice((90, 180, 365, 730))),
        }
        if i in broken:
            change = dict(BROKEN[broken[i]][1])
            if change.pop("_swap_dates", False):
                rec["access_effective"], rec["access_expires"] = (
                    rec["access_expires"],
                    rec["access_effective"],
                )
            for key, value in change.items():
                if value is None:
                    rec.pop(key)
                else:
                    rec[key] = value
        yield cast("UserRecord", rec)  # some are broken on purpose: checked at run time


#: ``--latency``: the simulated instance's time per write (``demo``, ``simulator serve``).
latency_option = click.option(
    "--latency",
    default=0.02,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds the simulated instance takes per write.",
)


@click.command()
@click.option("--records", default=5000, show_default=True, type=click.IntRange(1))
@latency_option
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1),
    help="Records per write the client assumes.",
)
@click.option(
    "--instance-limit",
    type=click.IntRange(1),
    help="The simulated instance's real limit (default: --limit); lower shows limit learning.",
)
def demo(records: int, latency: float, limit: int, instance_limit: int | None) -> int:
    """Import realistic card holders into a simulated instance on 127.0.0.1.

    The records are streamed from a generator through `client.users.upsert`
    (validate_fails_batch=False). A handful are invalid on purpose (bad email,
    non-numeric card, missing last name, ...): they are reported, the rest is sent.
    """
    # The simulator (starlette, uvicorn) is imported only by the commands that serve it.
    from ..testing import Simulator, serve

    out = console()
    real_limit = instance_limit or limit
    sim = Simulator(record_limit=real_limit, latency=latency)
    expected_bad = set(broken_positions(records))

    async def go() -> Any:
        async with serve(sim) as url:
            out.print(
                f"Simulated Lockt instance at {url} (latency {latency * 1000:g} ms per write, "
                f"record limit {real_limit}); the client assumes a limit of {limit}."
            )
            out.print(
                f"Importing {records:,} card holders, {len(expected_bad)} of them invalid "
                "on purpose (their failures are expected)."
            )
            client = LocktClient(
                sim.api_user, sim.api_key, base_url=url, record_limit=limit, timezone=ZONE
            )
            async with client:
                with progress(out, records, "importing") as on_progress:
                    return await interruptible(
                        lambda result: client.users.upsert(
                            card_holders(records),
                            validate_fails_batch=False,
                            on_progress=on_progress,
                            result=result,
                        )
                    )

    result = run(go)
    out.print()
    out.print(summary_table(result, title="Summary", latency=latency))
    if result.learned_limit is not None:
        out.print(
            f"Learned the instance's record limit: {result.learned_limit} "
            f"(assumed {limit}); later pages were cut to it."
        )
    if result.failures:
        out.print(failures_table(result))
    unexpected = [f for f in result.failures if f.index not in expected_bad]
    if result.cancelled:
        out.print("Interrupted: stopped after the page in flight.")
        return EXIT_FAILED
    if unexpected:
        out.print(f"{len(unexpected)} record(s) failed that were not meant to.")
        return EXIT_FAILED
    out.print(
        f"Done: {result.accepted:,} accepted; the {len(result.failures)} failed record(s) "
        "are the deliberately invalid ones (expected)."
    )
    return EXIT_OK
