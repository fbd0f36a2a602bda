"""The registry's clusters and tenancies: the events of a cluster's lifecycle and land, and
the kinds every registry event names."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.types import CommuneCode, Hectares, ProvinceCode, Rate, Vnd


class ClusterStatus(StrEnum):
    PLANNED = "planned"
    ESTABLISHED = "established"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"
    REMOVED = "removed"


class EnterpriseKind(StrEnum):
    COMPANY = "company"
    COOPERATIVE = "cooperative"
    HOUSEHOLD = "household"


class TreatmentPlantStatus(StrEnum):
    """The cluster's central wastewater treatment plant (hệ thống xử lý nước thải tập trung)."""

    NONE = "none"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"


class Coverage(StrEnum):
    """How much of a cluster a shared service reaches: solid-waste collection, or fire-safety
    (PCCC) equipment."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class FacilityLocation(StrEnum):
    RESIDENTIAL_AREA = "residential_area"
    CLUSTER = "cluster"


class _ClusterEvent(Event, service="registry", aggregate="cluster", subject="cluster_id"):
    cluster_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None


@catalog.register
class ClusterPlanned(_ClusterEvent):
    """A cluster was listed in the provincial plan (quy hoạch)."""

    name: str
    planned_area_ha: Hectares
    sectors: list[str] = Field(default_factory=list)


@catalog.register
class ClusterEstablished(_ClusterEvent):
    """The provincial People's Committee decided to establish the cluster (thành lập)."""

    decision_number: str
    decision_date: date
    investor_name: str
    area_ha: Hectares
    industrial_land_area_ha: Hectares


@catalog.register
class ClusterConstructionProgressed(_ClusterEvent):
    """Infrastructure investment was reported for the cluster (chủ đầu tư hạ tầng)."""

    investment_vnd: Vnd
    total_investment_vnd: Vnd
    report_date: date
    note: str | None = None


@catalog.register
class ClusterOperationStarted(_ClusterEvent):
    """The cluster opened for tenants."""

    start_date: date


@catalog.register
class ClusterExpanded(_ClusterEvent):
    """A decision enlarged the cluster (mở rộng); totals are after the expansion."""

    decision_number: str
    decision_date: date
    added_area_ha: Hectares
    added_industrial_land_area_ha: Hectares
    area_ha: Hectares
    industrial_land_area_ha: Hectares


@catalog.register
class ClusterRemovedFromPlan(_ClusterEvent):
    """The cluster was taken out of the provincial plan before it operated."""

    reason: str
    previous_status: ClusterStatus


@catalog.register
class ClusterInfrastructureUpdated(_ClusterEvent):
    """The cluster's shared infrastructure was reported as it stood on `reported_on`.

    Its central wastewater treatment plant (capacity in m³/day; none without a plant), its
    solid-waste collection, and its fire-safety (PCCC) equipment; the latest report replaces
    the one before.
    """

    treatment_plant: TreatmentPlantStatus
    treatment_capacity_m3_per_day: int | None = Field(None, gt=0)
    solid_waste_collection: Coverage
    fire_safety: Coverage
    reported_on: date
    note: str | None = None


@catalog.register
class TenancyStarted(_ClusterEvent):
    """A facility leased industrial land in the cluster; occupancy figures are after the lease."""

    tenancy_id: str
    facility_id: str
    enterprise_id: str
    leased_area_ha: Hectares
    start_date: date
    cluster_leased_area_ha: Hectares
    cluster_occupancy_rate: Rate
    relocation: bool = False


@catalog.register
class TenancyEnded(_ClusterEvent):
    """A tenancy ended and its land is free again; occupancy figures are after the end."""

    tenancy_id: str
    facility_id: str
    enterprise_id: str
    released_area_ha: Hectares
    end_date: date
    cluster_leased_area_ha: Hectares
    cluster_occupancy_rate: Rate
