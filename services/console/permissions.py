"""What the signed-in official may be offered: decided by the services' own rules (the same
permits and lifecycles their handlers check), so the console never offers what the API would
refuse with a 403, or with a 409 for a cluster's or a project's status."""

from __future__ import annotations

from typing import Any

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
