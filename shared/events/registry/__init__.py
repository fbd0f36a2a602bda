"""Events of the registry service: clusters and their procedure dossiers, enterprises,
facilities, tenancies, relocations.

Tenancies and procedure dossiers are events of their cluster (keyed by cluster id), so a
cluster's occupancy changes and its procedure's steps reach consumers in order. Every event
carries what a consumer needs without calling back.
"""

from shared.events.base import Event
from shared.events.registry.clusters import (
    ClusterConstructionProgressed,
    ClusterEstablished,
    ClusterExpanded,
    ClusterInfrastructureUpdated,
    ClusterOperationStarted,
    ClusterPlanned,
    ClusterRemovedFromPlan,
    ClusterStatus,
    Coverage,
    EnterpriseKind,
    FacilityLocation,
    TenancyEnded,
    TenancyStarted,
    TreatmentPlantStatus,
)
from shared.events.registry.facilities import (
    EnterpriseRegistered,
    FacilityRegistered,
    FacilityRelocated,
)
from shared.events.registry.operations import (
    ClusterPeriodReportFiled,
    DossierDecided,
    DossierKind,
    DossierOpened,
    DossierOutcome,
    DossierStep,
    DossierStepRecorded,
    PlacementApplied,
    PlacementApproved,
    PlacementCriteriaApproved,
    PlacementGroup,
    PlacementPurpose,
    PlacementRejected,
    PlacementWithdrawn,
    ProvinceStatisticsRecorded,
    TenantReportRow,
    TieBreaker,
)

__all__ = [
    "ClusterConstructionProgressed",
    "ClusterEstablished",
    "ClusterExpanded",
    "ClusterInfrastructureUpdated",
    "ClusterOperationStarted",
    "ClusterPeriodReportFiled",
    "ClusterPlanned",
    "ClusterRemovedFromPlan",
    "ClusterStatus",
    "Coverage",
    "DossierDecided",
    "DossierKind",
    "DossierOpened",
    "DossierOutcome",
    "DossierStep",
    "DossierStepRecorded",
    "EnterpriseKind",
    "EnterpriseRegistered",
    "Event",
    "FacilityLocation",
    "FacilityRegistered",
    "FacilityRelocated",
    "PlacementApplied",
    "PlacementApproved",
    "PlacementCriteriaApproved",
    "PlacementGroup",
    "PlacementPurpose",
    "PlacementRejected",
    "PlacementWithdrawn",
    "ProvinceStatisticsRecorded",
    "TenancyEnded",
    "TenancyStarted",
    "TenantReportRow",
    "TieBreaker",
    "TreatmentPlantStatus",
]
