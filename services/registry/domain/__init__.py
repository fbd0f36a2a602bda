"""The registry's rules, pure Python: entities whose methods check the rules, change the
entity and return the events that say what happened; and who may do what."""

from services.registry.domain.access import (
    approving,
    filing,
    reading_reports,
    recording,
    setting_criteria,
    writing,
    writing_locally,
)
from services.registry.domain.cluster import (
    NO_TENANTS,
    Cluster,
    IllegalTransition,
    Step,
    Tenancy,
    Tenants,
)
from services.registry.domain.dossier import Dossier, DossierOutOfStep, StepDeadline
from services.registry.domain.facility import (
    Enterprise,
    Facility,
    tax_code_error,
    with_check_digit,
)
from services.registry.domain.land import ClusterRules, Land, OverLease, occupancy_rate
from services.registry.domain.placement import (
    PlacementApplication,
    PlacementCriteria,
    PlacementDecided,
    PlacementGroup,
    PlacementStatus,
    Ranked,
    Standing,
    TieBreaker,
)
from services.registry.domain.procedure import DECREE_32_2024, Procedure, StepRule
from services.registry.domain.reporting import (
    Period,
    ProvinceStatistics,
    ReportRow,
    report_filed,
)

__all__ = [
    "DECREE_32_2024",
    "NO_TENANTS",
    "Cluster",
    "ClusterRules",
    "Dossier",
    "DossierOutOfStep",
    "Enterprise",
    "Facility",
    "IllegalTransition",
    "Land",
    "OverLease",
    "Period",
    "PlacementApplication",
    "PlacementCriteria",
    "PlacementDecided",
    "PlacementGroup",
    "PlacementStatus",
    "Procedure",
    "ProvinceStatistics",
    "Ranked",
    "ReportRow",
    "Standing",
    "Step",
    "StepDeadline",
    "StepRule",
    "Tenancy",
    "Tenants",
    "TieBreaker",
    "approving",
    "filing",
    "occupancy_rate",
    "reading_reports",
    "recording",
    "report_filed",
    "setting_criteria",
    "tax_code_error",
    "with_check_digit",
    "writing",
    "writing_locally",
]
