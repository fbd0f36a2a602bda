"""What the signed-in official may be offered: decided by the services' own rules (the same
permits and lifecycles their handlers check), so the console never offers what the API would
refuse with a 403, or with a 409 for the status of a cluster, a project, an inspection or a
violation."""

from __future__ import annotations

from typing import Any

from services.environment.domain import InspectionStatus, ViolationStatus, inspecting
from services.promotion.domain import Step as ProjectStep
from services.promotion.domain import approving
from services.promotion.domain import writing as writing_projects
from services.registry.domain import Step, writing
from shared.errors import Forbidden
from shared.events.promotion import ProjectStatus
from shared.principal import Permit, Place, Principal


def holds(principal: Principal, permit: Permit) -> bool:
    try:
        permit.check(principal)
    except Forbidden:
        return False
    return True


def cluster_place(cluster: dict[str, Any]) -> Place:
    return Place(cluster["province_code"], cluster.get("commune_code"))


def may_lease(principal: Principal, cluster: dict[str, Any]) -> bool:
    """Lease land in the cluster: a Sở Công Thương officer of its province, while it operates."""
    statuses = {s.value for s in Step.LEASE.allowed}
    return cluster["status"] in statuses and holds(principal, writing(cluster_place(cluster)))


APPROVERS_DECIDE = frozenset({ProjectStep.APPROVE, ProjectStep.SETTLE, ProjectStep.CANCEL})
"""The project commands the promotion handlers authorize as `approving`; the others any
officer of the project's province may send (`writing`)."""


def project_steps(principal: Principal, project: dict[str, Any]) -> frozenset[ProjectStep]:
    """The commands the official may send to the project in its present status."""
    place = Place(project["province_code"], project.get("commune_code"))
    status = ProjectStatus(project["status"])
    may_write = holds(principal, writing_projects(place))
    may_approve = holds(principal, approving(place))
    return frozenset(
        step
        for step in ProjectStep
        if status in step.allowed and (may_approve if step in APPROVERS_DECIDE else may_write)
    )


def may_propose(principal: Principal, province_code: str | None) -> bool:
    """Propose a khuyến công project: a Sở Công Thương officer of the province."""
    return province_code is not None and holds(principal, writing_projects(Place(province_code)))


def record_place(record: dict[str, Any]) -> Place:
    """Where a facility, an inspection or a violation is filed, as the API answered it."""
    return Place(record["province_code"], record.get("commune_code"))


def may_schedule_inspections(principal: Principal) -> bool:
    """Schedule inspections: an environment department officer of a province (of its
    communes, if the token names some: the API checks the facility's own)."""
    province = principal.jurisdiction.province
    return province is not None and holds(principal, inspecting(Place(province)))


def may_inspect(principal: Principal, inspection: dict[str, Any]) -> bool:
    """Record samples or complete: the department's officer there, while it is not closed."""
    still_open = inspection["status"] == InspectionStatus.SCHEDULED.value
    return still_open and holds(principal, inspecting(record_place(inspection)))


def may_settle(principal: Principal, violation: dict[str, Any]) -> bool:
    """Record a violation's remedy or escalate it: the department's officer, while open."""
    still_open = violation["status"] == ViolationStatus.OPEN.value
    return still_open and holds(principal, inspecting(record_place(violation)))


def may_relocate(principal: Principal, facility: dict[str, Any]) -> bool:
    """Move a facility into a cluster: a Sở Công Thương officer of its province, while it is
    still in a residential area."""
    return facility["cluster_id"] is None and holds(principal, writing(record_place(facility)))


def may_lease_in(cluster: dict[str, Any]) -> bool:
    """Whether the cluster takes tenants now (what a relocation into it needs)."""
    return cluster["status"] in {s.value for s in Step.LEASE.allowed}
