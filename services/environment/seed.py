"""Sample data: Sơn La's environment department inspects the registry's sample facilities.

The facilities come from the registry through Kafka, so the load waits for them (the
registry and this service must be running: `make run` starts both). Facilities still in
residential areas were found polluting in 2024 (a third at twice the COD limit or more) and,
for most, again after 1 Sep 2025 (still judged by QCVN 40:2011 under the transitional
provision: they operated long before); they are classified and reach the registry's
relocation list. Some violations were remedied; the others are overdue. A few relocated
facilities are inspected and compliant. Loading twice changes nothing."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from decimal import Decimal
from typing import Any

from services.environment import handlers as h
from services.environment import schemas as s
from services.environment.domain import EnvironmentRules
from shared.commands import Commands
from shared.events.environment import InspectionKind
from shared.preconditions import Precondition
from shared.principal import Agency
from shared.sample_data import SampleLoader
from shared.service import Progress, sample_data_caller

SON_LA = "14"
CALLERS = {SON_LA: sample_data_caller(Agency.SO_TNMT, SON_LA)}
TEAM = "Đoàn kiểm tra Sở Nông nghiệp và Môi trường tỉnh Sơn La"
OPERATING_SINCE = date(2008, 1, 1)
"""The sample facilities worked long before QCVN 40:2025 took effect."""
WAIT_FOR_REGISTRY_S = 180.0
POLL_S, QUIET_POLLS = 2.0, 3
COMPLIANT_RELOCATED = 5


async def load(commands: Commands[EnvironmentRules], progress: Progress) -> int:
    """Load the sample data; return how many commands it took (replays included)."""
    loader = SampleLoader(commands, CALLERS)
    waiting = await _facilities(loader, progress, in_cluster=False)
    for i, facility in enumerate(waiting):
        serious = i % 3 == 0
        first = await _inspection(
            loader, facility, date(2024, 4, 1 + i % 20), cod="400" if serious else "170"
        )
        if i % 3 == 1:
            await _remedy(loader, first, date(2024, 6, 15))
        if not serious and i < 20:
            await _inspection(loader, facility, date(2025, 10, 1 + i % 20), cod="165")
    progress(f"sample data: {len(waiting)} facilities in residential areas inspected")
    relocated = await _facilities(loader, progress, in_cluster=True)
    for facility in relocated[:COMPLIANT_RELOCATED]:
        await _inspection(loader, facility, date(2025, 3, 12), cod="90")
    progress(f"sample data: {COMPLIANT_RELOCATED} relocated facilities inspected, compliant")
    return loader.count


async def _facilities(
    loader: SampleLoader[EnvironmentRules], progress: Progress, *, in_cluster: bool
) -> list[dict[str, Any]]:
    """Sơn La's facilities as the registry's events brought them, once they stop arriving
    (no new one for `QUIET_POLLS` polls in a row)."""
    deadline, seen, quiet = time.monotonic() + WAIT_FOR_REGISTRY_S, -1, 0
    while True:
        found = await _all_facilities(loader, in_cluster)
        quiet = quiet + 1 if found and len(found) == seen else 0
        if quiet >= QUIET_POLLS:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"only {len(found)} of the registry's Sơn La facilities reached the environment "
                f"service in {WAIT_FOR_REGISTRY_S:.0f} s: run the registry and this service "
                "with Kafka (`make run` does), then seed again"
            )
        if len(found) != seen:
            progress(f"sample data: {len(found)} facilities from the registry so far")
        seen = len(found)
        await asyncio.sleep(POLL_S)


async def _all_facilities(
    loader: SampleLoader[EnvironmentRules], in_cluster: bool
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = s.FacilityQuery(
            province_code=SON_LA, in_cluster=in_cluster, limit=200, cursor=cursor
        )
        page = await loader.query(SON_LA, h.list_facilities, query=query)
        found.extend(item.model_dump() for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found


def _sample(parameter: str, value: str, unit: str, on: date) -> s.SampleBody:
    factors = {"kq": Decimal("0.9"), "kf": Decimal("1.1")} if parameter != "ph" else {}
    return s.SampleBody(
        parameter=parameter,
        value=Decimal(value),
        unit=unit,
        sampled_on=on,
        discharge_point="Cống xả nước thải sau xử lý",
        column="B",
        **factors,
    )


async def _inspection(
    loader: SampleLoader[EnvironmentRules], facility: dict[str, Any], on: date, *, cod: str
) -> dict[str, Any]:
    """Schedule, sample (COD, TSS, pH) and complete one inspection on `on`."""
    key = f"{facility['id']} {on}"
    plan = s.ScheduleInspection(
        facility_id=facility["id"],
        scheduled_on=on,
        kind=InspectionKind.PERIODIC,
        team=TEAM,
        operating_since=OPERATING_SINCE,
    )
    inspection = await loader.run(SON_LA, f"schedule {key}", h.schedule_inspection, cmd=plan)
    samples = [_sample("cod", cod, "mg/L", on), _sample("tss", "60", "mg/L", on)]
    samples.append(_sample("ph", "7.1", "-", on))
    measured = await loader.run(
        SON_LA,
        f"measure {key}",
        h.record_measurements,
        inspection_id=inspection["id"],
        cmd=s.RecordMeasurements(samples=samples),
    )
    return await loader.run(
        SON_LA,
        f"complete {key}",
        h.complete_inspection,
        inspection_id=inspection["id"],
        cmd=s.CompleteInspection(carried_out_on=on),
        version=Precondition(measured["version"]),
    )


async def _remedy(
    loader: SampleLoader[EnvironmentRules], inspection: dict[str, Any], on: date
) -> None:
    found = await loader.query(
        SON_LA,
        h.list_violations,
        query=s.ViolationQuery(facility_id=inspection["facility_id"], province_code=SON_LA),
    )
    for violation in found.items:
        if violation.inspection_id == inspection["id"]:
            await loader.run(
                SON_LA,
                f"remedy {violation.id}",
                h.remediate_violation,
                violation_id=violation.id,
                cmd=s.RemediateViolation(
                    remediated_on=on, evidence="Biên bản kiểm tra lại: hệ thống xử lý đã vận hành"
                ),
                version=Precondition(violation.version),
            )
