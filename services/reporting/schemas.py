"""The reporting service's HTTP contract: the reports' queries and what they answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.reporting.domain import ClusterState, Entry, Establishments
from services.reporting.formats import Format
from shared.events.registry import ClusterStatus
from shared.schemas import ProvinceQuery


class AsOf(BaseModel):
    as_of: date | None = Field(
        None, description="the state on this day, by the dates the events record (today)"
    )
    format: Format | None = Field(
        None, description="json, csv or xlsx (else the Accept header decides; JSON by default)"
    )


class ClustersQuery(AsOf, ProvinceQuery):
    status: ClusterStatus | None = Field(None, description="as it stood on `as_of`")


class ClusterReport(BaseModel):
    """One cluster as it stood on `as_of`."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    status: ClusterStatus
    planned_area_ha: Decimal
    area_ha: Decimal | None
    industrial_land_area_ha: Decimal | None
    leased_area_ha: Decimal
    occupancy_rate: Decimal = Field(description="leased ÷ industrial land, 0..1")
    tenants: int
    households: int = Field(description="tenants that are household businesses")
    enterprises: int = Field(description="companies and cooperatives")
    workers: int
    infrastructure_investment_vnd: int
    decision_number: str | None
    decision_date: date | None
    operation_start_date: date | None
    treatment_plant: str
    treatment_capacity_m3_per_day: int | None
    solid_waste_collection: str
    fire_safety: str
    violations_open: int = Field(description="of its tenants, not yet remediated")
    violations_overdue: int = Field(description="of those, past their remediation deadline")
    khuyen_cong_received_vnd: int = Field(
        description="khuyến công money its tenants had received (disbursed less returned)"
    )
    as_of: date

    @classmethod
    def of(
        cls,
        state: ClusterState,
        tenants: list[Any],
        records: list[tuple[int, int, int]],
        day: date,
    ) -> ClusterReport:
        """The state, with the tenancies running that day (their facility's workers and
        owner's kind) and their tenants' violations and khuyến công money."""
        leased = sum((r.leased_area_ha for r in tenants), Decimal("0.0000"))
        land = state.industrial_land_area_ha
        households = sum(r.kind == "household" for r in tenants)
        return cls.model_validate(
            {
                **vars(state),
                "leased_area_ha": leased,
                "occupancy_rate": (leased / land).quantize(RATE) if land else Decimal("0.0000"),
                "tenants": len(tenants),
                "households": households,
                "enterprises": len(tenants) - households,
                "workers": sum(r.workers or 0 for r in tenants),
                "violations_open": sum(r[0] for r in records),
                "violations_overdue": sum(r[1] for r in records),
                "khuyen_cong_received_vnd": sum(r[2] for r in records),
                "as_of": day,
            }
        )


RATE = Decimal("0.0001")


class ClusterTotals(BaseModel):
    clusters: int
    by_status: dict[str, int]
    planned_area_ha: Decimal
    area_ha: Decimal
    industrial_land_area_ha: Decimal
    leased_area_ha: Decimal
    average_occupancy_rate: Decimal = Field(description="of the operating clusters")
    tenants: int
    households: int
    enterprises: int
    workers: int
    infrastructure_investment_vnd: int
    without_treatment_plant: int = Field(description="operating without an operating plant")
    violations_open: int
    violations_overdue: int
    khuyen_cong_received_vnd: int

    @classmethod
    def of(cls, reports: list[ClusterReport]) -> ClusterTotals:
        operating = [r for r in reports if r.status is ClusterStatus.OPERATING]
        by_status: dict[str, int] = {}
        for r in reports:
            by_status[r.status.value] = by_status.get(r.status.value, 0) + 1

        def area(name: str) -> Decimal:
            return sum((getattr(r, name) or Decimal(0) for r in reports), Decimal("0.0000"))

        occupancy = sum((r.occupancy_rate for r in operating), Decimal(0))
        return cls(
            clusters=len(reports),
            by_status=by_status,
            planned_area_ha=area("planned_area_ha"),
            area_ha=area("area_ha"),
            industrial_land_area_ha=area("industrial_land_area_ha"),
            leased_area_ha=area("leased_area_ha"),
            average_occupancy_rate=(occupancy / len(operating)).quantize(RATE)
            if operating
            else Decimal("0.0000"),
            tenants=sum(r.tenants for r in reports),
            households=sum(r.households for r in reports),
            enterprises=sum(r.enterprises for r in reports),
            workers=sum(r.workers for r in reports),
            infrastructure_investment_vnd=sum(r.infrastructure_investment_vnd for r in reports),
            without_treatment_plant=sum(r.treatment_plant != "operating" for r in operating),
            violations_open=sum(r.violations_open for r in reports),
            violations_overdue=sum(r.violations_overdue for r in reports),
            khuyen_cong_received_vnd=sum(r.khuyen_cong_received_vnd for r in reports),
        )


class ClustersReport(BaseModel):
    as_of: date
    province_code: str | None
    clusters: list[ClusterReport]
    totals: ClusterTotals


class HistoryEntry(BaseModel):
    occurred_on: date
    agency: str = Field(description="so-cong-thuong, so-tnmt, or khuyen-cong")
    kind: str = Field(description="the event that recorded it")
    summary: str


class FacilityHistory(BaseModel):
    """One facility's history across the agencies, in the order things happened."""

    facility_id: str
    name: str
    province_code: str
    commune_code: str
    as_of: date
    entries: list[HistoryEntry]

    @classmethod
    def of(cls, facility: Any, entries: list[Entry], day: date) -> FacilityHistory:
        return cls(
            facility_id=facility.id,
            name=facility.name,
            province_code=facility.province_code,
            commune_code=facility.commune_code,
            as_of=day,
            entries=[HistoryEntry.model_validate(vars(e)) for e in entries],
        )


class ProvincePeriodQuery(AsOf):
    period: str = Field(description="2025-H1, 2025, or 2021-2025 (Circular 14/2024's cuts)")


class Established(BaseModel):
    """Clusters established or expanded in the period, by the dates of the decisions (up to
    `figures_on`), and the clusters in calls for investors on `figures_on`."""

    new_clusters: int = Field(description="establishment decisions (thành lập) dated in the period")
    expansions: int = Field(
        description="expansion decisions (mở rộng: a second phase) dated in the period"
    )
    total: int = Field(description="new clusters and expansions together")
    area_ha: Decimal = Field(description="the new clusters' area and the area expansions added")
    industrial_land_area_ha: Decimal = Field(
        description="the industrial land of the new clusters and that the expansions added"
    )
    investment_vnd: int = Field(
        description="infrastructure investment those clusters reported in the period, each "
        "from its decision on"
    )
    calls_for_investors: int = Field(
        description="clusters whose call for investors was announced and whose dossier had not "
        "yet reached Sở Công Thương on `figures_on`"
    )

    @classmethod
    def of(cls, found: Establishments, calls_for_investors: int) -> Established:
        return cls(
            **vars(found),
            total=found.new_clusters + found.expansions,
            calls_for_investors=calls_for_investors,
        )


class Relocations(BaseModel):
    done_in_period: int = Field(description="facilities moved into clusters in the period")
    still_needed: int = Field(description="classified polluting, not declassified, not moved")


class Production(BaseModel):
    """What the clusters' tenants reported for the period's reports (the latest revision of
    each tenant's row filed by `as_of`)."""

    reports: list[str]
    tenants_reporting: int
    production_value_vnd: int
    workers: int
    budget_paid_vnd: int


class OutputShare(BaseModel):
    year: int
    area: str = Field(description="a pre-2025 district; empty for the whole province")
    small_industry_output_vnd: int
    cluster_production_value_vnd: int
    cluster_share: Decimal


class ReportingCompliance(BaseModel):
    period: str
    due_on: date
    tenants: int
    on_time: int
    late: int
    missing: int
    not_yet_due: int


class Inspections(BaseModel):
    carried_out: int = Field(description="inspections carried out in the period")
    compliant: int
    violations_found: int
    violations_detected: int = Field(description="violations recorded in the period")
    violations_open: int = Field(description="not remediated nor escalated when it ended")
    violations_overdue: int = Field(description="open past their remediation deadline")


class Money(BaseModel):
    approved_vnd: int = 0
    disbursed_vnd: int = 0
    returned_vnd: int = 0
    settled_vnd: int = 0
    counterpart_vnd: int = 0


class KhuyenCong(BaseModel):
    """Khuyến công in the period: projects approved, money by source and content, what the
    accepted projects produced, and those paused, rescheduled or cancelled."""

    projects_approved: int
    total: Money
    by_funding_source: dict[str, Money]
    by_content_group: dict[str, Money]
    outputs: dict[str, int]
    paused: int
    rescheduled: int
    cancelled: int


class ProvinceReport(BaseModel):
    """A province over a period, as known on `as_of`: its clusters as the period ended (or on
    `as_of`, if earlier), and what happened in the period."""

    province_code: str
    period: str
    starts_on: date
    ends_on: date
    as_of: date = Field(description="what was known on this day")
    figures_on: date = Field(description="the day stock figures stand on: the period's end")
    clusters: ClusterTotals
    established: Established = Field(
        description="clusters established or expanded in the period, and in calls for investors"
    )
    relocations: Relocations
    production: Production
    output_shares: list[OutputShare]
    reporting: list[ReportingCompliance]
    inspections: Inspections
    khuyen_cong: KhuyenCong
    placements_waiting: int = Field(description="applications not yet decided on `as_of`")
    dossiers_overdue: int = Field(description="procedure steps past their due day on `as_of`")


class NationalReport(BaseModel):
    """For the Ministry: every province's report over the period, as known on `as_of`."""

    period: str
    as_of: date
    provinces: list[ProvinceReport]
