"""The registry's events as they really reach Kafka, and the read model it builds from Kafka."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from typer.testing import CliRunner

from services.registry import tables
from services.registry.app import service
from shared.cli import app
from shared.db import Database
from shared.events import Envelope
from shared.events.environment import (
    FacilityClassifiedPolluting,
    FacilityDeclassified,
    PollutionSeverity,
)
from shared.events.registry import ClusterPlanned, FacilityRegistered
from shared.events.schema_store import SchemaStore
from shared.localinfra import KafkaBroker, free_port
from tests import apis
from tests.kafka_tools import produce_raw, read_topic, wait_until
from tests.registry.factory import SON_LA, TO_HIEU, Registry


@pytest.fixture
async def live_registry(registry_db_url: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    """The registry with its outbox relay and consumer running against the real broker."""
    async with apis.live(kafka_bootstrap, (service, registry_db_url)) as [(app, client)]:
        yield Registry(client, app, apis.token)


def _validate(message) -> dict:  # type: ignore[no-untyped-def]
    """Check a Kafka message against the committed JSON Schema of its type."""
    headers = {k: v.decode() for k, v in message.headers}
    revisions = SchemaStore().revisions(headers["ce_type"])
    assert revisions, f"no committed schema for {headers['ce_type']}"
    data = json.loads(message.value)
    Draft202012Validator(revisions[-1]).validate(data)
    return {"headers": headers, "data": data}


async def _messages_for(bootstrap: str, topic: str, subject: str, expected: int) -> list[dict]:
    """Messages of one aggregate (the topic is shared with other tests' aggregates)."""
    found: list[dict] = []
    for _ in range(50):
        messages = await read_topic(bootstrap, topic, expected=10**9, timeout_s=1.0)
        found = [_validate(m) for m in messages if m.key == subject.encode()]
        if len(found) >= expected:
            return found
    raise AssertionError(f"only {len(found)} of {expected} events for {subject} reached {topic}")


async def test_cluster_events_reach_kafka_with_their_headers_and_schema(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    headers = {**live_registry.approver, "X-Correlation-ID": "corr-lifecycle-1"}
    cluster = await live_registry.ok(
        "POST",
        "/clusters",
        {
            "name": "CCN Phố Mới",
            "province_code": SON_LA,
            "commune_code": TO_HIEU,
            "planned_area_ha": "12.5",
        },
        headers=headers,
        status=201,
    )
    await live_registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/establishment",
        {
            "decision_number": "1234/QĐ-UBND",
            "decision_date": "2009-05-12",
            "investor_name": "Ban quản lý dự án",
            "area_ha": "12.5",
            "industrial_land_area_ha": "10",
            "version": 1,
        },
        headers=headers,
    )
    events = await _messages_for(kafka_bootstrap, ClusterPlanned.topic(), cluster["id"], 2)
    assert [e["headers"]["ce_type"] for e in events] == [
        "vn.ccn.registry.ClusterPlanned.v1",
        "vn.ccn.registry.ClusterEstablished.v1",
    ]
    for event in events:
        h = event["headers"]
        assert h["ce_source"] == "/ccn/registry" and h["ce_subject"] == cluster["id"]
        assert h["ce_specversion"] == "1.0" and h["content-type"] == "application/json"
        assert h["ce_correlationid"] == "corr-lifecycle-1"
        assert (h["ce_actor"], h["ce_actoragency"]) == ("officer-1", "so-cong-thuong")
        assert h["traceparent"].startswith("00-")
    established = events[1]["data"]
    assert established["area_ha"] == "12.5000" and established["province_code"] == SON_LA
    assert established["commune_code"] == TO_HIEU


async def test_a_dossiers_steps_reach_kafka_on_its_clusters_key_in_order(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    cluster = await live_registry.planned_cluster()
    dossier = await live_registry.ok(
        "POST",
        "/dossiers",
        {"cluster_id": cluster["id"], "kind": "establishment", "request_received_on": "2026-01-05"},
        status=201,
    )
    await live_registry.ok(
        "POST",
        f"/dossiers/{dossier['id']}/call-for-investors",
        {"announced_on": "2026-01-14", "version": dossier["version"]},
    )
    events = await _messages_for(kafka_bootstrap, ClusterPlanned.topic(), cluster["id"], 3)
    assert [e["headers"]["ce_type"] for e in events] == [
        "vn.ccn.registry.ClusterPlanned.v1",
        "vn.ccn.registry.DossierOpened.v1",
        "vn.ccn.registry.DossierStepRecorded.v1",
    ]
    opened, called = events[1]["data"], events[2]["data"]
    assert (opened["next_step"], opened["next_due_on"]) == ("call_for_investors", "2026-01-12")
    assert called["step"] == "call_for_investors" and called["dossier_id"] == dossier["id"]
    assert (called["due_on"], called["late_working_days"]) == ("2026-01-12", 2)
    assert (called["next_step"], called["next_due_on"]) == ("dossier_received", "2026-02-05")


async def test_a_facility_classified_through_kafka_heads_the_placement_queue(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    cluster = await live_registry.operating_cluster()
    applications = {}
    for name in ("Cơ sở mộc Chiềng An", "Cơ sở mạ kẽm Tô Hiệu"):
        facility = await live_registry.facility(name=name)
        applications[name] = await live_registry.ok(
            "POST",
            "/placement-applications",
            {
                "facility_id": facility["id"],
                "purpose": "relocation_polluting",
                "requested_area_ha": "0.4",
                "cluster_ids": [cluster["id"]],
                "applied_on": "2026-03-02",
            },
            status=201,
        )
    plating = applications["Cơ sở mạ kẽm Tô Hiệu"]
    await produce_raw(
        kafka_bootstrap,
        FacilityClassifiedPolluting.topic(),
        *_records(_classified(plating["facility_id"], priority=1)),
    )

    async def plating_first() -> bool:
        queue = await live_registry.ok("GET", f"/placement-applications?cluster_id={cluster['id']}")
        return [a["id"] for a in queue["items"]][:1] == [plating["id"]]

    assert await wait_until(plating_first, timeout_s=60)
    [applied] = await _messages_for(kafka_bootstrap, "ccn.registry.placement", plating["id"], 1)
    assert applied["headers"]["ce_type"] == "vn.ccn.registry.PlacementApplied.v1"
    assert applied["data"]["cluster_ids"] == [cluster["id"]]


async def test_a_period_report_reaches_kafka_with_each_rows_revision(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    cluster = await live_registry.operating_cluster()
    facility = await live_registry.facility()
    await live_registry.ok(
        "POST",
        f"/clusters/{cluster['id']}/tenancies",
        {"facility_id": facility["id"], "leased_area_ha": "1", "start_date": "2020-01-01"},
        status=201,
    )
    row = {
        "facility_id": facility["id"],
        "production_value_vnd": 5_000_000_000,
        "workers": 30,
        "budget_paid_vnd": 400_000_000,
        "wastewater_to_plant": False,
    }
    path = f"/clusters/{cluster['id']}/period-reports"
    for filed_on in ("2025-06-18", "2025-06-22"):
        await live_registry.ok(
            "POST", path, {"period": "2025-H1", "filed_on": filed_on, "rows": [row]}, status=201
        )
    events = await _messages_for(kafka_bootstrap, ClusterPlanned.topic(), cluster["id"], 6)
    filed = [e["data"] for e in events if e["headers"]["ce_type"].endswith("PeriodReportFiled.v1")]
    assert [(f["late"], f["rows"][0]["revision"]) for f in filed] == [(False, 1), (True, 2)]
    assert filed[0]["rows"][0]["enterprise_id"] == facility["enterprise_id"]


async def test_facility_events_carry_what_consumers_need(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    facility = await live_registry.facility(workers=12, annual_output_vnd=900_000_000)
    [registered] = await _messages_for(
        kafka_bootstrap, FacilityRegistered.topic(), facility["id"], 1
    )
    data = registered["data"]
    assert data["location"] == "residential_area" and data["workers"] == 12
    assert data["annual_output_vnd"] == 900_000_000 and data["commune_code"] == TO_HIEU


async def test_relocation_candidates_come_from_environment_events_once_each(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    urgent = await live_registry.facility(name="Cơ sở mạ điện Tô Hiệu")
    later = await live_registry.facility(name="Cơ sở nhuộm Chiềng An")
    cluster = await live_registry.operating_cluster()

    first, second = _classified(later["id"], priority=2), _classified(urgent["id"], priority=1)
    records = _records(first, second, first)  # a redelivery
    await produce_raw(kafka_bootstrap, FacilityClassifiedPolluting.topic(), *records)

    async def both_listed() -> bool:
        return len(await live_registry.ok("GET", "/relocation-candidates")) == 2

    assert await wait_until(both_listed, timeout_s=60)
    candidates = await live_registry.ok("GET", "/relocation-candidates?province_code=14")
    assert [c["facility_id"] for c in candidates] == [urgent["id"], later["id"]]
    assert candidates[0]["facility_name"] == "Cơ sở mạ điện Tô Hiệu"
    assert candidates[0]["relocated"] is False and "COD" in candidates[0]["reasons"][0]

    await live_registry.ok(
        "POST",
        f"/facilities/{urgent['id']}/relocation",
        {"cluster_id": cluster["id"], "leased_area_ha": "0.5", "date": "2024-09-01"},
        status=201,
    )
    moved = await live_registry.ok("GET", "/relocation-candidates")
    assert (moved[0]["relocated"], moved[0]["cluster_id"]) == (True, cluster["id"])

    db: Database = live_registry.app.state.db
    async with db.sessions() as session:
        inbox = (
            await session.execute(select(func.count()).select_from(tables.platform.inbox))
        ).scalar_one()
    assert inbox == 2  # the redelivered event was recognised, not applied twice


async def test_a_declassified_facility_leaves_the_relocation_list_and_late_events_keep_it_off(
    live_registry: Registry, kafka_bootstrap: str
) -> None:
    facility_id = (await live_registry.facility(name="Cơ sở mạ kẽm Chiềng Lề"))["id"]
    topic = FacilityClassifiedPolluting.topic()
    assert FacilityDeclassified.topic() == topic  # one facility's decisions stay in order
    declassified = Envelope.wrap(
        FacilityDeclassified(
            facility_id=facility_id,
            province_code=SON_LA,
            commune_code=TO_HIEU,
            declassified_on="2024-09-01",
            reason="Đã lắp hệ thống xử lý nước thải đạt QCVN 40:2011/BTNMT",
        )
    )

    def listed_as(*classified_on: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            found = await live_registry.ok("GET", "/relocation-candidates")
            dates = [c["classified_on"] for c in found if c["facility_id"] == facility_id]
            return dates == list(classified_on)

        return check

    await produce_raw(kafka_bootstrap, topic, *_records(_classified(facility_id)))
    assert await wait_until(listed_as("2024-06-01"), timeout_s=60)

    # The declassification redelivered, then a classification older than it arriving late.
    late = _classified(facility_id, on="2024-03-01")
    await produce_raw(kafka_bootstrap, topic, *_records(declassified, declassified, late))
    db: Database = live_registry.app.state.db

    async def both_applied() -> bool:
        inbox = tables.platform.inbox
        seen = select(func.count()).where(inbox.c.event_id.in_([declassified.id, late.id]))
        async with db.sessions() as session:
            return (await session.execute(seen)).scalar_one() == 2

    assert await wait_until(both_applied, timeout_s=60)
    assert await listed_as()()  # off the list: the older classification did not undo it

    newer = _classified(facility_id, on="2024-12-01")
    await produce_raw(kafka_bootstrap, topic, *_records(newer))
    assert await wait_until(listed_as("2024-12-01"), timeout_s=60)  # classified again: back


def _classified(facility_id: str, *, priority: int = 1, on: str = "2024-06-01") -> Envelope:
    return Envelope.wrap(
        FacilityClassifiedPolluting(
            facility_id=facility_id,
            province_code=SON_LA,
            commune_code=TO_HIEU,
            severity=PollutionSeverity.SERIOUSLY_POLLUTING,
            relocation_priority=priority,
            classified_on=on,
            inspection_id="insp-1",
            reasons=["COD 310 mg/L > 150 (QCVN 40:2011/BTNMT cột B)"],
        )
    )


def _records(*envelopes: Envelope) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """Envelopes as Kafka records; the same envelope twice is a redelivery."""
    return [(e.key, e.value(), e.headers()) for e in envelopes]


async def test_operators_see_dead_letters_and_parked_events_with_ccn_dlq(
    live_registry: Registry,
    kafka_bootstrap: str,
    registry_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    facility = await live_registry.facility()
    good = Envelope.wrap(
        FacilityClassifiedPolluting(
            facility_id=facility["id"],
            province_code=SON_LA,
            commune_code=TO_HIEU,
            severity=PollutionSeverity.POLLUTING,
            relocation_priority=3,
            classified_on="2024-06-01",
        )
    )
    broken = json.loads(good.value())
    broken["relocation_priority"] = 0  # the contract says 1 or more
    bad = Envelope.wrap(
        FacilityClassifiedPolluting.model_validate({**broken, "relocation_priority": 1})
    )
    await produce_raw(
        kafka_bootstrap,
        FacilityClassifiedPolluting.topic(),
        (bad.key, json.dumps(broken).encode(), bad.headers()),
        (good.key, good.value(), good.headers()),
    )

    db: Database = live_registry.app.state.db

    async def two_dead_letters() -> bool:
        async with db.sessions() as session:
            count = (
                await session.execute(
                    select(func.count()).select_from(tables.platform.dead_letters)
                )
            ).scalar_one()
        return count == 2

    assert await wait_until(two_dead_letters, timeout_s=60)
    assert await live_registry.ok("GET", "/relocation-candidates") == []  # parked, not applied

    monkeypatch.setenv("CCN_DATABASE_URL", registry_db_url)
    monkeypatch.setenv("CCN_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    listed = await asyncio.to_thread(CliRunner().invoke, app, ["dlq", "list", "registry"])
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.output.splitlines() if "\t" in line]
    assert [(cols[2], cols[3]) for cols in lines] == [("dead", "invalid"), ("parked", "parked")]
    assert all(f"key={facility['id']}" in cols for cols in lines)
    redriven = await asyncio.to_thread(
        CliRunner().invoke, app, ["dlq", "redrive", "registry", "--key", facility["id"]]
    )
    assert redriven.exit_code == 1  # the first is still invalid: nothing may jump ahead of it
    assert "re-applied 0 event(s)" in redriven.output and "2 still dead-lettered" in redriven.output


@pytest.mark.slow
async def test_a_registry_started_while_kafka_is_away_takes_writes_and_publishes_them_later(
    registry_db_url: str, run_dir: Path
) -> None:
    broker = KafkaBroker(data_dir=run_dir / "away", port=free_port(), controller_port=free_port())
    settings = apis.settings_for(service, registry_db_url, broker.bootstrap, background=True)
    async with apis.served(service, settings) as (app, client):
        registry = Registry(client, app, apis.token)
        cluster = await registry.planned_cluster()
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["kafka"].startswith("unavailable")
        assert ready.json()["checks"]["topics"].startswith("not created yet")
        await asyncio.to_thread(broker.start)
        try:
            messages = await read_topic(
                broker.bootstrap, ClusterPlanned.topic(), expected=1, timeout_s=60
            )
            assert [json.loads(m.value)["cluster_id"] for m in messages] == [cluster["id"]]
            ready = await client.get("/readyz")
            assert ready.json() == {
                "status": "ready",
                "checks": {"database": "ok", "kafka": "ok", "topics": "ok"},
            }
        finally:
            await asyncio.to_thread(broker.stop)
