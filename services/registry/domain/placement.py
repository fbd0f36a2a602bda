"""Placement applications: producers asking for land in a cluster, ranked by the province's
priority criteria, and approved in one step (the land allocated) or rejected or withdrawn.

Sơn La's cluster plan has Sở Kế hoạch và Đầu tư draft the criteria and the province approve
them: polluting facilities in residential areas first, then producers with large markets who
need room to expand, then new enterprises without premises. They are data per province
(`PlacementCriteria`), Sơn La's the default; a facility the environment agency classified as
polluting ranks by the relocation priority it gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import registry as ev
from shared.events.registry import PlacementGroup, PlacementPurpose, TieBreaker
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)


class PlacementStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PlacementDecided(Conflict, problem="placement-decided", title="The application is closed"):
    pass


GROUP_LABELS = {
    PlacementGroup.POLLUTING_IN_RESIDENTIAL_AREA: "a polluting facility in a residential area",
    PlacementGroup.EXPANSION: "a producer that needs room to expand",
    PlacementGroup.NEW_WITHOUT_PREMISES: "a new enterprise without premises",
    PlacementGroup.OTHER: "other producers",
}


@dataclass(frozen=True)
class Standing:
    """What the criteria rank an application by: its facility's classification, if any."""

    relocation_priority: int | None = None
    classified_on: date | None = None

    @property
    def polluting(self) -> bool:
        return self.relocation_priority is not None


@dataclass
class PlacementApplication:
    """A producer's request for land in one of the clusters it prefers."""

    id: str
    province_code: str
    commune_code: str | None
    applicant_name: str
    purpose: PlacementPurpose
    requested_area_ha: Decimal
    cluster_ids: list[str]
    applied_on: date
    facility_id: str | None = None
    applicant_tax_code: str | None = None
    applicant_kind: ev.EnterpriseKind | None = None
    sector: str | None = None
    address: str | None = None
    annual_output_vnd: int | None = None
    workers: int | None = None
    facts: str | None = None
    status: PlacementStatus = PlacementStatus.APPLIED
    decided_on: date | None = None
    cluster_id: str | None = None
    tenancy_id: str | None = None
    reason: str | None = None
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"placement_id": self.id, **facts})

    @classmethod
    def apply(cls, **facts: Any) -> tuple[PlacementApplication, ev.PlacementApplied]:
        application = cls(id=new_id(), **facts)
        return application, application._event(ev.PlacementApplied)

    def group(self, standing: Standing, *, in_residential_area: bool) -> PlacementGroup:
        """Facts decide the group, not the claim: only a facility the environment agency
        classified, still in a residential area, ranks as polluting."""
        if standing.polluting and in_residential_area:
            return PlacementGroup.POLLUTING_IN_RESIDENTIAL_AREA
        if self.purpose is PlacementPurpose.EXPANSION:
            return PlacementGroup.EXPANSION
        if self.purpose is PlacementPurpose.NEW_WITHOUT_PREMISES:
            return PlacementGroup.NEW_WITHOUT_PREMISES
        return PlacementGroup.OTHER

    def _close(self, status: PlacementStatus, on: date) -> None:
        if self.status is not PlacementStatus.APPLIED:
            raise PlacementDecided(
                f"the application was {self.status.value} on {self.decided_on}",
                current_status=self.status.value,
            )
        if on < self.applied_on:
            raise InvalidInput(
                f"the application was made on {self.applied_on}; it cannot be "
                f"{status.value} before",
                field=f"{status.value}_on",
            )
        self.status, self.decided_on = status, on

    def approve(
        self,
        *,
        cluster_id: str,
        enterprise_id: str,
        tenancy_id: str,
        area_ha: Decimal,
        on: date,
        rank: int | None,
    ) -> ev.PlacementApproved:
        self._close(PlacementStatus.APPROVED, on)
        self.cluster_id, self.tenancy_id = cluster_id, tenancy_id
        return self._event(
            ev.PlacementApproved,
            enterprise_id=enterprise_id,
            leased_area_ha=area_ha,
            approved_on=on,
            rank=rank,
        )

    def reject(self, *, on: date, reason: str) -> ev.PlacementRejected:
        self._close(PlacementStatus.REJECTED, on)
        self.reason = reason
        return self._event(ev.PlacementRejected, rejected_on=on)

    def withdraw(self, *, on: date, reason: str | None) -> ev.PlacementWithdrawn:
        self._close(PlacementStatus.WITHDRAWN, on)
        self.reason = reason
        return self._event(ev.PlacementWithdrawn, withdrawn_on=on)


@dataclass(frozen=True)
class Ranked:
    """An application in the queue: its place (1 first), its group and why it stands there."""

    application: PlacementApplication
    rank: int
    group: PlacementGroup
    why: list[str]


@dataclass
class PlacementCriteria:
    """A province's priority criteria: its groups in order, then the tie-breakers."""

    province_code: str
    groups: list[PlacementGroup]
    tie_breakers: list[TieBreaker]
    basis: str
    version: int = 1

    def approved(self) -> ev.PlacementCriteriaApproved:
        return event_of(ev.PlacementCriteriaApproved, self)

    def rank(self, waiting: list[tuple[PlacementApplication, Standing, bool]]) -> list[Ranked]:
        """The applications (with their facility's standing and whether it is in a
        residential area) in the order the criteria place them; ties by the earlier id."""
        keyed = []
        for application, standing, residential in waiting:
            group = application.group(standing, in_residential_area=residential)
            key = (
                self.groups.index(group),
                *(_tie(breaker, application, standing) for breaker in self.tie_breakers),
                application.applied_on,
                application.id,
            )
            keyed.append((key, application, standing, group))
        keyed.sort(key=lambda item: item[0])
        return [
            Ranked(application, place, group, self._why(group, application, standing))
            for place, (_, application, standing, group) in enumerate(keyed, start=1)
        ]

    def _why(
        self, group: PlacementGroup, application: PlacementApplication, standing: Standing
    ) -> list[str]:
        place = f"group {self.groups.index(group) + 1} of {len(self.groups)}"
        reasons = [f"{place}: {GROUP_LABELS[group]}"]
        if application.purpose is PlacementPurpose.RELOCATION_POLLUTING and not standing.polluting:
            reasons.append("not on the environment agency's relocation list: ranked as other")
        reasons.extend(_told(b, application, standing) for b in self.tie_breakers)
        return [r for r in reasons if r]


def _tie(breaker: TieBreaker, application: PlacementApplication, standing: Standing) -> Any:
    """A sort key part: smaller first."""
    if breaker is TieBreaker.RELOCATION_PRIORITY:
        return standing.relocation_priority or 10**6
    if breaker is TieBreaker.CLASSIFIED_ON:
        return standing.classified_on or date.max
    if breaker is TieBreaker.ANNUAL_OUTPUT:
        return -(application.annual_output_vnd or 0)
    if breaker is TieBreaker.WORKERS:
        return -(application.workers or 0)
    return application.applied_on


def _told(breaker: TieBreaker, application: PlacementApplication, standing: Standing) -> str:
    if breaker is TieBreaker.RELOCATION_PRIORITY:
        p = standing.relocation_priority
        return f"relocation priority {p}" if p else ""
    if breaker is TieBreaker.CLASSIFIED_ON:
        return f"classified polluting on {standing.classified_on}" if standing.polluting else ""
    if breaker is TieBreaker.ANNUAL_OUTPUT:
        output = application.annual_output_vnd
        return f"annual production value {output:,} VND" if output is not None else ""
    if breaker is TieBreaker.WORKERS:
        return f"{application.workers} workers" if application.workers is not None else ""
    return f"applied on {application.applied_on}"
