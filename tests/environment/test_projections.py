"""The registry's facilities and clusters as the environment sees them: moves that come
before their facility, late moves and late reports."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from services.environment.projections import (
    on_cluster_infrastructure_updated,
    on_cluster_planned,
    on_tenancy_ended,
    on_tenancy_started,
)
from shared.events import Envelope
from shared.events.registry import (
    ClusterInfrastructureUpdated,
    ClusterPlanned,
    Coverage,
    TenancyEnded,
    TenancyStarted,
    TreatmentPlantStatus,
)
from tests.environment.factory import SON_LA, Environment

CLUSTER = str(uuid.uuid4())


def _started(facility_id: str, on: date) -> TenancyStarted:
    return TenancyStarted(
        cluster_id=CLUSTER,
        province_code=SON_LA,
        tenancy_id=str(uuid.uuid4()),
        facility_id=facility_id,
        enterprise_id=str(uuid.uuid4()),
        leased_area_ha=Decimal("0.5"),
        start_date=on,
        cluster_leased_area_ha=Decimal("0.5"),
        cluster_occupancy_rate=Decimal("0.05"),
    )


def _ended(facility_id: str, on: date) -> TenancyEnded:
    return TenancyEnded(
        cluster_id=CLUSTER,
        province_code=SON_LA,
        tenancy_id=str(uuid.uuid4()),
        facility_id=facility_id,
        enterprise_id=str(uuid.uuid4()),
        released_area_ha=Decimal("0.5"),
        end_date=on,
        cluster_leased_area_ha=Decimal("0"),
        cluster_occupancy_rate=Decimal("0"),
    )


async def test_a_lease_that_arrives_before_its_facility_is_applied_when_it_comes(
    environment: Environment,
) -> None:
    facility_id = str(uuid.uuid4())
    lease = _started(facility_id, date(2020, 3, 1))
    async with environment.db.transaction() as session:
        await on_tenancy_started(session, lease, Envelope.wrap(lease))
    await environment.facility(facility_id=facility_id)
    facility = await environment.ok("GET", f"/facilities/{facility_id}")
    assert facility["cluster_id"] == CLUSTER


async def test_an_older_move_arriving_late_changes_nothing(environment: Environment) -> None:
    facility_id = await environment.facility()
    lease, ended = _started(facility_id, date(2022, 1, 1)), _ended(facility_id, date(2021, 6, 1))
    async with environment.db.transaction() as session:
        await on_tenancy_started(session, lease, Envelope.wrap(lease))
        await on_tenancy_ended(session, ended, Envelope.wrap(ended))
    facility = await environment.ok("GET", f"/facilities/{facility_id}")
    assert facility["cluster_id"] == CLUSTER


async def test_a_facility_shows_its_clusters_treatment_plant_as_last_reported(
    environment: Environment,
) -> None:
    planned = ClusterPlanned(
        cluster_id=CLUSTER,
        province_code=SON_LA,
        name="Cụm công nghiệp Phố Mới",
        planned_area_ha=Decimal("12.5"),
    )

    def report(plant: TreatmentPlantStatus, on: date) -> ClusterInfrastructureUpdated:
        return ClusterInfrastructureUpdated(
            cluster_id=CLUSTER,
            province_code=SON_LA,
            treatment_plant=plant,
            treatment_capacity_m3_per_day=None if plant == TreatmentPlantStatus.NONE else 300,
            solid_waste_collection=Coverage.FULL,
            fire_safety=Coverage.PARTIAL,
            reported_on=on,
        )

    newer, older = (
        report(TreatmentPlantStatus.OPERATING, date(2024, 12, 14)),
        report(TreatmentPlantStatus.NONE, date(2010, 12, 31)),
    )
    facility_id = await environment.facility()
    lease = _started(facility_id, date(2020, 3, 1))
    async with environment.db.transaction() as session:
        for event, handler in (
            (planned, on_cluster_planned),
            (newer, on_cluster_infrastructure_updated),
            (older, on_cluster_infrastructure_updated),  # late: changes nothing
            (lease, on_tenancy_started),
        ):
            await handler(session, event, Envelope.wrap(event))  # type: ignore[operator]
    facility = await environment.ok("GET", f"/facilities/{facility_id}")
    assert facility["cluster"] == {
        "id": CLUSTER,
        "name": "Cụm công nghiệp Phố Mới",
        "treatment_plant": "operating",
        "treatment_capacity_m3_per_day": 300,
        "infrastructure_reported_on": "2024-12-14",
    }
