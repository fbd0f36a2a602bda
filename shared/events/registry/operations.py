"""The registry's yearly operations: procedure dossiers (events of their cluster), tenants'
periodic reports and output statistics, placement applications and the criteria that rank them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.registry.clusters import _ClusterEvent
from shared.events.types import CommuneCode, Hectares, ProvinceCode, Vnd


class DossierKind(StrEnum):
    """What a procedure dossier asks the province to decide (Decree 32/2024, Art. 10)."""

    ESTABLISHMENT = "establishment"
    EXPANSION = "expansion"


class DossierStep(StrEnum):
    """The steps of the establishment and expansion procedure, in their order."""

    REQUEST_RECEIVED = "request_received"
    CALL_FOR_INVESTORS = "call_for_investors"
    DOSSIER_RECEIVED = "dossier_received"
    APPRAISAL = "appraisal"
    DECISION = "decision"


class DossierOutcome(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"


class PlacementPurpose(StrEnum):
    """Why a producer asks for land in a cluster (the province's priority criteria rank by it)."""

    RELOCATION_POLLUTING = "relocation_polluting"
    EXPANSION = "expansion"
    NEW_WITHOUT_PREMISES = "new_without_premises"
    OTHER = "other"


class PlacementGroup(StrEnum):
    """The groups a province's criteria order."""

    POLLUTING_IN_RESIDENTIAL_AREA = "polluting_in_residential_area"
    EXPANSION = "expansion"
    NEW_WITHOUT_PREMISES = "new_without_premises"
    OTHER = "other"


class TieBreaker(StrEnum):
    """What orders applications within a group, in the order the criteria list them."""

    RELOCATION_PRIORITY = "relocation_priority"
    """The environment agency's relocation priority (1 first); unclassified after."""
    CLASSIFIED_ON = "classified_on"
    """Classified polluting earlier first."""
    ANNUAL_OUTPUT = "annual_output_vnd"
    """Larger production value (a larger market) first."""
    WORKERS = "workers"
    """More workers first."""
    APPLIED_ON = "applied_on"
    """Applied earlier first."""


class _DossierEvent(_ClusterEvent):
    dossier_id: str
    kind: DossierKind
    next_step: DossierStep | None = Field(
        description="the step the procedure waits for now; none once decided"
    )
    next_due_on: date | None = Field(description="the day the next step is due by")


@catalog.register
class DossierOpened(_DossierEvent):
    """An enterprise's request to invest in a cluster's establishment or expansion arrived,
    and the procedure's first deadline started to run."""

    request_received_on: date
    investor_name: str | None = None


@catalog.register
class DossierStepRecorded(_DossierEvent):
    """A step of the procedure was done: the call for investors announced, the dossier
    received by Sở Công Thương, or its appraisal finished; late if after its due day."""

    step: DossierStep
    done_on: date
    due_on: date
    late_working_days: int = Field(ge=0)
    note: str | None = None


@catalog.register
class DossierDecided(_DossierEvent):
    """The provincial People's Committee decided on the dossier, closing the procedure."""

    done_on: date
    due_on: date
    late_working_days: int = Field(ge=0)
    outcome: DossierOutcome
    decision_number: str | None = None


class TenantReportRow(BaseModel):
    """One tenant's figures for the period, in the revision this filing made."""

    facility_id: str
    enterprise_id: str
    revision: int = Field(ge=1, description="1 for the first filing; a correction adds one")
    production_value_vnd: Vnd
    workers: int = Field(ge=0)
    budget_paid_vnd: Vnd = Field(description="money paid to the state budget")
    wastewater_to_plant: bool = Field(description="its wastewater goes to the cluster's plant")


@catalog.register
class ClusterPeriodReportFiled(_ClusterEvent):
    """Tenants' half-year (2025-H1) or annual (2025) figures were filed for the cluster
    (Circular 14/2024/TT-BCT), by the investor or management board, by Sở Công Thương on their
    behalf, or by a tenant for itself; late if filed on or after 20 Jun / 20 Dec."""

    period: str = Field(pattern=r"^\d{4}(-H1)?$")
    filed_on: date
    late: bool
    filed_by_agency: str
    rows: list[TenantReportRow]


@catalog.register
class ProvinceStatisticsRecorded(
    Event, service="registry", aggregate="province", subject="province_code"
):
    """The statistics office's small-industry output of a province, or of a pre-2025 district
    (`area`), in a year: what the output inside clusters is a share of."""

    province_code: ProvinceCode
    year: int = Field(ge=2000, le=2100)
    area: str = Field(description="the pre-2025 district; empty for the whole province")
    small_industry_output_vnd: Vnd
    statistics_source: str = Field(description="the statistics office's publication")
    cluster_ids: list[str] = Field(
        default_factory=list, description="the clusters in the area; empty: all the province's"
    )


class _PlacementEvent(Event, service="registry", aggregate="placement", subject="placement_id"):
    placement_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None
    facility_id: str | None = Field(description="none for a new enterprise without premises")


@catalog.register
class PlacementApplied(_PlacementEvent):
    """A producer applied for land in one of the clusters it prefers (đăng ký vào cụm)."""

    applicant_name: str
    applicant_tax_code: str | None = None
    purpose: PlacementPurpose
    requested_area_ha: Hectares
    cluster_ids: list[str]
    applied_on: date
    annual_output_vnd: Vnd | None = None
    workers: int | None = Field(None, ge=0)


@catalog.register
class PlacementApproved(_PlacementEvent):
    """The application was approved and its land allocated in one step: the facility (new,
    for an enterprise without premises) leases it from `approved_on`."""

    cluster_id: str
    enterprise_id: str
    tenancy_id: str
    leased_area_ha: Hectares
    approved_on: date
    rank: int | None = Field(None, ge=1, description="its place in the province's queue then")


@catalog.register
class PlacementRejected(_PlacementEvent):
    rejected_on: date
    reason: str


@catalog.register
class PlacementWithdrawn(_PlacementEvent):
    withdrawn_on: date
    reason: str | None = None


@catalog.register
class PlacementCriteriaApproved(
    Event, service="registry", aggregate="criteria", subject="province_code"
):
    """A province approved its priority criteria for placing producers into clusters (00:
    the default, for provinces without their own): groups in order, then tie-breakers."""

    province_code: str = Field(pattern=r"^\d{2}$", description="00 for the default")
    groups: list[PlacementGroup]
    tie_breakers: list[TieBreaker]
    basis: str
