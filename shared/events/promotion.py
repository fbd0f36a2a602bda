"""Events of the promotion service (Trung tâm Khuyến công of Sở Công Thương): yearly plans,
support caps, and khuyến công projects with their money, monitoring and outputs.

Plans are keyed by plan id (`ccn.promotion.plan`), projects by project id
(`ccn.promotion.project`). A support cap is a record of its own, set by a province's
resolution or a national circular and tied to no plan, so it has its own aggregate and topic
(`ccn.promotion.support_cap`, keyed by cap id): on the plan topic its key would name no plan.

Every project event carries the project's province, commune, plan, funding source, content
group and beneficiary, its status after the change, and its money after the change
(approved, disbursed, settled, returned: whole đồng), so reporting totals them from the
latest event of each project without calling back; the actor travels in the envelope
(`ce_actor`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event
from shared.events.catalog_instance import catalog
from shared.events.types import CommuneCode, ProvinceCode, Rate, Vnd


class FundingSource(StrEnum):
    NATIONAL = "national"
    """Khuyến công quốc gia: the central budget, through the Ministry."""
    LOCAL = "local"
    """Khuyến công địa phương: the province's budget."""


class ContentGroup(StrEnum):
    """The content groups of the national khuyến công programme (2021–2025, and the two that
    2026–2030 adds)."""

    DEMONSTRATION_AND_TECHNOLOGY_TRANSFER = "demonstration_and_technology_transfer"
    """Mô hình trình diễn kỹ thuật, chuyển giao công nghệ, máy móc thiết bị tiên tiến."""
    CLEANER_PRODUCTION = "cleaner_production_and_pollution_treatment"
    """Sản xuất sạch hơn, xử lý ô nhiễm môi trường."""
    RURAL_INDUSTRIAL_PRODUCTS = "rural_industrial_products"
    """Sản phẩm công nghiệp nông thôn: bình chọn, xây dựng thương hiệu."""
    LINKAGES_AND_CLUSTERS = "linkages_value_chains_and_clusters"
    """Liên kết, chuỗi giá trị, cụm liên kết ngành, cụm công nghiệp."""
    HUMAN_RESOURCES = "human_resources_and_management_capacity"
    """Đào tạo nghề, nâng cao năng lực quản lý."""
    INFORMATION_AND_COMMUNICATION = "information_and_communication"
    """Thông tin, tuyên truyền."""
    IMPLEMENTATION_CAPACITY = "implementation_capacity"
    """Nâng cao năng lực tổ chức thực hiện hoạt động khuyến công."""
    DIGITAL_TRANSFORMATION = "digital_transformation"
    """Chuyển đổi số (from 2026)."""
    SUSTAINABLE_PRODUCTION = "sustainable_production"
    """Sản xuất bền vững (from 2026)."""


class ProjectStatus(StrEnum):
    PROPOSED = "proposed"
    APPRAISED = "appraised"
    REJECTED = "rejected"
    """The appraisal failed: the proposal ends without money (not a cancellation)."""
    APPROVED = "approved"
    CONTRACTED = "contracted"
    IN_PROGRESS = "in_progress"
    """Money reached the beneficiary: the first disbursement was made."""
    ACCEPTED = "accepted"
    SETTLED = "settled"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class AppraisalResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class DisbursementKind(StrEnum):
    ADVANCE = "advance"
    """Tạm ứng: before the work is accepted."""
    PAYMENT = "payment"
    """Thanh toán: against work done."""


class MonitoringPhase(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


class ReturnCause(StrEnum):
    """Why money went back to the budget (trả lại vốn)."""

    SETTLEMENT = "settlement"
    """The part of what was disbursed that the settlement did not recognise as spent."""
    CANCELLATION = "cancellation"
    """Everything a cancelled project still held: a cancelled project settles nothing."""
    UNSPENT = "unspent"
    """Returned by the beneficiary before settlement."""


class Outputs(BaseModel):
    """What a project produces, the figures the agencies report: planned when proposed,
    actual when accepted."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    people_trained: int = Field(0, ge=0)
    managers_trained: int = Field(0, ge=0)
    courses: int = Field(0, ge=0)
    demonstration_models: int = Field(0, ge=0)
    facilities_given_machinery: int = Field(0, ge=0)
    products_branded: int = Field(0, ge=0)
    product_selections: int = Field(0, ge=0)
    conferences: int = Field(0, ge=0)


@catalog.register
class PlanCreated(Event, service="promotion", aggregate="plan", subject="plan_id"):
    """A province's yearly khuyến công plan was created with its budget from one source."""

    plan_id: str
    province_code: ProvinceCode
    year: int = Field(ge=2000, le=2100)
    funding_source: FundingSource
    budget_vnd: Vnd


@catalog.register
class SupportCapSet(Event, service="promotion", aggregate="support_cap", subject="support_cap_id"):
    """A cap on support was set for a content group and period, nationally or by a province.

    Support is at most `max_share` of the eligible cost and at most `max_vnd`; the cap is in
    force from `valid_from` to `valid_to` inclusive (None: until a successor is set). A
    province's cap applies in its province instead of the national one.
    """

    support_cap_id: str
    province_code: ProvinceCode | None = None
    content_group: ContentGroup
    valid_from: date
    valid_to: date | None = None
    max_share: Rate
    max_vnd: Vnd
    description: str


class _ProjectEvent(Event, service="promotion", aggregate="project", subject="project_id"):
    """What every project event carries; money figures are the project's after the event."""

    project_id: str
    province_code: ProvinceCode
    commune_code: CommuneCode | None = None
    plan_id: str | None = None
    funding_source: FundingSource
    content_group: ContentGroup
    beneficiary_enterprise_id: str | None = None
    beneficiary_facility_id: str | None = None
    status: ProjectStatus
    approved_support_vnd: Vnd = 0
    disbursed_vnd: Vnd = 0
    settled_vnd: Vnd = 0
    returned_vnd: Vnd = 0


@catalog.register
class ProjectProposed(_ProjectEvent):
    """A khuyến công project (đề án) was proposed for support."""

    name: str
    total_cost_vnd: Vnd
    requested_support_vnd: Vnd
    counterpart_vnd: Vnd
    start_date: date
    end_date: date
    planned_outputs: Outputs


@catalog.register
class ProjectAppraised(_ProjectEvent):
    """The project was appraised (thẩm định); a failed appraisal rejects it."""

    result: AppraisalResult
    appraised_on: date
    notes: str | None = None


@catalog.register
class ProjectApproved(_ProjectEvent):
    """A decision approved the project and the support it gets (`approved_support_vnd`)."""

    decision_number: str
    decision_date: date
    total_cost_vnd: Vnd
    counterpart_vnd: Vnd
    support_cap_id: str | None = None
    """The cap in force on the decision date that the support was checked against."""


@catalog.register
class ProjectContracted(_ProjectEvent):
    """The centre and the beneficiary signed the project's contract."""

    contract_number: str
    signed_on: date


@catalog.register
class FundsDisbursed(_ProjectEvent):
    """Money was paid to the beneficiary: `amount_vnd` now, `disbursed_vnd` in all."""

    disbursement_id: str
    amount_vnd: Vnd = Field(gt=0)
    disbursement_kind: DisbursementKind
    disbursed_on: date
    remaining_vnd: Vnd
    """What of the approved support may still be disbursed."""


@catalog.register
class MonitoringVisitRecorded(_ProjectEvent):
    """Officers visited the project before, during or after its work, and noted findings."""

    visit_id: str
    visited_on: date
    phase: MonitoringPhase
    findings: str


@catalog.register
class ProjectAccepted(_ProjectEvent):
    """The project's work was accepted (nghiệm thu) with what it actually produced."""

    accepted_on: date
    actual_outputs: Outputs


@catalog.register
class ProjectSettled(_ProjectEvent):
    """The project's money was settled (quyết toán): `settled_vnd` was recognised as spent;
    what else was disbursed is returned (a FundsReturned follows)."""

    settled_on: date


@catalog.register
class ProjectPaused(_ProjectEvent):
    """The project's work was paused (tạm dừng)."""

    paused_on: date
    reason: str
    previous_status: ProjectStatus


@catalog.register
class ProjectResumed(_ProjectEvent):
    """A paused project resumed, back in the status it had (`status`)."""

    resumed_on: date


@catalog.register
class ProjectRescheduled(_ProjectEvent):
    """The project's end date was moved (gia hạn, điều chỉnh tiến độ)."""

    start_date: date
    previous_end_date: date
    end_date: date
    reason: str


@catalog.register
class ProjectCancelled(_ProjectEvent):
    """The project was stopped for good; what it held is returned (a FundsReturned follows)."""

    cancelled_on: date
    reason: str
    previous_status: ProjectStatus


@catalog.register
class FundsReturned(_ProjectEvent):
    """Money went back to the budget (trả lại vốn): `amount_vnd` now, `returned_vnd` in all."""

    amount_vnd: Vnd = Field(gt=0)
    returned_on: date
    cause: ReturnCause
    note: str | None = None
