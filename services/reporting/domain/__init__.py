"""The reporting service's rules, pure Python: how a cluster stood on a date, from the dated
facts its events record."""

from services.reporting.domain.clusters import (
    ClusterFact,
    ClusterState,
    as_of,
    effective_on,
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
    "as_of",
    "described",
    "effective_on",
    "entry_of",
    "in_order",
    "registered_entry",
    "report_entries",
]
