"""The reporting service's rules, pure Python: how a cluster stood on a date, and what was
established or expanded between two, from the dated facts its events record."""

from services.reporting.domain.clusters import (
    ClusterFact,
    ClusterState,
    Establishments,
    as_of,
    effective_on,
    established_between,
)
from services.reporting.domain.history import (
    Entry,
    described,
    entry_of,
    in_order,
    registered_entry,
    report_entries,
)

__all__ = [
    "ClusterFact",
    "ClusterState",
    "Entry",
    "Establishments",
    "as_of",
    "described",
    "effective_on",
    "entry_of",
    "established_between",
    "in_order",
    "registered_entry",
    "report_entries",
]
