"""What the signed-in official may be offered: decided by the services' own rules (the same
permits and lifecycles their handlers check), so the console never offers what the API would
refuse with a 403 or a 409 for a cluster's status."""

from __future__ import annotations

from typing import Any

from services.registry.domain import Step, writing
from shared.errors import Forbidden
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
