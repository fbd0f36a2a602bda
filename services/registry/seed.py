"""Sample data from the public record (see the README): Sơn La city's two clusters with their
117 relocated facilities, and five of Hà Nội's clusters, some with their shared infrastructure
reported; two procedure dossiers, one overdue; then the rest of Hà Nội's plan to the totals the
city published (`seed_ha_noi.py`). Loading it twice changes nothing: every command runs under
a fixed idempotency key."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from services.registry import handlers as h
from services.registry import schemas as s
from services.registry.domain import ClusterRules, with_check_digit
from services.registry.ha_noi_plan import SECTORS as HA_NOI_PLAN_SECTORS
from services.registry.ha_noi_plan import Sampled
from services.registry.seed_ha_noi import load_ha_noi_plan
from shared.commands import Commands
from shared.domain import today
from shared.events.registry import DossierKind, EnterpriseKind, PlacementPurpose
from shared.preconditions import Precondition
from shared.principal import Agency
from shared.sample_data import SampleLoader
from shared.service import Progress, sample_data_caller

SON_LA = "14"
# (name, commune, area ha, industrial land ha, infrastructure VND, relocated facilities)
SON_LA_CLUSTERS = [
    ("Cụm công nghiệp Phố Mới", "03646", "12.5", "10", 3_200_000_000, 70),
    ("Cụm công nghiệp Duyên Hải", "03667", "10", "8", 2_500_000_000, 47),
]
NEWCOMER_TAX_CODE = "5500123457"
SON_LA_CITY_OUTPUT_2010_VND = 100_000_000_000
SON_LA_CITY_SMALL_INDUSTRY_2010_VND = 285_714_285_714
"""The clusters' 100 billion VND was 35 % of the city's small-industry output in 2010."""
HA_NOI_BUDGET_2024_VND = 1_100_000_000_000
SON_LA_WAITING = 30  # of the ~400 facilities that must still move out of residential areas
HA_NOI = "01"
# (name, commune, status reached, area ha, industrial land ha, tenants)
HA_NOI_CLUSTERS = [
    ("Cụm công nghiệp Ngọc Hồi", "00679", "operating", "30", "22", 8),
    ("Cụm công nghiệp Thạch Thất - Quốc Oai", "09955", "operating", "45", "33", 10),
    ("Cụm công nghiệp Thường Tín", "10183", "under_construction", "25", "18", 0),
    ("Cụm công nghiệp Phú Xuyên", "10273", "established", "20", "15", 0),
    ("Cụm công nghiệp Đông Anh", "00454", "planned", "35", "0", 0),
]
# The public record names no plant or capacity for these clusters, so the figures are
# illustrative; Hà Nội's says many of its clusters lack wastewater treatment, waste collection
# and fire-safety equipment (Ngọc Hồi here). Duyên Hải operates without a treatment plant.
# name: (treatment plant, capacity m³/day, solid-waste collection, fire safety)
INFRASTRUCTURE = {
    "Cụm công nghiệp Phố Mới": ("operating", 300, "full", "partial"),
    "Cụm công nghiệp Duyên Hải": ("none", None, "partial", "none"),
    "Cụm công nghiệp Ngọc Hồi": ("none", None, "none", "partial"),
    "Cụm công nghiệp Thường Tín": ("under_construction", 800, "partial", "partial"),
}
REPORTED_ON = {SON_LA: date(2010, 12, 31), HA_NOI: date(2024, 12, 14)}
"""Sơn La city's report on 2010; Hà Nội's last annual data cut (Circular 14/2024/TT-BCT)."""
CALLERS = {p: sample_data_caller(Agency.SO_CONG_THUONG, p) for p in (SON_LA, HA_NOI)}
SECTORS = list(HA_NOI_PLAN_SECTORS[:7])
"""The trades of the first clusters' facilities (Hà Nội's plan adds crafts villages' own)."""


Loader = SampleLoader[ClusterRules]


async def load(commands: Commands[ClusterRules], progress: Progress) -> int:
    """Load all the sample data; return how many commands it took (replays included)."""
    loader = Loader(commands, CALLERS)
    ha_noi = await _sample(loader, progress)
    await load_ha_noi_plan(loader, progress, beside=ha_noi)
    return loader.count


async def load_sample(commands: Commands[ClusterRules], progress: Progress) -> int:
    """Load the sample data but Hà Nội's plan (a few hundred commands where the plan takes
    twelve thousand); return how many commands it took (replays included)."""
    loader = Loader(commands, CALLERS)
    await _sample(loader, progress)
    return loader.count


async def _sample(loader: Loader, progress: Progress) -> Sampled:
    """Sơn La's clusters, facilities and applications, Hà Nội's five clusters, the dossiers
    and the periodic reports; return what they add to Hà Nội's totals."""
    rng = random.Random(2010)
    serials = iter(range(10_000_000, 99_999_999, 7919))
    in_clusters: dict[str, dict[str, list[dict[str, Any]]]] = {SON_LA: {}, HA_NOI: {}}
    for name, commune, area, land, investment, moved in SON_LA_CLUSTERS:
        cluster = await _cluster(
            loader,
            SON_LA,
            name,
            commune,
            area,
            land,
            "operating",
            investment,
            decided=date(2005, 3, 15),
            opened=date(2007, 1, 1),
        )
        for i in range(moved):
            label = f"{name} {i + 1}"
            facility = await _facility(loader, rng, serials, SON_LA, commune, label)
            move = s.RelocateFacility(
                cluster_id=cluster["id"], date=date(2008, 6, 1), leased_area_ha=Decimal("0.12")
            )
            await loader.run(
                SON_LA,
                f"relocate {label}",
                h.relocate_facility,
                facility_id=facility["id"],
                cmd=move,
            )
            in_clusters[SON_LA].setdefault(cluster["id"], []).append(facility)
        await _infrastructure(loader, SON_LA, name, cluster["id"])
        progress(f"sample data: {name}, {moved} relocated facilities")
    waiting = [
        await _facility(loader, rng, serials, SON_LA, "03670", f"Chiềng Cơi {i + 1}")
        for i in range(SON_LA_WAITING)
    ]
    progress(f"sample data: {SON_LA_WAITING} Sơn La facilities still in residential areas")
    ha_noi: list[dict[str, Any]] = []
    for name, commune, status, area, land, tenants in HA_NOI_CLUSTERS:
        cluster = await _cluster(
            loader,
            HA_NOI,
            name,
            commune,
            area,
            land,
            status,
            12_000_000_000,
            decided=date(2018, 9, 20),
            opened=date(2019, 7, 1),
        )
        ha_noi.append(cluster)
        for i in range(tenants):
            label = f"{name} {i + 1}"
            facility = await _facility(loader, rng, serials, HA_NOI, commune, label, company=True)
            lease = s.StartTenancy(
                facility_id=facility["id"],
                leased_area_ha=Decimal("1.5"),
                start_date=date(2020, 3, 1),
            )
            await loader.run(
                HA_NOI, f"lease {label}", h.start_tenancy, cluster_id=cluster["id"], cmd=lease
            )
            in_clusters[HA_NOI].setdefault(cluster["id"], []).append(facility)
        await _infrastructure(loader, HA_NOI, name, cluster["id"])
        progress(f"sample data: {name} ({status}, {tenants} tenants)")
    await _dossiers(loader)
    await _placements(loader, waiting)
    progress("sample data: procedure dossiers and placement applications")
    await _period_reports(loader, in_clusters)
    progress("sample data: tenants' periodic reports and Sơn La city's 2010 output")
    return Sampled.of(ha_noi, [f for found in in_clusters[HA_NOI].values() for f in found])


def _shares(total: int, count: int, rng: random.Random) -> list[int]:
    """`total` split into `count` uneven whole parts that add up to it exactly."""
    weights = [rng.randint(5, 15) for _ in range(count)]
    parts = [total * w // sum(weights) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _rows(
    facilities: list[dict[str, Any]], output: list[int], budget: list[int]
) -> list[s.TenantFigures]:
    return [
        s.TenantFigures(
            facility_id=f["id"],
            production_value_vnd=value,
            workers=f["workers"],
            budget_paid_vnd=paid,
            wastewater_to_plant=True,
        )
        for f, value, paid in zip(facilities, output, budget, strict=True)
    ]


async def _file(
    loader: Loader, province: str, cluster_id: str, period: str, on: date, rows: list[Any]
) -> None:
    report = s.FilePeriodReport(period=period, filed_on=on, rows=rows)
    await loader.run(
        province,
        f"report {cluster_id} {period} {on}",
        h.file_period_report,
        cluster_id=cluster_id,
        cmd=report,
    )


async def _period_reports(
    loader: Loader, tenants: dict[str, dict[str, list[dict[str, Any]]]]
) -> None:
    """Sơn La city's two clusters: 2010 output 100 billion VND, 35 % of the city's small-
    industry output. Hà Nội's operating clusters: about 1,100 billion VND paid to the budget in
    2024; in 2025's first half some tenants reported late and some not at all."""
    rng = random.Random(14)
    son_la = tenants[SON_LA]
    facilities = [f for found in son_la.values() for f in found]
    output = iter(_shares(SON_LA_CITY_OUTPUT_2010_VND, len(facilities), rng))
    for cluster_id, found in son_la.items():
        values = [next(output) for _ in found]
        rows = _rows(found, values, [v // 20 for v in values])
        await _file(loader, SON_LA, cluster_id, "2010", date(2010, 12, 17), rows)
    statistics = s.RecordStatistics(
        year=2010,
        area="Thành phố Sơn La",
        small_industry_output_vnd=SON_LA_CITY_SMALL_INDUSTRY_2010_VND,
        statistics_source="Báo cáo của UBND thành phố Sơn La năm 2010 (sản lượng công nghiệp "
        "nhỏ của thành phố; hai cụm chiếm 35 %)",
        cluster_ids=list(son_la),
    )
    await loader.run(
        SON_LA, "statistics 2010", h.record_statistics, province_code=SON_LA, cmd=statistics
    )
    ha_noi = tenants[HA_NOI]
    facilities = [f for found in ha_noi.values() for f in found]
    budget = iter(_shares(HA_NOI_BUDGET_2024_VND, len(facilities), rng))
    for i, (cluster_id, found) in enumerate(ha_noi.items()):
        paid = [next(budget) for _ in found]
        rows = _rows(found, [p * 12 for p in paid], paid)
        await _file(loader, HA_NOI, cluster_id, "2024", date(2024, 12, 16), rows)
        # 2025-H1: the first cluster's tenants on time but two late; the second's last three
        # never reported.
        if i == 0:
            await _file(loader, HA_NOI, cluster_id, "2025-H1", date(2025, 6, 18), rows[:-2])
            await _file(loader, HA_NOI, cluster_id, "2025-H1", date(2025, 6, 27), rows[-2:])
        else:
            await _file(loader, HA_NOI, cluster_id, "2025-H1", date(2025, 6, 19), rows[:-3])


# Who asks for land in Sơn La's clusters (applied in March 2026): four facilities in
# residential areas that the environment agency is inspecting, one that needs room to grow,
# and a new enterprise. Until the agency classifies the four they rank as "other"; once it
# does, they head the queue by the relocation priority it gives.
PLACEMENTS = [
    (0, "relocation_polluting", "0.15"),
    (1, "relocation_polluting", "0.12"),
    (2, "relocation_polluting", "0.2"),
    (3, "relocation_polluting", "0.1"),
    (4, "expansion", "0.3"),
]


async def _placements(loader: Loader, waiting: list[dict[str, Any]]) -> None:
    clusters = await loader.query(
        SON_LA, h.list_clusters, query=s.ClusterQuery(province_code=SON_LA)
    )
    cluster_ids = [c.id for c in clusters.items]
    for i, (index, purpose, area) in enumerate(PLACEMENTS):
        application = s.ApplyForPlacement(
            facility_id=waiting[index]["id"],
            purpose=PlacementPurpose(purpose),
            requested_area_ha=Decimal(area),
            cluster_ids=cluster_ids,
            applied_on=date(2026, 3, 2 + i),
        )
        await loader.run(SON_LA, f"placement {index}", h.apply_for_placement, cmd=application)
    newcomer = s.ApplyForPlacement(
        new_enterprise=s.NewEnterprise(
            name="Công ty TNHH Chế biến chè Tây Bắc",
            tax_code=NEWCOMER_TAX_CODE,
            kind=EnterpriseKind.COMPANY,
            province_code=SON_LA,
            commune_code="03670",
            address="Bản Giàng Lắc, phường Chiềng Cơi",
            sector="chế biến nông sản",
        ),
        purpose=PlacementPurpose.NEW_WITHOUT_PREMISES,
        requested_area_ha=Decimal("0.5"),
        cluster_ids=cluster_ids[:1],
        applied_on=date(2026, 3, 10),
        annual_output_vnd=3_000_000_000,
        workers=40,
    )
    await loader.run(SON_LA, "placement newcomer", h.apply_for_placement, cmd=newcomer)


# Phố Mới's expansion: Sở Công Thương received the dossier on 2 Feb 2026, and its 25 days of
# appraisal (days, not working days: Tết counts) ended on Fri 27 Feb; the report went up on
# 6 Mar, 5 working days late, and the province has not decided since (due 17 Mar): overdue.
PHO_MOI_EXPANSION: list[tuple[Callable[..., Awaitable[BaseModel]], BaseModel]] = [
    (h.announce_call, s.AnnounceCall(announced_on=date(2026, 1, 9))),
    (h.receive_dossier, s.ReceiveDossier(received_on=date(2026, 2, 2))),
    (
        h.appraise_dossier,
        s.AppraiseDossier(appraised_on=date(2026, 3, 6), note="Tỷ lệ lấp đầy đạt trên 60 %"),
    ),
]


async def _dossiers(loader: Loader) -> None:
    """Phố Mới's expansion, overdue; Đông Anh's establishment, asked for two days ago."""
    clusters = await loader.query(
        SON_LA, h.list_clusters, query=s.ClusterQuery(q="Phố Mới", province_code=SON_LA)
    )
    request = s.OpenDossier(
        cluster_id=clusters.items[0].id,
        kind=DossierKind.EXPANSION,
        request_received_on=date(2026, 1, 5),
        investor_name="Ban quản lý dự án thành phố Sơn La",
    )
    dossier = await loader.run(SON_LA, "dossier Phố Mới", h.open_dossier, cmd=request)
    for handler, cmd in PHO_MOI_EXPANSION:
        dossier = await loader.run(
            SON_LA,
            f"dossier Phố Mới {handler.__name__}",
            handler,
            dossier_id=dossier["id"],
            cmd=cmd,
            version=Precondition(dossier["version"]),
        )
    planned = await loader.query(
        HA_NOI, h.list_clusters, query=s.ClusterQuery(q="Đông Anh", province_code=HA_NOI)
    )
    request = s.OpenDossier(
        cluster_id=planned.items[0].id,
        kind=DossierKind.ESTABLISHMENT,
        request_received_on=today() - timedelta(days=2),
        investor_name="Công ty CP Phát triển hạ tầng Đông Anh",
    )
    await loader.run(HA_NOI, "dossier Đông Anh", h.open_dossier, cmd=request)


async def _cluster(
    loader: Loader,
    province: str,
    name: str,
    commune: str,
    area: str,
    land: str,
    status: str,
    investment: int,
    *,
    decided: date,
    opened: date,
) -> dict[str, Any]:
    """Plan a cluster and take it as far through its lifecycle as `status`."""
    plan = s.PlanCluster(
        name=name,
        province_code=province,
        commune_code=commune,
        planned_area_ha=Decimal(area),
        sectors=SECTORS[:3],
    )
    cluster = await loader.run(province, f"plan {name}", h.plan_cluster, cmd=plan)
    if status == "planned":
        return cluster
    decision = s.EstablishCluster(
        decision_number=f"{100 + len(name)}/QĐ-UBND",
        decision_date=decided,
        investor_name=f"Ban quản lý dự án {name}",
        area_ha=Decimal(area),
        industrial_land_area_ha=Decimal(land),
    )
    cluster = await _step(
        loader, province, f"establish {name}", h.establish_cluster, cluster, decision
    )
    if status == "established":
        return cluster
    report = s.RecordConstruction(investment_vnd=investment, report_date=opened)
    cluster = await _step(loader, province, f"build {name}", h.record_construction, cluster, report)
    if status == "under_construction":
        return cluster
    opening = s.StartOperation(start_date=opened)
    return await _step(loader, province, f"open {name}", h.start_operation, cluster, opening)


async def _infrastructure(loader: Loader, province: str, name: str, cluster_id: str) -> None:
    """Report the cluster's infrastructure, if the sample data has it, over its version now
    (leases and relocations have moved it on since the cluster was opened)."""
    if name not in INFRASTRUCTURE:
        return
    plant, capacity, waste, fire = INFRASTRUCTURE[name]
    report = s.ReportInfrastructure.model_validate(
        {
            "treatment_plant": plant,
            "treatment_capacity_m3_per_day": capacity,
            "solid_waste_collection": waste,
            "fire_safety": fire,
            "reported_on": REPORTED_ON[province],
        }
    )
    current = await loader.query(province, h.get_cluster, cluster_id=cluster_id)
    await loader.run(
        province,
        f"infrastructure {name}",
        h.report_infrastructure,
        cluster_id=cluster_id,
        cmd=report,
        version=Precondition(current.version),
    )


async def _step(
    loader: Loader,
    province: str,
    key: str,
    handler: Callable[..., Awaitable[BaseModel]],
    cluster: dict[str, Any],
    cmd: BaseModel,
) -> dict[str, Any]:
    """One lifecycle command on the cluster as last seen (its version)."""
    version = Precondition(cluster["version"])
    return await loader.run(
        province, key, handler, cluster_id=cluster["id"], cmd=cmd, version=version
    )


async def _facility(
    loader: Loader,
    rng: random.Random,
    serials: Iterator[int],
    province: str,
    commune: str,
    label: str,
    *,
    company: bool = False,
) -> dict[str, Any]:
    code = None
    while code is None:
        code = with_check_digit(f"{next(serials):09d}")
    kind = (
        EnterpriseKind.COMPANY
        if company
        else rng.choice(
            [EnterpriseKind.HOUSEHOLD, EnterpriseKind.HOUSEHOLD, EnterpriseKind.COOPERATIVE]
        )
    )
    owner = {
        EnterpriseKind.COMPANY: "Công ty TNHH",
        EnterpriseKind.HOUSEHOLD: "Hộ kinh doanh",
        EnterpriseKind.COOPERATIVE: "Hợp tác xã",
    }[kind]
    registration = s.RegisterEnterprise(
        name=f"{owner} {label}", tax_code=code, kind=kind, province_code=province
    )
    enterprise = await loader.run(
        province, f"enterprise {label}", h.register_enterprise, cmd=registration
    )
    sector = rng.choice(SECTORS)
    facility = s.RegisterFacility(
        enterprise_id=enterprise["id"],
        name=f"Cơ sở {sector} {label}",
        province_code=province,
        commune_code=commune,
        address=f"{label}, {commune}",
        sector=sector,
        workers=rng.randint(20, 120) if company else rng.randint(4, 30),
        annual_output_vnd=rng.randint(600, 1_100) * 1_000_000 * (8 if company else 1),
    )
    return await loader.run(province, f"facility {label}", h.register_facility, cmd=facility)
