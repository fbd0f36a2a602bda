"""Live rebuild of the reporting projections against a bare aiokafka read, in one run.

    .venv/bin/python bench/rebuild.py [--events 200000]

Starts a throwaway PostgreSQL and Kafka broker and publishes N events across the registry's,
the environment department's and the khuyến công centre's topics (clusters with their
tenants, inspections, violations, classifications, projects). Then, on the same broker:
a bare aiokafka consumer reads every one of them (no decoding, no database), and the reporting
service rebuilds its projections from offset 0 into a new generation and swaps it in. Prints
both rates over the N events and their ratio; compare ratios, not absolute figures, across
machines. The rebuild also prints how far it has come every few seconds, and the CPU time it
used: a rebuild that uses less CPU than the time it takes is waiting on the database or the
broker, which share the machine with it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer

from services.reporting.app import service
from shared.db import Database
from shared.events import Envelope, Event
from shared.events import environment as env
from shared.events import promotion as pro
from shared.events import registry as ev
from shared.generations import Generations
from shared.ids import new_id
from shared.interpreter import settle
from shared.kafka import ensure_topics, new_producer
from shared.localinfra import KafkaBroker, PostgresServer
from shared.rebuild import describe
from shared.throwaway import throwaway_servers

PROVINCES = ["14", "01", "06", "22", "27", "30", "56", "92"]
TENANTS = 12
"""Each cluster's tenants: an enterprise, a facility and a tenancy each."""


def _cluster_events(n: int) -> Iterator[Event]:
    """One cluster's life, its tenants, a third of them inspected, and one project."""
    province = PROVINCES[n % len(PROVINCES)]
    cluster = str(uuid.UUID(int=n))
    at = {"cluster_id": cluster, "province_code": province}
    yield ev.ClusterPlanned(**at, name=f"Cụm công nghiệp số {n}", planned_area_ha="40")
    yield ev.ClusterEstablished(
        **at,
        decision_number=f"{n}/QĐ-UBND",
        decision_date="2019-03-01",
        investor_name="Công ty CP Hạ tầng",
        area_ha="40",
        industrial_land_area_ha="30",
    )
    yield ev.ClusterConstructionProgressed(
        **at,
        investment_vnd=30_000_000_000,
        total_investment_vnd=30_000_000_000,
        report_date="2019-09-01",
    )
    yield ev.ClusterOperationStarted(**at, start_date="2020-01-01")
    for t in range(TENANTS):
        enterprise, facility = (new_id() for _ in range(2))
        where = {"province_code": province}
        yield ev.EnterpriseRegistered(
            enterprise_id=enterprise,
            name=f"Công ty TNHH {n}-{t}",
            tax_code="0100109106",
            kind="company" if t % 3 else "household",
            **where,
        )
        yield ev.FacilityRegistered(
            facility_id=facility,
            enterprise_id=enterprise,
            commune_code="03646",
            name=f"Xưởng {n}-{t}",
            address="Khu A",
            sector="cơ khí",
            workers=20 + t,
            annual_output_vnd=900_000_000,
            location="residential_area",
            **where,
        )
        yield ev.TenancyStarted(
            **at,
            tenancy_id=new_id(),
            facility_id=facility,
            enterprise_id=enterprise,
            leased_area_ha="1.5",
            start_date="2020-03-01",
            cluster_leased_area_ha=str(1.5 * (t + 1)),
            cluster_occupancy_rate="0.05",
        )
        if t % 3 == 0:
            yield from _inspected(facility, province)
    yield pro.ProjectApproved(
        project_id=new_id(),
        province_code=province,
        funding_source="local",
        content_group="demonstration_and_technology_transfer",
        status="approved",
        approved_support_vnd=300_000_000,
        decision_number=f"{n}/QĐ-SCT",
        decision_date="2021-04-01",
        total_cost_vnd=900_000_000,
        counterpart_vnd=600_000_000,
    )


def _inspected(facility: str, province: str) -> Iterator[Event]:
    inspection, violation = new_id(), new_id()
    at = {"inspection_id": inspection, "facility_id": facility, "province_code": province}
    yield env.InspectionScheduled(**at, scheduled_on="2021-05-01", kind="periodic", team="Đoàn 1")
    yield env.ViolationRecorded(
        **at,
        violation_id=violation,
        kind="finding",
        description="Không có hệ thống xử lý nước thải",
        detected_on="2021-05-03",
        remediation_deadline="2021-08-03",
    )
    yield env.InspectionCompleted(
        **at, carried_out_on="2021-05-03", outcome="violations_found", violation_ids=[violation]
    )
    yield env.FacilityClassifiedPolluting(
        facility_id=facility,
        province_code=province,
        severity="polluting",
        relocation_priority=2,
        classified_on="2021-09-01",
        inspection_id=inspection,
    )


def events(n: int) -> Iterator[Event]:
    produced, cluster = 0, 0
    while True:
        for event in _cluster_events(cluster):
            if produced == n:
                return
            yield event
            produced += 1
        cluster += 1


async def publish(bootstrap: str, n: int) -> None:
    producer = new_producer(bootstrap, client_id="bench-publisher")
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for i, event in enumerate(events(n), start=1):
            envelope = Envelope.wrap(event)
            pending.append(
                await producer.send(
                    event.topic(),
                    value=envelope.value(),
                    key=envelope.key,
                    headers=envelope.headers(),
                )
            )
            if i % 50_000 == 0:
                await asyncio.gather(*pending)
                pending.clear()
                print(f"  published {i:,} of {n:,} ({i / (time.perf_counter() - started):,.0f}/s)")
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def time_bare_read(bootstrap: str, topics: list[str], n: int) -> float:
    reader = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=500,
    )
    await reader.start()
    try:
        started = time.perf_counter()
        read = 0
        while read < n:
            batches = await reader.getmany(timeout_ms=500)
            read += sum(len(messages) for messages in batches.values())
            if batches:
                await reader.commit()
        return time.perf_counter() - started
    finally:
        await reader.stop()


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the rebuild's helpers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def time_rebuild(bootstrap: str, url: str) -> tuple[float, int]:
    settings = service.settings(database_url=url, kafka_bootstrap_servers=bootstrap)
    db = Database(url)
    generations = Generations(db, service.generations)  # type: ignore[arg-type]
    last = [0.0]

    def progress(generation: object) -> None:
        if time.perf_counter() - last[0] >= 5:
            last[0] = time.perf_counter()
            print(f"  {describe(generation)}", flush=True)  # type: ignore[arg-type]

    try:
        await service.migrate(db)
        rebuild = service.rebuild(settings, generations, progress=progress)
        started, cpu, helped = time.perf_counter(), time.process_time(), _children_cpu()
        live = await rebuild.run("bench")
        elapsed = time.perf_counter() - started
        print(
            f"  the rebuild took {elapsed:.1f} s: {time.process_time() - cpu:.1f} s of CPU in "
            f"its process, {_children_cpu() - helped:.1f} s in {settings.rebuild_workers - 1} "
            "helper(s)"
        )
        return elapsed, live.events_done
    finally:
        await generations.dispose()
        await db.dispose()


async def measure(broker: KafkaBroker, pg: PostgresServer, n: int) -> None:
    topics = service.consumed_topics()
    await ensure_topics(broker.bootstrap, topics)
    print(f"publishing {n:,} events across {len(topics)} topics", flush=True)
    await publish(broker.bootstrap, n)
    settle()  # the interpreter as `ccn rebuild` and `ccn serve` set it up, for both reads
    print("a bare aiokafka consumer reads them", flush=True)
    bare_s = await time_bare_read(broker.bootstrap, topics, n)
    print("the reporting service rebuilds its projections from them", flush=True)
    rebuild_s, reads = await time_rebuild(broker.bootstrap, pg.url(pg.create_database()))

    bare_rate, rebuild_rate = n / bare_s, n / rebuild_s
    print()
    print(f"events                        {n:>12,}   ({reads:,} reads over its consumer groups)")
    print(f"bare aiokafka consumer        {bare_rate:>12,.0f} events/s   ({bare_s:.2f} s)")
    print(f"live rebuild, to the swap     {rebuild_rate:>12,.0f} events/s   ({rebuild_s:.2f} s)")
    print(f"rebuild / bare                {rebuild_rate / bare_rate:>12.2f}")


def main(n: int) -> None:
    with throwaway_servers("bench") as (broker, pg):
        asyncio.run(measure(broker, pg, n))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    main(args.events)
