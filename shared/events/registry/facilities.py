"""The registry's enterprises and facilities: registration and relocation."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.registry.clusters import EnterpriseKind, FacilityLocation
from shared.events.types import CommuneCode, Hectares, ProvinceCode, Vnd


@catalog.register
class EnterpriseRegistered(
    Event, service="registry", aggregate="enterprise", subject="enterprise_id"
):
    """An enterprise, cooperative or household business was registered."""

    enterprise_id: str
    name: str
    tax_code: str
    kind: EnterpriseKind
    province_code: ProvinceCode


class _FacilityEvent(Event, service="registry", aggregate="facility", subject="facility_id"):
    facility_id: str
    enterprise_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode


@catalog.register
class FacilityRegistered(_FacilityEvent):
    """A production facility (cơ sở sản xuất) was registered where it stands today."""

    name: str
    address: str
    sector: str
    workers: int = Field(ge=0)
    annual_output_vnd: Vnd
    location: FacilityLocation
    cluster_id: str | None = None


@catalog.register
class FacilityRelocated(_FacilityEvent):
    """A facility moved from a residential area into a cluster (di dời); a tenancy started."""

    cluster_id: str
    cluster_commune_code: CommuneCode | None = None
    tenancy_id: str
    leased_area_ha: Hectares
    relocation_date: date
    from_address: str
