"""Sample data from the public record (see DOMAIN.md): Bắc Kạn's khuyến công 2011–2016 and
Sơn La's 2016–2020. Individual amounts are made up; they add up exactly to the published
totals, which `/summary` shows. Loading twice changes nothing: every command runs under a
fixed idempotency key.

Bắc Kạn is part of Thái Nguyên since the 2025 reorganisation: its projects are filed under
Thái Nguyên's code (19) and keep the name of the province they were carried out in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from services.promotion import handlers as h
from services.promotion import schemas as s
from services.promotion.caps_data import SAMPLE_CAPS
from shared.commands import Commands
from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    Outputs,
)
from shared.preconditions import Precondition
from shared.principal import Agency
from shared.sample_data import SampleLoader
from shared.service import Progress, sample_data_caller

SON_LA, THAI_NGUYEN = "14", "19"
CALLERS = {p: sample_data_caller(Agency.SO_CONG_THUONG, p) for p in (SON_LA, THAI_NGUYEN)}
Loader = SampleLoader[None]

BAC_KAN_PROJECTS = 129
BAC_KAN_VND = {
    FundingSource.NATIONAL: (43, 3_140_000_000),
    FundingSource.LOCAL: (86, 4_235_000_000),
}
"""Bắc Kạn 2011–2016: 129 projects (how many from each source is made up), 3.14 billion VND
national and 4.235 billion local."""

SON_LA_SUPPORT_VND = 7_720_000_000
"""Sơn La 2016–2020: "over 7.7 billion VND" (national and local together)."""
SON_LA_COUNTERPART_VND = 18_560_000_000
"""...and "over 18.5 billion VND" of counterpart investment mobilised."""
_G = ContentGroup
SON_LA_PROJECTS: list[tuple[str, ContentGroup, dict[str, int]]] = [
    *[
        (
            f"Hỗ trợ máy móc thiết bị cho cơ sở {i + 1}",
            _G.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER,
            {"facilities_given_machinery": 1},
        )
        for i in range(16)
    ],
    (
        "Mô hình trình diễn kỹ thuật chế biến chè",
        _G.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER,
        {"demonstration_models": 1},
    ),
    (
        "Đào tạo nghề cho lao động nông thôn",
        _G.HUMAN_RESOURCES,
        {"people_trained": 230},
    ),
    *[
        (
            f"Khóa đào tạo quản lý doanh nghiệp {i + 1}",
            _G.HUMAN_RESOURCES,
            {"managers_trained": 75, "courses": 1},
        )
        for i in range(2)
    ],
    *[
        (
            f"Hỗ trợ đăng ký nhãn hiệu sản phẩm {i + 1}",
            _G.RURAL_INDUSTRIAL_PRODUCTS,
            {"products_branded": 4},
        )
        for i in range(7)
    ],
    *[
        (
            f"Bình chọn sản phẩm CNNT tiêu biểu {year}",
            _G.RURAL_INDUSTRIAL_PRODUCTS,
            {"product_selections": 1},
        )
        for year in (2017, 2019)
    ],
    *[
        (
            f"Hội nghị kết nối cung cầu {i + 1}",
            _G.LINKAGES_AND_CLUSTERS,
            {"conferences": 1},
        )
        for i in range(2)
    ],
]
"""31 projects whose outputs are Sơn La's published ones: 230 workers and 150 managers
trained (2 courses), 1 demonstration model, 16 facilities given machinery, 28 brands, 2
product selections (2017, 2019), 2 conferences."""


def split(total: int, parts: int) -> Iterator[int]:
    """`parts` whole amounts that add up to `total` exactly."""
    share, rest = divmod(total, parts)
    for i in range(parts):
        yield share + (1 if i < rest else 0)


async def load(commands: Commands[None], progress: Progress) -> int:
    """Load the sample data; return how many commands it took (replays included)."""
    loader = Loader(commands, CALLERS)
    for cap in SAMPLE_CAPS:
        terms = s.NewSupportCap.model_validate({k: v for k, v in vars(cap).items() if k != "id"})
        await loader.run(SON_LA, f"cap {cap.id}", h.set_support_cap, cmd=terms)
    n = 0
    for source, (count, total) in BAC_KAN_VND.items():
        for amount in split(total, count):
            year = 2011 + n % 6
            group = list(ContentGroup)[n % 6]
            await _project(
                loader,
                THAI_NGUYEN,
                f"Đề án khuyến công tỉnh Bắc Kạn số {n + 1}",
                source,
                group,
                amount,
                2 * amount,
                year,
                {},
            )
            n += 1
    progress(f"sample data: {n} khuyến công projects of Bắc Kạn (2011–2016)")
    amounts = split(SON_LA_SUPPORT_VND, len(SON_LA_PROJECTS))
    counterparts = split(SON_LA_COUNTERPART_VND, len(SON_LA_PROJECTS))
    for i, (name, group, outputs) in enumerate(SON_LA_PROJECTS):
        source = FundingSource.NATIONAL if i % 3 == 0 else FundingSource.LOCAL
        await _project(
            loader,
            SON_LA,
            name,
            source,
            group,
            next(amounts),
            next(counterparts),
            2016 + i % 5,
            outputs,
            twist=i,
        )
    progress(f"sample data: {len(SON_LA_PROJECTS)} khuyến công projects of Sơn La (2016–2020)")
    return loader.count


async def _project(
    loader: Loader,
    province: str,
    name: str,
    source: FundingSource,
    group: ContentGroup,
    support: int,
    counterpart: int,
    year: int,
    outputs: dict[str, int],
    twist: int = -1,
) -> None:
    """One project from proposal to settlement; some of Sơn La's are paused on the way,
    rescheduled, or return part of their money (the `twist`)."""
    proposal = s.ProposeProject(
        name=name,
        province_code=province,
        funding_source=source,
        content_group=group,
        total_cost_vnd=support + counterpart,
        requested_support_vnd=support,
        counterpart_vnd=counterpart,
        start_date=date(year, 3, 1),
        end_date=date(year, 11, 30),
        planned_outputs=Outputs.model_validate(outputs),
    )
    project = await loader.run(province, f"propose {name}", h.propose_project, cmd=proposal)
    steps: list[tuple[str, Any, Any]] = [
        (
            "appraise",
            h.appraise_project,
            s.Appraise(result=AppraisalResult.PASSED, appraised_on=date(year, 3, 10)),
        ),
        (
            "approve",
            h.approve_project,
            s.Approve(
                decision_number=f"{100 + year % 100}/QĐ-SCT",
                decision_date=date(year, 3, 20),
                approved_support_vnd=support,
            ),
        ),
        (
            "contract",
            h.sign_contract,
            s.SignContract(contract_number=f"KC-{year}", signed_on=date(year, 3, 25)),
        ),
        (
            "advance",
            h.disburse_funds,
            s.Disburse(
                amount_vnd=support // 2, kind=DisbursementKind.ADVANCE, date=date(year, 4, 1)
            ),
        ),
        *_twists(twist, year),
        (
            "pay",
            h.disburse_funds,
            s.Disburse(
                amount_vnd=support - support // 2,
                kind=DisbursementKind.PAYMENT,
                date=date(year, 9, 1),
            ),
        ),
        (
            "accept",
            h.accept_project,
            s.Accept(
                accepted_on=date(year, 11, 20), actual_outputs=Outputs.model_validate(outputs)
            ),
        ),
        (
            "settle",
            h.settle_project,
            s.Settle(
                settled_vnd=support - (5_000_000 if twist == 2 else 0),
                settled_on=date(year, 12, 10),
            ),
        ),
    ]
    for step, handler, cmd in steps:
        project = await loader.run(
            province,
            f"{step} {name}",
            handler,
            project_id=project["id"],
            cmd=cmd,
            version=Precondition(project["version"]),
        )


def _twists(twist: int, year: int) -> list[tuple[str, Any, Any]]:
    if twist == 0:  # paused by floods, resumed
        return [
            ("pause", h.pause_project, s.Pause(paused_on=date(year, 5, 1), reason="Mưa lũ")),
            ("resume", h.resume_project, s.Resume(resumed_on=date(year, 6, 1))),
        ]
    if twist == 1:  # equipment late: a month more
        return [
            (
                "reschedule",
                h.reschedule_project,
                s.Reschedule(end_date=date(year, 12, 31), reason="Thiết bị về chậm"),
            )
        ]
    return []
