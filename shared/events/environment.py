"""Events of the environment service (Sở TN-MT) that other services build on."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.types import CommuneCode, ProvinceCode


class PollutionSeverity(StrEnum):
    POLLUTING = "polluting"
    SERIOUSLY_POLLUTING = "seriously_polluting"


@catalog.register
class FacilityClassifiedPolluting(
    Event, service="environment", aggregate="facility", subject="facility_id"
):
    """Inspections classified a facility as polluting and asked for its relocation.

    `relocation_priority` is 1 for the most urgent; the scale is set by the province.
    """

    facility_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None
    severity: PollutionSeverity
    relocation_priority: int = Field(ge=1)
    classified_on: date
    inspection_id: str | None = None
    reasons: list[str] = Field(default_factory=list)
