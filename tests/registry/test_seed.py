"""The sample data: the public figures, loaded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from services.registry import seed, tables
from shared.db import Database
from tests.registry.factory import Registry


async def test_sample_data_matches_the_public_figures_and_loads_once(registry: Registry) -> None:
    db: Database = registry.app.state.db
    await seed.load_sample(registry.app.state.commands, progress=lambda _: None)
    async with db.sessions() as session:
        outbox_after_first = (
            await session.execute(select(func.count()).select_from(tables.platform.outbox))
        ).scalar_one()
    await seed.load_sample(registry.app.state.commands, progress=lambda _: None)
    async with db.sessions() as session:
        outbox_after_second = (
            await session.execute(select(func.count()).select_from(tables.platform.outbox))
        ).scalar_one()
    assert outbox_after_second == outbox_after_first  # the second load did nothing

    ministry = registry.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    son_la = (await registry.ok("GET", "/clusters?province_code=14", headers=ministry))["items"]
    assert sorted(c["name"] for c in son_la) == [
        "Cụm công nghiệp Duyên Hải",
        "Cụm công nghiệp Phố Mới",
    ]
    assert sum(float(c["area_ha"]) for c in son_la) == 22.5
    assert sum(c["infrastructure_investment_vnd"] for c in son_la) == 5_700_000_000
    assert sum(c["tenant_count"] for c in son_la) == 117
    plants = {c["name"]: (c["status"], c["infrastructure"]["treatment_plant"]) for c in son_la}
    assert plants == {
        "Cụm công nghiệp Phố Mới": ("operating", "operating"),
        "Cụm công nghiệp Duyên Hải": ("operating", "none"),  # operating without a plant
    }
    moved = await registry.ok(
        "GET", "/facilities?province_code=14&in_residential_area=false&limit=200", headers=ministry
    )
    assert len(moved["items"]) == 117
    assert all(f["relocated_on"] == "2008-06-01" for f in moved["items"])
    ha_noi = (await registry.ok("GET", "/clusters?province_code=01", headers=ministry))["items"]
    assert {c["status"] for c in ha_noi} == {
        "planned",
        "established",
        "under_construction",
        "operating",
    }
    overdue = await registry.ok("GET", "/dossiers?overdue=true", headers=ministry)
    [late] = overdue["items"]  # Phố Mới's expansion: appraised late across Tết, undecided
    assert (late["kind"], late["next_step"], late["next_due_on"]) == (
        "expansion",
        "decision",
        "2026-03-17",
    )
    appraisal = {s["step"]: s for s in late["steps"]}["appraisal"]
    assert (appraisal["due_on"], appraisal["late_working_days"]) == ("2026-02-27", 5)
    waiting = await registry.ok("GET", "/dossiers?overdue=false", headers=ministry)
    assert [d["kind"] for d in waiting["items"]] == ["establishment"]  # Đông Anh, on time
    queue = (
        await registry.ok("GET", "/placement-applications?province_code=14", headers=ministry)
    )["items"]
    # Without the environment agency's classifications yet: expansion, the newcomer, then
    # the four that claim to pollute (ranked as "other" until classified), by output.
    assert [a["group"] for a in queue] == [
        "expansion",
        "new_without_premises",
        "other",
        "other",
        "other",
        "other",
    ]
    [city] = (await registry.ok("GET", "/provinces/14/statistics?year=2010", headers=ministry))[
        "items"
    ]
    assert city["cluster_production_value_vnd"] == 100_000_000_000
    assert city["cluster_share"] == "0.3500"  # 35 % of Sơn La city's small-industry output
    clusters = {c["name"]: c["id"] for c in ha_noi}
    paid = 0
    for name in ("Cụm công nghiệp Ngọc Hồi", "Cụm công nghiệp Thạch Thất - Quốc Oai"):
        report = await registry.ok(
            "GET", f"/clusters/{clusters[name]}/period-reports?period=2024", headers=ministry
        )
        paid += report["budget_paid_vnd"]
    assert paid == 1_100_000_000_000
    compliance = await registry.ok(
        "GET", "/reporting-compliance?period=2025-H1&province_code=01", headers=ministry
    )
    counts = {
        c["cluster_name"]: (c["on_time"], c["late"], c["missing"]) for c in compliance["clusters"]
    }
    assert counts == {
        "Cụm công nghiệp Ngọc Hồi": (6, 2, 0),
        "Cụm công nghiệp Thạch Thất - Quốc Oai": (7, 0, 3),
    }
