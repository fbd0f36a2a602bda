"""Clusters (cụm công nghiệp): their lifecycle, land and occupancy, and tenancies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from services.registry.domain.infrastructure import InfrastructureReport, check_treatment_capacity
from services.registry.domain.land import (
    NO_AREA,
    ClusterRules,
    Land,
    check_areas,
    quantize_area,
)
from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import registry as ev
from shared.events.registry import ClusterStatus, Coverage, TreatmentPlantStatus
from shared.lifecycle import Lifecycle
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)
MAX_INVESTMENT_VND = 10**16
"""A cluster's total infrastructure investment stays a whole number of đồng below this."""


# -- the cluster lifecycle -------------------------------------------------------------------


class IllegalTransition(
    Conflict, problem="illegal-transition", title="Not allowed in the cluster's current status"
):
    pass


_S = ClusterStatus


class Step(Lifecycle):
    """Each lifecycle command, and the statuses it may start from (Decree 32/2024's order)."""

    ESTABLISH = ("establish", {_S.PLANNED})
    RECORD_CONSTRUCTION = (
        "record construction for",
        {_S.ESTABLISHED, _S.UNDER_CONSTRUCTION, _S.OPERATING},
    )
    START_OPERATION = ("start operation of", {_S.ESTABLISHED, _S.UNDER_CONSTRUCTION})
    EXPAND = ("expand", {_S.ESTABLISHED, _S.UNDER_CONSTRUCTION, _S.OPERATING})
    REMOVE = ("remove from the plan", {_S.PLANNED, _S.ESTABLISHED, _S.UNDER_CONSTRUCTION})
    LEASE = ("lease land in", {_S.OPERATING})
    REPORT_INFRASTRUCTURE = (
        "report the infrastructure of",
        {_S.PLANNED, _S.ESTABLISHED, _S.UNDER_CONSTRUCTION, _S.OPERATING},
    )

    @property
    def what(self) -> str:
        return "cluster"

    @property
    def refused(self) -> type[Conflict]:
        return IllegalTransition


class ClusterPlan(Protocol):
    """A cluster as the provincial plan lists it (quy hoạch)."""

    name: str
    province_code: str
    commune_code: str | None
    planned_area_ha: Decimal
    sectors: list[str]


class Establishment(Protocol):
    """The provincial People's Committee's decision that establishes a cluster."""

    decision_number: str
    decision_date: date
    investor_name: str
    area_ha: Decimal
    industrial_land_area_ha: Decimal


class Expansion(Protocol):
    """A decision that enlarges a cluster by some area, of which some is industrial land."""

    decision_number: str
    decision_date: date
    added_area_ha: Decimal
    added_industrial_land_area_ha: Decimal


class ConstructionReport(Protocol):
    """What the infrastructure investor reports it has invested since its last report."""

    investment_vnd: int
    report_date: date
    note: str | None


class Lessee(Protocol):
    """What leasing land needs of a facility: who it is, and where it is now."""

    id: str
    enterprise_id: str
    cluster_id: str | None

    def check_free(self) -> None: ...


@dataclass(frozen=True)
class Tenants:
    """The facilities leasing land in a cluster now, and their workers."""

    count: int = 0
    workers: int = 0


NO_TENANTS = Tenants()


@dataclass
class Cluster:
    """A cụm công nghiệp: planned → established → under construction → operating; it may be
    expanded, or removed from the plan before it operates. Tenancies fill its land."""

    id: str
    name: str
    province_code: str
    commune_code: str | None
    status: ClusterStatus
    planned_area_ha: Decimal
    sectors: list[str] = field(default_factory=list)
    decision_number: str | None = None
    decision_date: date | None = None
    investor_name: str | None = None
    area_ha: Decimal | None = None
    industrial_land_area_ha: Decimal | None = None
    leased_area_ha: Decimal = NO_AREA
    infrastructure_investment_vnd: int = 0
    operation_start_date: date | None = None
    removal_reason: str | None = None
    treatment_plant: TreatmentPlantStatus = TreatmentPlantStatus.NONE
    treatment_capacity_m3_per_day: int | None = None
    solid_waste_collection: Coverage = Coverage.NONE
    fire_safety: Coverage = Coverage.NONE
    infrastructure_reported_on: date | None = None
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    @property
    def land(self) -> Land:
        return Land(self.industrial_land_area_ha or NO_AREA, self.leased_area_ha)

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"cluster_id": self.id, **facts})

    @classmethod
    def plan(cls, plan: ClusterPlan) -> tuple[Cluster, ev.ClusterPlanned]:
        cluster = cls(
            id=new_id(),
            name=plan.name,
            province_code=plan.province_code,
            commune_code=plan.commune_code,
            status=ClusterStatus.PLANNED,
            planned_area_ha=quantize_area(plan.planned_area_ha),
            sectors=plan.sectors,
        )
        return cluster, cluster._event(ev.ClusterPlanned)

    def establish(self, decision: Establishment, rules: ClusterRules) -> ev.ClusterEstablished:
        Step.ESTABLISH.check(self.status)
        rules.check_area(decision.area_ha, field="area_ha")
        check_areas(
            decision.area_ha, decision.industrial_land_area_ha, field="industrial_land_area_ha"
        )
        self.status = ClusterStatus.ESTABLISHED
        self.decision_number, self.decision_date = decision.decision_number, decision.decision_date
        self.investor_name = decision.investor_name
        self.area_ha = quantize_area(decision.area_ha)
        self.industrial_land_area_ha = quantize_area(decision.industrial_land_area_ha)
        return self._event(ev.ClusterEstablished)

    def record_construction(self, report: ConstructionReport) -> ev.ClusterConstructionProgressed:
        """Add reported infrastructure investment. An established cluster is then under
        construction; an operating one keeps operating while it builds more (an expansion's
        second phase, a treatment plant it lacked)."""
        Step.RECORD_CONSTRUCTION.check(self.status)
        total = self.infrastructure_investment_vnd + report.investment_vnd
        if total > MAX_INVESTMENT_VND:
            raise InvalidInput(
                f"the cluster's infrastructure investment would total {total} VND, past the "
                f"{MAX_INVESTMENT_VND} VND a cluster's records can hold; check the amount",
                field="investment_vnd",
            )
        if self.status is ClusterStatus.ESTABLISHED:
            self.status = ClusterStatus.UNDER_CONSTRUCTION
        self.infrastructure_investment_vnd = total
        return self._event(
            ev.ClusterConstructionProgressed,
            investment_vnd=report.investment_vnd,
            total_investment_vnd=total,
            report_date=report.report_date,
            note=report.note,
        )

    def start_operation(self, *, start_date: date) -> ev.ClusterOperationStarted:
        Step.START_OPERATION.check(self.status)
        if self.decision_date and start_date < self.decision_date:
            raise InvalidInput(
                f"operation cannot start before the establishment decision of {self.decision_date}",
                field="start_date",
            )
        self.status = ClusterStatus.OPERATING
        self.operation_start_date = start_date
        return self._event(ev.ClusterOperationStarted, start_date=start_date)

    def expand(self, decision: Expansion, rules: ClusterRules) -> ev.ClusterExpanded:
        Step.EXPAND.check(self.status)
        rules.check_expansion(self.land)
        area = (self.area_ha or NO_AREA) + decision.added_area_ha
        industrial = (self.industrial_land_area_ha or NO_AREA) + (
            decision.added_industrial_land_area_ha
        )
        rules.check_area(area, field="added_area_ha")
        check_areas(area, industrial, field="added_industrial_land_area_ha")
        self.area_ha, self.industrial_land_area_ha = quantize_area(area), quantize_area(industrial)
        self.decision_number, self.decision_date = decision.decision_number, decision.decision_date
        return self._event(
            ev.ClusterExpanded,
            added_area_ha=decision.added_area_ha,
            added_industrial_land_area_ha=decision.added_industrial_land_area_ha,
        )

    def remove_from_plan(self, *, reason: str) -> ev.ClusterRemovedFromPlan:
        Step.REMOVE.check(self.status)
        previous, self.status = self.status, ClusterStatus.REMOVED
        self.removal_reason = reason
        return self._event(ev.ClusterRemovedFromPlan, reason=reason, previous_status=previous)

    def report_infrastructure(
        self, report: InfrastructureReport
    ) -> ev.ClusterInfrastructureUpdated:
        """Record the shared infrastructure as reported; the latest report replaces the last."""
        Step.REPORT_INFRASTRUCTURE.check(self.status)
        kept_on = self.infrastructure_reported_on
        if kept_on is not None and report.reported_on < kept_on:
            raise InvalidInput(
                f"the cluster's infrastructure was last reported as of {kept_on}; an older "
                "report cannot replace it",
                field="reported_on",
            )
        check_treatment_capacity(report.treatment_plant, report.treatment_capacity_m3_per_day)
        self.treatment_plant = report.treatment_plant
        self.treatment_capacity_m3_per_day = report.treatment_capacity_m3_per_day
        self.solid_waste_collection = report.solid_waste_collection
        self.fire_safety = report.fire_safety
        self.infrastructure_reported_on = report.reported_on
        return self._event(
            ev.ClusterInfrastructureUpdated, reported_on=report.reported_on, note=report.note
        )

    def lease(
        self, facility: Lessee, *, area_ha: Decimal, start_date: date, relocation: bool = False
    ) -> tuple[Tenancy, ev.TenancyStarted]:
        """Lease industrial land to a facility in a residential area; it moves in."""
        Step.LEASE.check(self.status)
        facility.check_free()
        if self.operation_start_date and start_date < self.operation_start_date:
            raise InvalidInput(
                f"a tenancy cannot start before the cluster operates ({self.operation_start_date})",
                field="start_date",
            )
        land = self.land.lease(area_ha)
        tenancy = Tenancy(
            new_id(),
            self.id,
            facility.id,
            quantize_area(area_ha),
            start_date,
            relocation=relocation,
        )
        self.leased_area_ha = land.leased_ha
        facility.cluster_id = self.id
        return tenancy, self._tenancy_event(ev.TenancyStarted, tenancy, facility)

    def release(self, tenancy: Tenancy, facility: Lessee, *, end_date: date) -> ev.TenancyEnded:
        """End a tenancy of this cluster: its land is free again, the facility moves out."""
        tenancy.end(end_date)
        self.leased_area_ha = self.land.release(tenancy.leased_area_ha).leased_ha
        facility.cluster_id = None
        return self._tenancy_event(
            ev.TenancyEnded, tenancy, facility, released_area_ha=tenancy.leased_area_ha
        )

    def _tenancy_event(self, kind: type[E], tenancy: Tenancy, facility: Lessee, **facts: Any) -> E:
        """A tenancy's event, with the cluster's occupancy after it."""
        return self._event(
            kind,
            **vars(tenancy),
            tenancy_id=tenancy.id,
            enterprise_id=facility.enterprise_id,
            cluster_leased_area_ha=self.leased_area_ha,
            cluster_occupancy_rate=self.land.occupancy_rate,
            **facts,
        )


@dataclass
class Tenancy:
    """Industrial land of a cluster leased to one facility, from a date until it ends."""

    id: str
    cluster_id: str
    facility_id: str
    leased_area_ha: Decimal
    start_date: date
    end_date: date | None = None
    relocation: bool = False

    def end(self, end_date: date) -> None:
        if self.end_date is not None:
            raise Conflict(f"tenancy {self.id} already ended on {self.end_date}")
        if end_date < self.start_date:
            raise InvalidInput(
                f"a tenancy cannot end before it started ({self.start_date})", field="end_date"
            )
        self.end_date = end_date
