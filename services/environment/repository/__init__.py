"""Every query of the environment service, rows to and from its entities: handlers never
build SQL."""

from services.environment.repository.inspections import Inspections, Samples, Violations
from services.environment.repository.limits import LimitTables, ProvinceRules
from services.environment.repository.records import Classifications, Clusters, Facilities

__all__ = [
    "Classifications",
    "Clusters",
    "Facilities",
    "Inspections",
    "LimitTables",
    "ProvinceRules",
    "Samples",
    "Violations",
]
