"""Inspections of a cluster's central wastewater treatment plant, as the registry reported it."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from services.environment.projections import (
    on_cluster_infrastructure_updated,
    on_cluster_planned,
)
from shared.events import Envelope
from shared.events.registry import (
    ClusterInfrastructureUpdated,
    ClusterPlanned,
    Coverage,
    TreatmentPlantStatus,
)
from tests.apis import field_of, problem
from tests.environment.factory import SON_LA, TO_HIEU, Environment, plan, sample


async def _cluster(environment: Environment, plant: TreatmentPlantStatus) -> str:
    cluster_id = str(uuid.uuid4())
    planned = ClusterPlanned(
        cluster_id=cluster_id,
        province_code=SON_LA,
        commune_code=TO_HIEU,
        name="Cụm công nghiệp Phố Mới",
        planned_area_ha=Decimal("12.5"),
    )
    reported = ClusterInfrastructureUpdated(
        cluster_id=cluster_id,
        province_code=SON_LA,
        treatment_plant=plant,
        treatment_capacity_m3_per_day=None if plant is TreatmentPlantStatus.NONE else 300,
        solid_waste_collection=Coverage.FULL,
        fire_safety=Coverage.FULL,
        reported_on=date(2010, 12, 31),
    )
    async with environment.db.transaction() as session:
        await on_cluster_planned(session, planned, Envelope.wrap(planned))
        await on_cluster_infrastructure_updated(session, reported, Envelope.wrap(reported))
    return cluster_id


def _plant(cluster_id: str) -> dict[str, object]:
    body = plan("unused")
    del body["facility_id"]
    return {**body, "treatment_plant_of": cluster_id}


async def test_a_clusters_plant_is_inspected_and_its_violations_are_the_clusters(
    environment: Environment,
) -> None:
    cluster_id = await _cluster(environment, TreatmentPlantStatus.OPERATING)
    inspection = await environment.ok("POST", "/inspections", _plant(cluster_id), status=201)
    assert (inspection["subject"], inspection["facility_id"], inspection["cluster_id"]) == (
        "treatment_plant",
        None,
        cluster_id,
    )
    await environment.measured(inspection, sample("cod", "200"))
    done = await environment.completed(inspection)
    assert done["outcome"] == "violations_found"
    (violation,) = (await environment.ok("GET", f"/violations?cluster_id={cluster_id}"))["items"]
    assert (violation["subject"], violation["facility_id"]) == ("treatment_plant", None)
    listed = await environment.ok("GET", f"/inspections?cluster_id={cluster_id}")
    assert [i["id"] for i in listed["items"]] == [inspection["id"]]
    types = await environment.outbox_types()
    assert types == [
        "InspectionScheduled",
        "MeasurementsRecorded",
        "InspectionCompleted",
        "ViolationRecorded",
    ]  # no classification: a plant does not move


async def test_a_cluster_without_a_plant_or_unknown_is_refused(environment: Environment) -> None:
    none = await _cluster(environment, TreatmentPlantStatus.NONE)
    problem(await environment.post("/inspections", _plant(none)), 409, "no-treatment-plant")
    unknown = await environment.post("/inspections", _plant("no-such-cluster"))
    assert field_of(problem(unknown, 422, "validation-error")) == "treatment_plant_of"


async def test_an_inspection_names_a_facility_or_a_plant_not_both(environment: Environment) -> None:
    cluster_id = await _cluster(environment, TreatmentPlantStatus.OPERATING)
    both = {**plan(await environment.facility()), "treatment_plant_of": cluster_id}
    body = problem(await environment.post("/inspections", both), 422, "validation-error")
    assert "treatment_plant_of" in body["detail"]
