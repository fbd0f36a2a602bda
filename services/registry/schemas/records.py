"""The HTTP contract of clusters, enterprises, facilities and tenancies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from services.registry.domain import (
    Cluster,
    Enterprise,
    Facility,
    Tenancy,
    Tenants,
    tax_code_error,
)
from shared import geo
from shared.events.registry import (
    ClusterStatus,
    Coverage,
    EnterpriseKind,
    FacilityLocation,
    TreatmentPlantStatus,
)
from shared.schemas import (
    AreaHa,
    AreaHaOrZero,
    Body,
    ListQuery,
    Located,
    LongText,
    Text,
    Versioned,
    Vnd,
)

DecisionNumber = Annotated[str, Field(min_length=1, max_length=100)]

# -- clusters -------------------------------------------------------------------------------


class PlanCluster(Body, Located):
    name: Text
    planned_area_ha: AreaHa
    sectors: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=30
    )


class EstablishCluster(Versioned):
    decision_number: DecisionNumber
    decision_date: date
    investor_name: Text
    area_ha: AreaHa
    industrial_land_area_ha: AreaHa


class RecordConstruction(Versioned):
    investment_vnd: Vnd
    report_date: date
    note: LongText | None = None


class StartOperation(Versioned):
    start_date: date


class ExpandCluster(Versioned):
    decision_number: DecisionNumber
    decision_date: date
    added_area_ha: AreaHa
    added_industrial_land_area_ha: AreaHaOrZero


class RemoveCluster(Versioned):
    reason: LongText


class ReportInfrastructure(Versioned):
    """The cluster's shared infrastructure as it stood on `reported_on` (not after today)."""

    treatment_plant: TreatmentPlantStatus
    treatment_capacity_m3_per_day: int | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="design capacity of the treatment plant; required unless it is `none`",
    )
    solid_waste_collection: Coverage
    fire_safety: Coverage = Field(description="fire-safety (PCCC) equipment")
    reported_on: date
    note: LongText | None = None


class InfrastructureView(BaseModel):
    """The cluster's shared infrastructure as last reported (all `none` until a report)."""

    treatment_plant: TreatmentPlantStatus
    treatment_capacity_m3_per_day: int | None
    solid_waste_collection: Coverage
    fire_safety: Coverage
    reported_on: date | None


class ClusterView(BaseModel):
    id: str
    name: str
    province_code: str
    commune_code: str | None
    status: ClusterStatus
    planned_area_ha: Decimal
    sectors: list[str]
    decision_number: str | None
    decision_date: date | None
    investor_name: str | None
    area_ha: Decimal | None
    industrial_land_area_ha: Decimal | None
    leased_area_ha: Decimal
    occupancy_rate: Decimal
    tenant_count: int
    workers: int
    infrastructure_investment_vnd: int
    operation_start_date: date | None
    removal_reason: str | None
    infrastructure: InfrastructureView
    version: int

    @classmethod
    def of(cls, cluster: Cluster, tenants: Tenants) -> ClusterView:
        infrastructure = InfrastructureView.model_validate(
            {**vars(cluster), "reported_on": cluster.infrastructure_reported_on}
        )
        return cls.model_validate(
            {
                **vars(cluster),
                "occupancy_rate": cluster.land.occupancy_rate,
                "tenant_count": tenants.count,
                "workers": tenants.workers,
                "infrastructure": infrastructure,
            }
        )


class ClusterQuery(ListQuery):
    status: ClusterStatus | None = None


# -- enterprises and facilities ------------------------------------------------------------


class RegisterEnterprise(Body):
    name: Text
    tax_code: Annotated[str, Field(min_length=10, max_length=14)]
    kind: EnterpriseKind
    province_code: str

    @field_validator("tax_code")
    @classmethod
    def _tax_code(cls, code: str) -> str:
        problem = tax_code_error(code)
        if problem:
            raise ValueError(problem)
        return code

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str) -> str:
        return geo.check_province_code(code)


class EnterpriseView(BaseModel):
    id: str
    name: str
    tax_code: str
    kind: EnterpriseKind
    province_code: str

    @classmethod
    def of(cls, enterprise: Enterprise) -> EnterpriseView:
        return cls.model_validate(enterprise, from_attributes=True)


class EnterpriseQuery(ListQuery):
    tax_code: str | None = Field(None, max_length=14, description="mã số thuế")


class RegisterFacility(Body, Located):
    enterprise_id: str
    name: Text
    commune_code: str  # required for a facility
    address: LongText
    sector: Annotated[str, Field(min_length=1, max_length=200)]
    workers: int = Field(ge=0, le=1_000_000)
    annual_output_vnd: Vnd


class FacilityView(BaseModel):
    id: str
    enterprise_id: str
    name: str
    province_code: str
    commune_code: str
    address: str
    sector: str
    workers: int
    annual_output_vnd: int
    location: FacilityLocation
    cluster_id: str | None
    relocated_on: date | None
    version: int

    @classmethod
    def of(cls, facility: Facility) -> FacilityView:
        return cls.model_validate(facility, from_attributes=True)


# -- tenancies and relocations -------------------------------------------------------------


class FacilityQuery(ListQuery):
    cluster_id: str | None = None
    enterprise_id: str | None = None
    in_residential_area: bool | None = None


class StartTenancy(Versioned):
    """Lease land; `version` (or If-Match), if sent, is the cluster's version the caller read:
    a lease decided on a cluster someone has changed since is refused (409)."""

    facility_id: str
    leased_area_ha: AreaHa
    start_date: date


class EndTenancy(Versioned):
    """End a tenancy; `version` (or If-Match), if sent, is the cluster's version the caller
    read, as a lease's: an end decided on a cluster someone has changed since is refused (409)."""

    end_date: date


class TenancyView(BaseModel):
    id: str
    cluster_id: str
    facility_id: str
    leased_area_ha: Decimal
    start_date: date
    end_date: date | None
    relocation: bool
    cluster_leased_area_ha: Decimal
    cluster_occupancy_rate: Decimal

    @classmethod
    def of(cls, tenancy: Tenancy, cluster: Cluster) -> TenancyView:
        return cls.model_validate(
            {
                **vars(tenancy),
                "cluster_leased_area_ha": cluster.leased_area_ha,
                "cluster_occupancy_rate": cluster.land.occupancy_rate,
            }
        )


class RelocateFacility(Versioned):
    """Move into a cluster; `version` (or If-Match), if sent, is the facility's version the
    caller read: a relocation decided on a facility someone has changed since is refused (409)."""

    cluster_id: str
    leased_area_ha: AreaHa
    date: date


class RelocationView(BaseModel):
    facility: FacilityView
    tenancy: TenancyView


class RelocationCandidateView(BaseModel):
    facility_id: str
    facility_name: str | None
    province_code: str
    commune_code: str | None
    severity: str
    relocation_priority: int
    classified_on: date
    reasons: list[str]
    relocated: bool
    cluster_id: str | None
    relocated_on: date | None

    @classmethod
    def of(cls, row: Any) -> RelocationCandidateView:
        return cls.model_validate(
            {**row._mapping, "relocated": row.relocated_on is not None}, from_attributes=False
        )
