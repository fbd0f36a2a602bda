"""The registry and the reporting service as operators run them, each `ccn serve`d in its own
process: a cluster planned in one is in the other's province report, which `ccn report` saves
as an official would."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import httpx
import openpyxl
import pytest

from shared.auth import mint_token
from shared.domain import today
from tests.e2e.conftest import ServedService
from tests.kafka_tools import wait_until

CCN = str(Path(sys.executable).with_name("ccn"))
CA_MAU = "96"
"""No other test plans a cluster in Cà Mau: its report counts this test's cluster only."""


def _ccn_report(
    reporting: ServedService, *args: str, token: str | None
) -> subprocess.CompletedProcess[bytes]:
    command = [CCN, "report", "province", CA_MAU, "--url", reporting.url, *args]
    if token is not None:
        command += ["--token", token]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize("with_registry", ["reporting"], indirect=True)
async def test_a_planned_cluster_is_in_the_province_report_ccn_report_saves(
    with_registry: tuple[ServedService, ServedService], tmp_path: Path
) -> None:
    registry, reporting = with_registry
    officer = mint_token(
        registry.jwt_secret,
        subject="e2e",
        agency="so-cong-thuong",
        roles=["officer"],
        province=CA_MAU,
    )
    async with httpx.AsyncClient(base_url=f"{registry.url}/api/v1") as http:
        planned = await http.post(
            "/clusters",
            json={"name": "CCN Khánh An", "province_code": CA_MAU, "planned_area_ha": "15"},
            headers={"Authorization": f"Bearer {officer}"},
        )
        assert planned.status_code == 201, planned.text
    token = mint_token(
        reporting.jwt_secret,
        subject="e2e",
        agency="so-cong-thuong",
        roles=["viewer"],
        province=CA_MAU,
    )
    period = str(today().year)

    async def reported() -> bool:
        done = _ccn_report(reporting, "--period", period, "--format", "csv", token=token)
        if done.returncode != 0:
            return False
        rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"))))
        totals = rows[rows.index(["Cụm công nghiệp"]) + 2]
        return totals[0] == "1"

    assert await wait_until(reported, timeout_s=180), "the cluster never reached the report"

    saved = tmp_path / "bao-cao.xlsx"
    done = _ccn_report(reporting, "--period", period, "-o", str(saved), token=token)
    assert done.returncode == 0, done.stderr.decode()
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == "Cụm công nghiệp" and book["Cụm công nghiệp"]["A2"].value == 1
    refused = _ccn_report(reporting, "--period", period, token=None)
    assert refused.returncode == 2 and b"CCN_TOKEN" in refused.stderr
