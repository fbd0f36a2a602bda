"""All four services on PostgreSQL under a steady load of writes while each is SIGKILLed, the
reporting service is killed between its database commit and its offset commit, Kafka fails (a
single broker stopped and SIGKILLed; in a 3-broker cluster, one broker SIGKILLed and later
another stopped, while writes go on), PostgreSQL restarts and a poison event arrives; a real
Prometheus scrapes them all the while. Afterwards every topic holds each event once, in order
per key, and every projection (the registry's relocation list, the reporting service's reports)
equals what the acknowledged writes imply; the alerts fired and resolved. The run prints its
figures."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from services.reporting.app import service as reporting_service
from shared.events.registry import ClusterInfrastructureUpdated
from shared.generations import BASE
from shared.localinfra import KafkaBroker, KafkaCluster, PostgresServer
from shared.settings import Settings
from tests.faults.harness import (
    Placements,
    Prometheus,
    Served,
    data_of,
    header,
    is_event,
    kill_between_commits,
    out_of_order_keys,
    read_topics,
    repeated_ids,
    say,
)
from tests.faults.load import (
    APPROVED_VND,
    SERVICES,
    SON_LA,
    Load,
    client_of,
    platform,
    registered,
)
from tests.kafka_tools import produce_raw, unread, wait_until

KAFKA_AWAY = {"OutboxRelayStalled", "OutboxStuck"}
EXPECTED_ALERTS = {"ServiceDown", "DeadLetters"}
"""Alerts the faults raise; with a single broker, Kafka away raises KAFKA_AWAY too."""


@pytest.mark.slow
@pytest.mark.parametrize("brokers", [1, 3], ids=["one-broker", "three-brokers"])
async def test_every_write_has_one_effect_everywhere_through_faults_and_alerts_say_so(
    tmp_path: Path, brokers: int
) -> None:
    with platform(tmp_path, brokers=brokers) as (kafka, pg, services):
        await asyncio.gather(*(asyncio.to_thread(s.start) for s in services.values()))
        targets = [f"127.0.0.1:{s.port}" for s in services.values()]
        prometheus = Prometheus(tmp_path / "prometheus", targets)
        prometheus.start()
        began = time.time()
        try:
            await _through_faults(kafka, pg, services, prometheus, began)
        finally:
            prometheus.stop()


async def _through_faults(
    kafka: KafkaBroker | KafkaCluster,
    pg: PostgresServer,
    services: dict[str, Served],
    prometheus: Prometheus,
    began: float,
) -> None:
    clients = {name: client_of(served) for name, served in services.items()}
    placements = Placements(kafka.bootstrap, reporting_service.consumed_topics())
    following = asyncio.Event()
    follower = asyncio.create_task(placements.follow(following))
    try:
        load = Load(
            clients["registry"],
            clients["environment"],
            clients["promotion"],
            *await registered(clients, kafka.bootstrap, clusters=6, facilities=8),
        )
        started = time.monotonic()
        writing = asyncio.create_task(load.run())
        figures = await _faults(kafka, pg, services, placements, started)
        load.stopping.set()
        await writing
        say(started, "load stopped; waiting for every outbox and consumer to catch up")
        await _caught_up(kafka.bootstrap, clients, services)
        say(started, "caught up")
        await _check_topics(kafka.bootstrap, load, figures)
        await _check_projections(clients, load)
        await _check_alerts(
            prometheus,
            began,
            EXPECTED_ALERTS | (KAFKA_AWAY if isinstance(kafka, KafkaBroker) else set()),
        )
        _print_figures(load, figures)
        assert "500" not in load.outcomes.attempts, "a 500 is a bug: see the services' logs"
    finally:
        following.set()
        await follower
        for client in clients.values():
            await client.aclose()


@dataclass
class Figures:
    tries_to_catch: int = 0
    applied_not_committed: int = 0
    catching_up_s: float = 0.0
    """From the reporting service's restart until it was reading the latest events again."""
    brokers_away: list[tuple[float, float]] = field(default_factory=list)
    """When a broker of a cluster was away (Unix times)."""


async def _faults(
    kafka: KafkaBroker | KafkaCluster,
    pg: PostgresServer,
    services: dict[str, Served],
    placements: Placements,
    started: float,
) -> Figures:
    """Each fault in turn, with the load running through it."""
    figures = Figures()
    groups = [BASE.group(f"reporting.{p.name}") for p in reporting_service.projections]
    reporting = services["reporting"]
    await asyncio.sleep(5)
    for name in ("registry", "promotion"):
        say(started, f"SIGKILL {name}, start it again")
        services[name].kill()
        await asyncio.to_thread(services[name].start)
        await asyncio.sleep(3)
    say(started, "SIGKILL environment, 8 s down")
    services["environment"].kill()
    await asyncio.sleep(8)
    await asyncio.to_thread(services["environment"].start)
    await asyncio.sleep(3)
    say(started, "kill reporting between its database commit and its offset commit")
    figures.tries_to_catch, figures.applied_not_committed = await kill_between_commits(
        reporting, reporting.env["CCN_DATABASE_URL"], groups, placements
    )
    await asyncio.to_thread(reporting.start)
    await asyncio.sleep(3)
    say(started, "a poison record on the registry's cluster topic")
    await produce_raw(
        kafka.bootstrap, ClusterInfrastructureUpdated.topic(), (b"poison", b"{not json", [])
    )
    if isinstance(kafka, KafkaBroker):
        await _broker_faults(kafka, started)
    else:
        figures.brokers_away = await _cluster_faults(kafka, started)
    say(started, "restart PostgreSQL")
    await asyncio.to_thread(pg.restart)
    await asyncio.sleep(5)
    say(started, "SIGKILL reporting once more")
    reporting.kill()
    await asyncio.to_thread(reporting.start)
    restarted = time.monotonic()

    async def reading() -> bool:
        return await unread(kafka.bootstrap, reporting_service) < 20

    assert await wait_until(reading, timeout_s=60), "reporting never caught up after a restart"
    figures.catching_up_s = time.monotonic() - restarted
    await asyncio.sleep(5)
    return figures


async def _broker_faults(broker: KafkaBroker, started: float) -> None:
    say(started, "stop the broker cleanly for 15 s")
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(15)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)
    say(started, "SIGKILL the broker, start it again")
    await asyncio.to_thread(broker.kill)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)


async def _cluster_faults(cluster: KafkaCluster, started: float) -> list[tuple[float, float]]:
    """One broker away at a time, the other two holding every partition's quorum of replicas:
    when each was away (Unix times)."""
    first, second = cluster.members[0], cluster.members[1]
    say(started, "SIGKILL one broker of three for 15 s")
    away = time.time()
    await asyncio.to_thread(first.kill)
    await asyncio.sleep(15)
    windows = [(away, time.time())]
    await asyncio.to_thread(first.start)
    await asyncio.sleep(10)
    say(started, "stop another broker cleanly for 15 s")
    away = time.time()
    await asyncio.to_thread(second.stop)
    await asyncio.sleep(15)
    windows.append((away, time.time()))
    await asyncio.to_thread(second.start)
    await asyncio.sleep(5)
    return windows


async def _caught_up(
    bootstrap: str, clients: dict[str, httpx.AsyncClient], services: dict[str, Served]
) -> None:
    async def drained() -> bool:
        for served in services.values():
            metrics = (await clients[served.name].get(f"{served.url}/metrics")).text
            backlog = [m for m in metrics.splitlines() if m.startswith("ccn_outbox_backlog{")]
            if not all(line.endswith(" 0.0") for line in backlog):
                return False
        for spec in SERVICES:
            if spec.projections and await unread(bootstrap, spec) > 0:
                return False
        return True

    assert await wait_until(drained, timeout_s=180, every_s=1), "the platform never caught up"


async def _check_topics(bootstrap: str, load: Load, figures: Figures) -> None:
    topics = sorted({t for spec in SERVICES for t in spec.published_topics()})
    read = await read_topics(bootstrap, topics)
    published = {topic: list(filter(is_event, records)) for topic, records in read.items()}
    foreign = [r.key for records in read.values() for r in records if not is_event(r)]
    assert foreign == [b"poison"], f"records no service sent: {foreign}"
    for topic, records in published.items():
        assert not repeated_ids(records), f"{topic}: events published twice"
        assert not out_of_order_keys(records), f"{topic}: events out of order"
    reports = ClusterInfrastructureUpdated.type_name()
    seen: dict[str, list[str]] = {}
    for record in published[ClusterInfrastructureUpdated.topic()]:
        if header(record, "ce_type") == reports:
            data = data_of(record)
            seen.setdefault(data["cluster_id"], []).append(data["note"])
    for cluster, notes in load.reports.items():
        assert seen.get(cluster) == notes, (
            f"cluster {cluster}: its reports were lost, repeated or reordered"
        )
    print(f"\n  events in the topics: {sum(len(r) for r in published.values()):,}", flush=True)
    for began, ended in figures.brokers_away:
        sent = [
            r
            for records in published.values()
            for r in records
            if began * 1000 <= r.timestamp <= ended * 1000
        ]
        print(f"  published while a broker was away for {ended - began:.0f} s: {len(sent)}")
        assert sent, "nothing was published while one broker of three was away"


async def _check_projections(clients: dict[str, httpx.AsyncClient], load: Load) -> None:
    """The registry's relocation list and the reporting service's province reports equal what
    the acknowledged writes imply: each inspection, violation and approval counted once."""
    listed = (
        await clients["registry"].get("/relocation-candidates", params={"province_code": SON_LA})
    ).json()
    repeat = Settings().pollution_repeat_inspections
    polluting = {f for f, n in Counter(load.inspected).items() if n >= repeat}
    assert polluting and load.approved, "the load made too few writes to check anything"
    assert {c["facility_id"] for c in listed} == polluting
    reports = clients["reporting"]
    environment = (await reports.get(f"/reports/provinces/{SON_LA}?period=2024")).json()
    assert environment["inspections"]["carried_out"] == len(load.inspected)
    assert environment["inspections"]["violations_found"] == len(load.inspected)
    assert environment["relocations"]["still_needed"] == len(polluting)
    khuyen_cong = (await reports.get(f"/reports/provinces/{SON_LA}?period=2019")).json()
    assert khuyen_cong["khuyen_cong"]["projects_approved"] == len(load.approved)
    assert khuyen_cong["khuyen_cong"]["total"]["approved_vnd"] == APPROVED_VND * len(load.approved)


async def _check_alerts(prometheus: Prometheus, began: float, expected: set[str]) -> None:
    """The alerts the faults should raise were raised, and resolve once the platform is well."""
    fired = await prometheus.fired_since(began)
    print(f"  alerts fired: {', '.join(sorted(fired))}", flush=True)
    assert fired >= expected, f"never fired: {sorted(expected - fired)}"
    still = await prometheus.until_resolved(expected)
    assert not still, f"still firing with the platform well: {sorted(still)}"


def _print_figures(load: Load, figures: Figures) -> None:
    attempts = dict(sorted(load.outcomes.attempts.items()))
    print(
        f"  acknowledged: {sum(len(n) for n in load.reports.values()):,} infrastructure reports,"
        f" {len(load.inspected):,} inspections with a violation, {len(load.approved):,}"
        f" approved projects; attempts by answer {attempts}\n"
        f"  reporting killed between its commits after {figures.tries_to_catch} looks, with"
        f" {figures.applied_not_committed} applied events not yet committed; after its last"
        f" restart it read the latest events again within {figures.catching_up_s:.1f} s",
        flush=True,
    )
