"""Every query of the registry, rows to and from its entities: handlers never build SQL."""

from services.registry.repository.operations import (
    Criteria,
    Dossiers,
    PlacementApplications,
    ReportRows,
    Statistics,
)
from services.registry.repository.records import (
    Clusters,
    Enterprises,
    Facilities,
    NamedRepository,
    RelocationCandidates,
    Tenancies,
)

__all__ = [
    "Clusters",
    "Criteria",
    "Dossiers",
    "Enterprises",
    "Facilities",
    "NamedRepository",
    "PlacementApplications",
    "RelocationCandidates",
    "ReportRows",
    "Statistics",
    "Tenancies",
]
