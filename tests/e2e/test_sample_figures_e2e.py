"""The published figures, end to end: every service `ccn serve`d in its own process on its own
PostgreSQL database, each one's sample data loaded with `ccn seed` as `make run` loads it, and
the reporting service's reports read over HTTP. The services talk through a broker of this
test's own: the suite's broker carries other tests' events of the same provinces."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from services import SERVICES
from shared.auth import mint_token
from shared.domain import today
from shared.localinfra import PostgresServer
from shared.throwaway import throwaway_broker
from tests.e2e.conftest import ServedService, serving
from tests.kafka_tools import wait_until
from tests.published import HA_NOI_SINCE_2018, SON_LA_2016_2020_OUTPUTS

SEEDED = ("registry", "environment", "promotion")
"""In this order: the environment department's sample data builds on the registry's facilities."""


@pytest.fixture
def own_broker() -> Iterator[str]:
    with throwaway_broker() as broker:
        yield broker.bootstrap


async def _ccn(service: ServedService, command: str) -> str:
    """`ccn <command> <service>` on the service's database and broker; what it printed."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", command, service.name],
        env=service.env,
        capture_output=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return (done.stdout + done.stderr).decode(errors="replace")


async def test_the_reports_reproduce_the_published_figures(
    own_broker: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    with ExitStack() as running:
        served = {
            name: running.enter_context(serving(name, postgres_server, own_broker, tmp_path))
            for name in SERVICES
        }
        for name in SEEDED:
            await _ccn(served[name], "seed")
        reporting = served["reporting"]
        token = mint_token(
            reporting.jwt_secret,
            subject="e2e",
            agency="bo-cong-thuong",
            roles=["viewer"],
            province=None,
        )
        async with httpx.AsyncClient(
            base_url=f"{reporting.url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            await _check_the_figures(http)
            # Rebuilt from every event by `ccn rebuild`, in a process of its own, while the
            # service serves: the service moves to the new generation, and the figures hold.
            printed = await _ccn(reporting, "rebuild")
            assert "events/s" in printed and "serves" in printed, printed
            await _check_the_figures(http)
        admin = mint_token(
            reporting.jwt_secret,
            subject="e2e",
            agency="bo-cong-thuong",
            roles=["admin"],
            province=None,
        )
        async with httpx.AsyncClient(base_url=f"{reporting.url}/api/v1") as http:
            listed = await http.get("/admin/rebuilds", headers={"Authorization": f"Bearer {admin}"})
        assert listed.status_code == 200, listed.text
        assert listed.json()["live"] == 1


async def _figures(
    http: httpx.AsyncClient, path: str, read: Callable[[dict[str, Any]], Any], expected: Any
) -> None:
    """Wait until the report at `path` shows `expected` as `read` reads it: the services
    apply each other's events a moment apart, and a report may show some before others."""
    shown: list[Any] = []

    async def arrived() -> bool:
        response = await http.get(path)
        if response.status_code != 200:
            return False
        shown[:] = [read(response.json())]
        return bool(shown[0] == expected)

    assert await wait_until(arrived, timeout_s=300), f"{path}: {shown} != {expected}"


def _cut_year(day: date) -> int:
    """The year whose data cut (Circular 14: to 14 December) holds `day`."""
    return day.year if day <= date(day.year, 12, 14) else day.year + 1


async def _check_the_figures(http: httpx.AsyncClient) -> None:
    # Sơn La city: Duyên Hải and Phố Mới, 22.5 ha, 5.7 billion VND, 117 facilities moved in.
    await _figures(
        http,
        "/reports/clusters?province_code=14",
        lambda r: (
            sorted(c["name"] for c in r["clusters"]),
            float(r["totals"]["area_ha"]),
            r["totals"]["infrastructure_investment_vnd"],
            r["totals"]["tenants"],
        ),
        (["Cụm công nghiệp Duyên Hải", "Cụm công nghiệp Phố Mới"], 22.5, 5_700_000_000, 117),
    )
    # Sơn La city 2010: 100 billion VND produced in the clusters, 35 % of its small industry.
    await _figures(
        http,
        "/reports/provinces/14?period=2010",
        lambda r: (
            r["production"]["production_value_vnd"],
            [(o["year"], float(o["cluster_share"])) for o in r["output_shares"]],
        ),
        (100_000_000_000, [(2010, 0.35)]),
    )
    # Hà Nội: about 1,100 billion VND a year paid to the budget by its clusters' tenants.
    await _figures(
        http,
        "/reports/provinces/01?period=2024",
        lambda r: r["production"]["budget_paid_vnd"],
        1_100_000_000_000,
    )
    # Hà Nội as the city published it: 159 clusters in the plan on 3,204.31 ha, 70 operating
    # with 3,864 households and enterprises and over 60,000 workers; since 2018, 31 new
    # clusters and 12 second phases, 753.3 ha and about 16,150 billion VND; 68 in calls for
    # investors. A plan carries no date, so its clusters count from the day they were loaded:
    # the span runs to now.
    await _figures(
        http,
        f"/reports/provinces/01?period=2018-{_cut_year(today())}",
        lambda r: (
            r["clusters"]["clusters"],
            r["clusters"]["planned_area_ha"],
            r["clusters"]["by_status"]["operating"],
            r["clusters"]["tenants"],
            r["clusters"]["workers"],
            {k: r["established"][k] for k in HA_NOI_SINCE_2018},
            r["established"]["calls_for_investors"],
        ),
        (159, "3204.3100", 70, 3_864, 60_480, HA_NOI_SINCE_2018, 68),
    )
    # Bắc Kạn 2011–2016: 129 projects, 3.14 + 4.235 = 7.375 billion VND.
    await _figures(
        http,
        "/reports/provinces/19?period=2011-2016",
        lambda r: (
            r["khuyen_cong"]["projects_approved"],
            r["khuyen_cong"]["by_funding_source"]["national"]["approved_vnd"],
            r["khuyen_cong"]["by_funding_source"]["local"]["approved_vnd"],
            r["khuyen_cong"]["total"]["approved_vnd"],
        ),
        (129, 3_140_000_000, 4_235_000_000, 7_375_000_000),
    )
    # Sơn La 2016–2020: the khuyến công outputs DOMAIN.md lists, and the counterpart funds.
    await _figures(
        http,
        "/reports/provinces/14?period=2016-2020",
        lambda r: (r["khuyen_cong"]["outputs"], r["khuyen_cong"]["total"]["counterpart_vnd"]),
        (SON_LA_2016_2020_OUTPUTS, 18_560_000_000),
    )
    # The environment department's inspections reached the relocation figures: Sơn La's
    # facilities it classified polluting wait in residential areas.
    await _figures(
        http,
        "/reports/provinces/14?period=2025",
        lambda r: (r["relocations"]["still_needed"] > 0, r["inspections"]["carried_out"] > 0),
        (True, True),
    )
