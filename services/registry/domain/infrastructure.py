"""A cluster's shared infrastructure: its wastewater treatment plant, solid-waste collection
and fire-safety (PCCC) equipment, as agencies report it."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from shared.errors import InvalidInput
from shared.events.registry import Coverage, TreatmentPlantStatus


class InfrastructureReport(Protocol):
    """The cluster's shared infrastructure as it stood on a date (Decree 32/2024's list)."""

    treatment_plant: TreatmentPlantStatus
    treatment_capacity_m3_per_day: int | None
    solid_waste_collection: Coverage
    fire_safety: Coverage
    reported_on: date
    note: str | None


def check_treatment_capacity(plant: TreatmentPlantStatus, capacity_m3_per_day: int | None) -> None:
    """A plant that operates or is being built has a design capacity; no plant has none."""
    field = "treatment_capacity_m3_per_day"
    if plant is TreatmentPlantStatus.NONE and capacity_m3_per_day is not None:
        raise InvalidInput(
            "a cluster without a treatment plant has no treatment capacity", field=field
        )
    if plant is not TreatmentPlantStatus.NONE and not capacity_m3_per_day:
        raise InvalidInput(
            f"a treatment plant that is {plant.value} needs its capacity in m³/day (more than 0)",
            field=field,
        )
