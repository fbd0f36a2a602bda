"""The Vietnamese names officials read for the platform's codes: cluster statuses, inspections
and violations, agencies, roles, khuyến công funding sources, content groups, project statuses
and outputs."""

from __future__ import annotations

from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    MonitoringPhase,
    ProjectStatus,
)
from shared.events.registry import ClusterStatus
from shared.principal import Agency, Role

STATUS_VI = {
    ClusterStatus.PLANNED.value: "quy hoạch",
    ClusterStatus.ESTABLISHED.value: "đã thành lập",
    ClusterStatus.UNDER_CONSTRUCTION.value: "đang đầu tư hạ tầng",
    ClusterStatus.OPERATING.value: "đang hoạt động",
    ClusterStatus.REMOVED.value: "đưa ra khỏi quy hoạch",
}
PLANT_VI = {"none": "chưa có", "under_construction": "đang xây dựng", "operating": "đang vận hành"}
COVERAGE_VI = {"none": "chưa có", "partial": "một phần", "full": "đầy đủ"}
INSPECTION_KIND_VI = {
    "periodic": "định kỳ",
    "unscheduled": "đột xuất",
    "complaint": "theo phản ánh",
}
INSPECTION_STATUS_VI = {"scheduled": "đã lên lịch", "completed": "đã kết thúc"}
OUTCOME_VI = {"compliant": "đạt", "violations_found": "có vi phạm"}
VIOLATION_KIND_VI = {"exceedance": "vượt quy chuẩn", "finding": "phát hiện khi kiểm tra"}
VIOLATION_STATUS_VI = {
    "open": "chưa khắc phục",
    "remediated": "đã khắc phục",
    "escalated": "đã chuyển xử lý",
}
SEVERITY_VI = {"polluting": "gây ô nhiễm", "seriously_polluting": "gây ô nhiễm nghiêm trọng"}

AGENCY_VI = {
    Agency.SO_CONG_THUONG.value: "Sở Công Thương",
    Agency.SO_TNMT.value: "Sở Nông nghiệp và Môi trường",
    Agency.SO_KHDT.value: "Sở Kế hoạch và Đầu tư",
    Agency.UBND.value: "Ủy ban nhân dân",
    Agency.BO_CONG_THUONG.value: "Bộ Công Thương",
    Agency.DATA_TEAM.value: "Nhóm dữ liệu quốc gia",
    Agency.DOANH_NGHIEP.value: "Doanh nghiệp",
}
ROLE_VI = {
    Role.VIEWER.value: "xem",
    Role.OFFICER.value: "cán bộ nghiệp vụ",
    Role.APPROVER.value: "lãnh đạo phê duyệt",
    Role.ADMIN.value: "quản trị",
}
FUNDING_SOURCE_VI = {
    FundingSource.NATIONAL.value: "Khuyến công quốc gia",
    FundingSource.LOCAL.value: "Khuyến công địa phương",
}
CONTENT_GROUP_VI = {
    ContentGroup.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER.value: "Mô hình trình diễn, chuyển giao "
    "công nghệ, máy móc thiết bị",
    ContentGroup.CLEANER_PRODUCTION.value: "Sản xuất sạch hơn, xử lý ô nhiễm môi trường",
    ContentGroup.RURAL_INDUSTRIAL_PRODUCTS.value: "Sản phẩm công nghiệp nông thôn",
    ContentGroup.LINKAGES_AND_CLUSTERS.value: "Liên kết, chuỗi giá trị, cụm công nghiệp",
    ContentGroup.HUMAN_RESOURCES.value: "Đào tạo nghề, năng lực quản lý",
    ContentGroup.INFORMATION_AND_COMMUNICATION.value: "Thông tin, tuyên truyền",
    ContentGroup.IMPLEMENTATION_CAPACITY.value: "Năng lực tổ chức thực hiện khuyến công",
    ContentGroup.DIGITAL_TRANSFORMATION.value: "Chuyển đổi số",
    ContentGroup.SUSTAINABLE_PRODUCTION.value: "Sản xuất bền vững",
}
PROJECT_STATUS_VI = {
    ProjectStatus.PROPOSED.value: "đề xuất",
    ProjectStatus.APPRAISED.value: "đã thẩm định",
    ProjectStatus.REJECTED.value: "không đạt thẩm định",
    ProjectStatus.APPROVED.value: "đã phê duyệt",
    ProjectStatus.CONTRACTED.value: "đã ký hợp đồng",
    ProjectStatus.IN_PROGRESS.value: "đang thực hiện",
    ProjectStatus.ACCEPTED.value: "đã nghiệm thu",
    ProjectStatus.SETTLED.value: "đã quyết toán",
    ProjectStatus.PAUSED.value: "tạm dừng",
    ProjectStatus.CANCELLED.value: "đã hủy",
}
APPRAISAL_RESULT_VI = {
    AppraisalResult.PASSED.value: "đạt",
    AppraisalResult.FAILED.value: "không đạt",
}
DISBURSEMENT_KIND_VI = {
    DisbursementKind.ADVANCE.value: "tạm ứng",
    DisbursementKind.PAYMENT.value: "thanh toán",
}
MONITORING_PHASE_VI = {
    MonitoringPhase.BEFORE.value: "trước khi thực hiện",
    MonitoringPhase.DURING.value: "trong khi thực hiện",
    MonitoringPhase.AFTER.value: "sau khi hoàn thành",
}
OUTPUT_VI = {
    "people_trained": "Lượt người được đào tạo nghề",
    "managers_trained": "Lượt cán bộ quản lý được đào tạo",
    "courses": "Khóa đào tạo",
    "demonstration_models": "Mô hình trình diễn",
    "facilities_given_machinery": "Cơ sở được hỗ trợ máy móc, thiết bị",
    "products_branded": "Sản phẩm được hỗ trợ xây dựng thương hiệu",
    "product_selections": "Cuộc bình chọn sản phẩm",
    "conferences": "Hội nghị, hội thảo, hội chợ",
}
"""A project's outputs (`Outputs`' fields) as the agencies' reports name them."""
