"""The environment service's rules, pure Python: versioned limit tables and the judgement of a
sample, inspections and their violations, facilities' classification, and who may do what."""

from services.environment.domain.access import classifying, inspecting, setting_limits
from services.environment.domain.classification import (
    Assessment,
    Classification,
    InspectionRecord,
    NotClassified,
    assess,
)
from services.environment.domain.inspection import (
    ClusterOnRecord,
    FacilityOnRecord,
    Inspection,
    InspectionClosed,
    InspectionStatus,
    MeasuredSample,
)
from services.environment.domain.judgement import (
    ExceedanceBand,
    Judgement,
    Sample,
    exceedance_band,
    judge,
)
from services.environment.domain.limits import (
    ColumnNotInTable,
    ConditionNotInTable,
    FactorMissing,
    FactorNotApplicable,
    FactorOutOfRange,
    Limit,
    LimitColumn,
    LimitTable,
    MeasurementRejected,
    NoTableInForce,
    OverlappingTables,
    ParameterNotInTable,
    UnitMismatch,
    check_no_overlap,
    table_in_force,
)
from services.environment.domain.rules import EnvironmentRules
from services.environment.domain.violation import Violation, ViolationClosed, ViolationStatus

__all__ = [
    "Assessment",
    "Classification",
    "ClusterOnRecord",
    "ColumnNotInTable",
    "ConditionNotInTable",
    "EnvironmentRules",
    "ExceedanceBand",
    "FacilityOnRecord",
    "FactorMissing",
    "FactorNotApplicable",
    "FactorOutOfRange",
    "Inspection",
    "InspectionClosed",
    "InspectionRecord",
    "InspectionStatus",
    "Judgement",
    "Limit",
    "LimitColumn",
    "LimitTable",
    "MeasuredSample",
    "MeasurementRejected",
    "NoTableInForce",
    "NotClassified",
    "OverlappingTables",
    "ParameterNotInTable",
    "Sample",
    "UnitMismatch",
    "Violation",
    "ViolationClosed",
    "ViolationStatus",
    "assess",
    "check_no_overlap",
    "classifying",
    "exceedance_band",
    "inspecting",
    "judge",
    "setting_limits",
    "table_in_force",
]
