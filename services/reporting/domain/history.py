"""A facility's history across the agencies: each event that concerns it, as the day it
happened, the agency that recorded it, and a line an official reads (in Vietnamese).

No agency's system joins these: the registry knows where a facility is, the environment
department what its inspections found, the khuyến công centre what support it received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.events import environment as env
from shared.events import promotion as pro
from shared.events import registry as reg
from shared.events.base import Event

SO_CONG_THUONG, SO_TNMT, KHUYEN_CONG = "so-cong-thuong", "so-tnmt", "khuyen-cong"
"""Who recorded an entry: the registry's Sở Công Thương, the environment department, or
Sở Công Thương's khuyến công centre."""


@dataclass(frozen=True)
class Entry:
    """One line of a facility's history."""

    facility_id: str
    occurred_on: date
    agency: str
    kind: str
    summary: str


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


Describe = Callable[[Any], tuple[date, str] | None]
"""The day an event happened and its line; None where another event tells it better."""

_REGISTRY: dict[type[Event], Describe] = {
    reg.PlacementApplied: lambda e: (
        e.applied_on,
        f"Đăng ký vào cụm công nghiệp ({e.purpose.value}), {e.requested_area_ha} ha",
    ),
    reg.PlacementApproved: lambda e: (
        e.approved_on,
        f"Được chấp thuận vào cụm công nghiệp, {e.leased_area_ha} ha",
    ),
    reg.PlacementRejected: lambda e: (e.rejected_on, f"Không được chấp thuận: {e.reason}"),
    reg.PlacementWithdrawn: lambda e: (e.withdrawn_on, "Rút đăng ký vào cụm công nghiệp"),
    reg.FacilityRelocated: lambda e: (
        e.relocation_date,
        f"Di dời từ {e.from_address} vào cụm công nghiệp, thuê {e.leased_area_ha} ha",
    ),
    reg.TenancyStarted: lambda e: (
        None  # a relocation's own event tells it
        if e.relocation
        else (e.start_date, f"Thuê {e.leased_area_ha} ha đất công nghiệp trong cụm")
    ),
    reg.TenancyEnded: lambda e: (
        e.end_date,
        f"Kết thúc thuê đất, trả lại {e.released_area_ha} ha",
    ),
}

_ENVIRONMENT: dict[type[Event], Describe] = {
    env.InspectionScheduled: lambda e: (
        e.scheduled_on,
        f"Lên lịch kiểm tra môi trường ({e.kind.value}) — {e.team}",
    ),
    env.MeasurementsRecorded: lambda e: (
        max(s.sampled_on for s in e.samples),
        f"Quan trắc {len(e.samples)} mẫu nước thải, "
        f"{sum(s.exceeded for s in e.samples)} mẫu vượt quy chuẩn",
    ),
    env.InspectionCompleted: lambda e: (
        e.carried_out_on,
        "Kết thúc kiểm tra: "
        + ("đạt" if e.outcome.value == "compliant" else f"{len(e.violation_ids)} vi phạm"),
    ),
    env.ViolationRecorded: lambda e: (
        e.detected_on,
        f"Vi phạm: {e.description}; hạn khắc phục {e.remediation_deadline:%d/%m/%Y}",
    ),
    env.ViolationRemediated: lambda e: (e.remediated_on, f"Đã khắc phục vi phạm: {e.evidence}"),
    env.ViolationEscalated: lambda e: (e.escalated_on, f"Chuyển xử lý vi phạm: {e.reason}"),
    env.FacilityClassifiedPolluting: lambda e: (
        e.classified_on,
        f"Phân loại cơ sở gây ô nhiễm ({e.severity.value}), ưu tiên di dời {e.relocation_priority}",
    ),
    env.FacilityDeclassified: lambda e: (
        e.declassified_on,
        f"Ra khỏi danh sách gây ô nhiễm: {e.reason}",
    ),
}

_PROMOTION: dict[type[Event], Describe] = {
    pro.ProjectApproved: lambda e: (
        e.decision_date,
        f"Được hỗ trợ khuyến công {_vnd(e.approved_support_vnd)} "
        f"({e.content_group.value}, quyết định {e.decision_number})",
    ),
    pro.FundsDisbursed: lambda e: (
        e.disbursed_on,
        f"Nhận giải ngân khuyến công {_vnd(e.amount_vnd)}",
    ),
    pro.ProjectAccepted: lambda e: (e.accepted_on, "Nghiệm thu đề án khuyến công"),
    pro.ProjectSettled: lambda e: (
        e.settled_on,
        f"Quyết toán đề án khuyến công: {_vnd(e.settled_vnd)}",
    ),
    pro.ProjectCancelled: lambda e: (e.cancelled_on, f"Đề án khuyến công bị dừng: {e.reason}"),
    pro.FundsReturned: lambda e: (
        e.returned_on,
        f"Hoàn trả vốn khuyến công {_vnd(e.amount_vnd)}",
    ),
}

DESCRIBED: dict[type[Event], tuple[str, Describe]] = {
    **{kind: (SO_CONG_THUONG, d) for kind, d in _REGISTRY.items()},
    **{kind: (SO_TNMT, d) for kind, d in _ENVIRONMENT.items()},
    **{kind: (KHUYEN_CONG, d) for kind, d in _PROMOTION.items()},
}
"""Every event a facility's history shows, with who records it and how it reads."""


def facility_of(event: Event) -> str | None:
    """The facility an event concerns: none for a cluster's own plant or a project without
    a facility among its beneficiaries."""
    found = getattr(event, "facility_id", None) or getattr(event, "beneficiary_facility_id", None)
    return str(found) if found else None


def described(kind: type[Event]) -> type[Event] | None:
    """The kind of history line an event type makes: its own, or its first version's."""
    return next((k for k in kind.__mro__ if k in DESCRIBED), None)


def entry_of(event: Event) -> Entry | None:
    """The history line of `event`, if it concerns a facility."""
    facility_id, kind = facility_of(event), described(type(event))
    if facility_id is None or kind is None:
        return None
    agency, describe = DESCRIBED[kind]
    told = describe(event)
    if told is None:
        return None
    return Entry(facility_id, told[0], agency, type(event).__name__, told[1])


def report_entries(event: reg.ClusterPeriodReportFiled) -> list[Entry]:
    """A periodic report is a line in each reporting tenant's history."""
    return [
        Entry(
            row.facility_id,
            event.filed_on,
            SO_CONG_THUONG,
            type(event).__name__,
            f"Báo cáo {event.period}: giá trị sản xuất {_vnd(row.production_value_vnd)}, "
            f"{row.workers} lao động, nộp ngân sách {_vnd(row.budget_paid_vnd)}"
            + (" (nộp muộn)" if event.late else ""),
        )
        for row in event.rows
    ]


def registered_entry(event: reg.FacilityRegistered, recorded_on: date) -> Entry:
    """The first line: the facility as the registry recorded it."""
    return Entry(
        event.facility_id,
        recorded_on,
        SO_CONG_THUONG,
        type(event).__name__,
        f"Đăng ký cơ sở {event.name} tại {event.address} ({event.sector}, "
        f"{event.workers} lao động)",
    )


def in_order(entries: list[Entry]) -> list[Entry]:
    """By day; on one day, in the order such things follow each other (an inspection before
    the violation it found), whatever order their events arrived in."""
    kinds: list[type[Event]] = [reg.FacilityRegistered, *DESCRIBED]
    order = {kind.__name__: i for i, kind in enumerate(kinds)}
    order[reg.ClusterPeriodReportFiled.__name__] = len(order)

    def place(entry: Entry) -> int:
        return order.get(entry.kind.removesuffix("V2"), len(order))

    return sorted(entries, key=lambda e: (e.occurred_on, place(e)))
