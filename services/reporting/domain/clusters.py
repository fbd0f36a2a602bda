"""A cluster as it stood on a date: its facts folded in the order of the dates they record.

Each registry event about a cluster is kept as a fact with the day it took effect (a decision's
date, a report's date, the day operation started), not the day it arrived. A cluster's plan
has no date in its event, so it comes first; the others follow by their dates and, on the
same day, in the order they were published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

PLANNED = "ClusterPlanned"
EFFECTIVE_ON = {
    "ClusterEstablished": "decision_date",
    "ClusterConstructionProgressed": "report_date",
    "ClusterOperationStarted": "start_date",
    "ClusterExpanded": "decision_date",
    "ClusterInfrastructureUpdated": "reported_on",
}
"""The field holding the day each kind of event took effect; the others take effect the day
they were recorded."""


def effective_on(kind: str, data: dict[str, Any], recorded_on: date) -> date:
    name = EFFECTIVE_ON.get(kind)
    return date.fromisoformat(data[name]) if name else recorded_on


@dataclass(frozen=True)
class ClusterFact:
    """What one event says about a cluster, and the day it took effect."""

    cluster_id: str
    kind: str
    effective_on: date
    seq: int
    data: dict[str, Any]

    @property
    def order(self) -> tuple[int, date, int]:
        return (0 if self.kind == PLANNED else 1, self.effective_on, self.seq)


@dataclass
class ClusterState:
    """The cluster's facts as of a date."""

    id: str
    name: str = ""
    province_code: str = ""
    commune_code: str | None = None
    status: str = "planned"
    planned_area_ha: Decimal = Decimal(0)
    area_ha: Decimal | None = None
    industrial_land_area_ha: Decimal | None = None
    infrastructure_investment_vnd: int = 0
    decision_number: str | None = None
    decision_date: date | None = None
    investor_name: str | None = None
    operation_start_date: date | None = None
    treatment_plant: str = "none"
    treatment_capacity_m3_per_day: int | None = None
    solid_waste_collection: str = "none"
    fire_safety: str = "none"
    infrastructure_reported_on: date | None = None
    facts: int = field(default=0, compare=False)

    def apply(self, fact: ClusterFact) -> None:
        applying = getattr(self, f"_on_{fact.kind}", None)
        if applying is not None:
            applying(fact.data)
            self.facts += 1

    def _on_ClusterPlanned(self, d: dict[str, Any]) -> None:
        self.name, self.province_code = d["name"], d["province_code"]
        self.commune_code, self.planned_area_ha = (
            d.get("commune_code"),
            Decimal(d["planned_area_ha"]),
        )

    def _on_ClusterEstablished(self, d: dict[str, Any]) -> None:
        self.status = "established"
        self.decision_number, self.decision_date = (
            d["decision_number"],
            date.fromisoformat(d["decision_date"]),
        )
        self.investor_name = d["investor_name"]
        self._areas(d)

    def _on_ClusterConstructionProgressed(self, d: dict[str, Any]) -> None:
        if self.status == "established":
            self.status = "under_construction"
        self.infrastructure_investment_vnd += int(d["investment_vnd"])

    def _on_ClusterOperationStarted(self, d: dict[str, Any]) -> None:
        self.status, self.operation_start_date = "operating", date.fromisoformat(d["start_date"])

    def _on_ClusterExpanded(self, d: dict[str, Any]) -> None:
        self._areas(d)

    def _on_ClusterRemovedFromPlan(self, d: dict[str, Any]) -> None:
        self.status = "removed"

    def _on_ClusterInfrastructureUpdated(self, d: dict[str, Any]) -> None:
        self.treatment_plant = d["treatment_plant"]
        self.treatment_capacity_m3_per_day = d.get("treatment_capacity_m3_per_day")
        self.solid_waste_collection, self.fire_safety = (
            d["solid_waste_collection"],
            d["fire_safety"],
        )
        self.infrastructure_reported_on = date.fromisoformat(d["reported_on"])

    def _areas(self, d: dict[str, Any]) -> None:
        self.area_ha = Decimal(d["area_ha"])
        self.industrial_land_area_ha = Decimal(d["industrial_land_area_ha"])


def as_of(cluster_id: str, facts: Iterable[ClusterFact], day: date) -> ClusterState | None:
    """The cluster as it stood on `day`; None if nothing it records had happened by then."""
    facts = list(facts)
    taken = sorted((f for f in facts if f.effective_on <= day), key=lambda f: f.order)
    if not taken:
        return None
    planned = [f for f in facts if f.kind == PLANNED]
    state = ClusterState(cluster_id)
    for fact in [*planned[:1], *(f for f in taken if f.kind != PLANNED)]:
        state.apply(fact)
    return state


@dataclass(frozen=True)
class Establishments:
    """Clusters established or expanded between two days, by the dates of their decisions:
    the new clusters' area and the area the expansions added, and the infrastructure
    investment each of them reported from its decision until the second day."""

    new_clusters: int = 0
    expansions: int = 0
    area_ha: Decimal = Decimal("0.0000")
    industrial_land_area_ha: Decimal = Decimal("0.0000")
    investment_vnd: int = 0


def established_between(
    facts: Mapping[str, Iterable[ClusterFact]], start: date, end: date
) -> Establishments:
    """What the establishment and expansion decisions dated in [start, end] add up to. A
    cluster both established and expanded counts in both; its investment counts once, from
    its first decision in the span."""
    new = expanded = investment = 0
    area = land = Decimal("0.0000")
    for found in facts.values():
        decided = False
        for fact in sorted(found, key=lambda f: f.order):
            if not start <= fact.effective_on <= end:
                continue
            d = fact.data
            if fact.kind == "ClusterEstablished":
                new, decided = new + 1, True
                area += Decimal(d["area_ha"])
                land += Decimal(d["industrial_land_area_ha"])
            elif fact.kind == "ClusterExpanded":
                expanded, decided = expanded + 1, True
                area += Decimal(d["added_area_ha"])
                land += Decimal(d["added_industrial_land_area_ha"])
            elif fact.kind == "ClusterConstructionProgressed" and decided:
                investment += int(d["investment_vnd"])
    return Establishments(new, expanded, area, land, investment)
