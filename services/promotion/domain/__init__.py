"""The promotion service's rules, pure Python: yearly plans and their budget, support caps as
data, khuyến công projects whose methods check the rules, change the project and return the
events that say what happened; and who may do what."""

from services.promotion.domain.access import approving, setting_caps, writing
from services.promotion.domain.caps import (
    CapTerms,
    OverCap,
    SupportCap,
    cap_in_force,
    check_support,
)
from services.promotion.domain.inputs import (
    Acceptance,
    Appraisal,
    Approval,
    Cancellation,
    Contract,
    Disbursement,
    FundReturn,
    MonitoringVisit,
    Pause,
    Proposal,
    Rescheduling,
    Resumption,
    Settlement,
)
from services.promotion.domain.lifecycle import (
    IllegalTransition,
    Money,
    MoreThanHeld,
    OverDisbursement,
    Step,
)
from services.promotion.domain.plan import OverBudget, Plan, PlanTerms
from services.promotion.domain.project import Project

__all__ = [
    "Acceptance",
    "Appraisal",
    "Approval",
    "Cancellation",
    "CapTerms",
    "Contract",
    "Disbursement",
    "FundReturn",
    "IllegalTransition",
    "Money",
    "MonitoringVisit",
    "MoreThanHeld",
    "OverBudget",
    "OverCap",
    "OverDisbursement",
    "Pause",
    "Plan",
    "PlanTerms",
    "Project",
    "Proposal",
    "Rescheduling",
    "Resumption",
    "Settlement",
    "Step",
    "SupportCap",
    "approving",
    "cap_in_force",
    "check_support",
    "setting_caps",
    "writing",
]
