"""What the signed-in official may be offered: decided by the services' own rules (the same
permits and lifecycles their handlers check), so the console never offers what the API would
refuse with a 403, or with a 409 for the status of a cluster, a project, an inspection or a
violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.environment.domain import InspectionStatus, ViolationStatus, inspecting
from services.promotion.domain import Step as ProjectStep
from services.promotion.domain import approving as approving_projects
from services.promotion.domain import writing as writing_projects
from services.registry.domain import Step, approving, writing, writing_locally
from shared.errors import Forbidden
from shared.events.promotion import ProjectStatus
from shared.events.registry import ClusterStatus
from shared.principal import Permit, Place, Principal


def holds(principal: Principal, permit: Permit) -> bool:
    try:
        permit.check(principal)
    except Forbidden:
        return False
    return True


def cluster_place(cluster: dict[str, Any]) -> Place:
    return Place(cluster["province_code"], cluster.get("commune_code"))


CLUSTER_PERMITS: dict[Step, Callable[[Place], Permit]] = {
    Step.ESTABLISH: approving,
    Step.RECORD_CONSTRUCTION: writing_locally,
    Step.REPORT_INFRASTRUCTURE: writing_locally,
    Step.START_OPERATION: writing,
    Step.EXPAND: approving,
    Step.REMOVE: approving,
    Step.LEASE: writing,
}
"""The permit the registry's handlers check for each cluster command: establishing,
expanding and removing are an approver's decision; construction and infrastructure reports
may also come from the People's Committee of the cluster's commune."""


def cluster_steps(principal: Principal, cluster: dict[str, Any]) -> frozenset[Step]:
    """The cluster commands the official may send in the cluster's present status."""
    status = ClusterStatus(cluster["status"])
    place = cluster_place(cluster)
    return frozenset(
        step
        for step, permit in CLUSTER_PERMITS.items()
        if status in step.allowed and holds(principal, permit(place))
    )


def may_end_tenancies(principal: Principal, cluster: dict[str, Any]) -> bool:
    """End a tenancy of the cluster: a Sở Công Thương officer of its province."""
    return holds(principal, writing(cluster_place(cluster)))


APPROVERS_DECIDE = frozenset({ProjectStep.APPROVE, ProjectStep.SETTLE, ProjectStep.CANCEL})
"""The project commands the promotion handlers authorize as `approving`; the others any
officer of the project's province may send (`writing`)."""


def project_steps(principal: Principal, project: dict[str, Any]) -> frozenset[ProjectStep]:
    """The commands the official may send to the project in its present status."""
    place = Place(project["province_code"], project.get("commune_code"))
    status = ProjectStatus(project["status"])
    may_write = holds(principal, writing_projects(place))
    may_approve = holds(principal, approving_projects(place))
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
