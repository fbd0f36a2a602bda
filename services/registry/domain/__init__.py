"""The registry's rules, pure Python: entities whose methods check the rules, change the
entity and return the events that say what happened; and who may do what."""

from services.registry.domain.access import approving, reporting_construction, writing
from services.registry.domain.cluster import (
    NO_TENANTS,
    Cluster,
    IllegalTransition,
    Step,
    Tenancy,
    Tenants,
)
from services.registry.domain.facility import (
    Enterprise,
    Facility,
    tax_code_error,
    with_check_digit,
)
from services.registry.domain.land import ClusterRules, Land, OverLease, occupancy_rate

__all__ = [
    "NO_TENANTS",
    "Cluster",
    "ClusterRules",
    "Enterprise",
    "Facility",
    "IllegalTransition",
    "Land",
    "OverLease",
    "Step",
    "Tenancy",
    "Tenants",
    "approving",
    "occupancy_rate",
    "reporting_construction",
    "tax_code_error",
    "with_check_digit",
    "writing",
]
