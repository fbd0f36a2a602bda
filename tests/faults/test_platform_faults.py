"""All four services on PostgreSQL under a steady load of writes while each is SIGKILLed, the
reporting service is killed between its database commit and its offset commit, the broker is
stopped and SIGKILLed, PostgreSQL restarts and a poison event arrives; a real Prometheus scrapes
them all the while. Afterwards every topic holds each event once, in order per key, and every
projection (the registry's relocation list, the reporting service's reports) equals what the
acknowledged writes imply; the alerts fired and resolved. The run prints its figures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.environment.app import service as environment_service
from services.promotion.app import service as promotion_service
from services.registry.app import service as registry_service
from services.reporting.app import service as reporting_service
from shared.auth import mint_token
from shared.events.registry import ClusterInfrastructureUpdated
from shared.generations import BASE
from shared.localinfra import KafkaBroker, PostgresServer, clean_up, free_port, throwaway_dir
from tests.faults.harness import (
    Outcomes,
    Placements,
    Prometheus,
    Served,
    data_of,
    environ,
    header,
    is_event,
    kill_between_commits,
    out_of_order_keys,
    read_topics,
    repeated_ids,
    say,
    settled,
)
from tests.kafka_tools import produce_raw, unread, wait_until

SECRET = "faults-secret-0123456789abcdef0123456789"
SON_LA = "14"
CLUSTERS, FACILITIES = 6, 8
APPROVED_VND = 250_000_000
SERVICES = (registry_service, environment_service, promotion_service, reporting_service)
EXPECTED_ALERTS = {"ServiceDown", "OutboxRelayStalled", "OutboxStuck", "DeadLetters"}


@contextmanager
def platform(run: Path) -> Iterator[tuple[KafkaBroker, PostgresServer, dict[str, Served]]]:
    """A broker and a PostgreSQL server of the test's own, and the four services on them."""
    root = throwaway_dir("faults")
    broker = KafkaBroker(data_dir=root / "kafka", port=free_port(), controller_port=free_port())
    pg = PostgresServer(data_dir=root / "pg", port=free_port())
    services: dict[str, Served] = {}
    try:
        broker.start()
        pg.start()
        for spec in SERVICES:
            env = environ(
                CCN_DATABASE_URL=pg.url(pg.create_database()),
                CCN_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
                CCN_JWT_SECRET=SECRET,
                CCN_LOG_LEVEL="WARNING",
                CCN_OUTBOX_POLL_INTERVAL_S="0.1",
            )
            services[spec.name] = Served(spec.name, env, run / f"{spec.name}.log")
        yield broker, pg, services
    finally:
        for served in services.values():
            served.stop()
        clean_up(root)


@dataclass
class Load:
    """Writes to three services at once, each retried with its Idempotency-Key until its outcome
    is known: infrastructure reports on clusters, inspections that find a violation, and
    khuyến công projects taken to approval. What each acknowledged is remembered."""

    registry: httpx.AsyncClient
    environment: httpx.AsyncClient
    promotion: httpx.AsyncClient
    clusters: dict[str, int]
    facilities: list[str]
    outcomes: Outcomes = field(default_factory=Outcomes)
    reports: dict[str, list[str]] = field(default_factory=dict)
    inspected: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        await asyncio.gather(
            self._paced(self._report, 15),
            self._paced(self._inspect, 1.5),
            self._paced(self._project, 1.5),
        )

    async def _paced(self, write: Callable[[int], Any], per_s: float) -> None:
        n = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            await write(n)
            n += 1
            await asyncio.sleep(max(0.0, 1 / per_s - (time.monotonic() - started)))

    async def _report(self, n: int) -> None:
        cluster = list(self.clusters)[n % len(self.clusters)]
        note = f"write {n}"
        body = {
            "treatment_plant": "none",
            "solid_waste_collection": "partial",
            "fire_safety": "partial",
            "reported_on": "2025-06-01",
            "note": note,
            "version": self.clusters[cluster],
        }
        done = await settled(
            self.registry, f"/clusters/{cluster}/infrastructure", body, self.outcomes
        )
        self.clusters[cluster] = done["version"]
        self.reports.setdefault(cluster, []).append(note)

    async def _inspect(self, n: int) -> None:
        facility = self.facilities[n % len(self.facilities)]
        scheduled = {
            "facility_id": facility,
            "scheduled_on": "2024-05-06",
            "kind": "complaint",
            "team": "Đoàn kiểm tra",
        }
        inspection = await settled(self.environment, "/inspections", scheduled, self.outcomes)
        path = f"/inspections/{inspection['id']}"
        sample = {
            "parameter": "cod",
            "value": "400",
            "unit": "mg/L",
            "sampled_on": "2024-05-06",
            "discharge_point": "Cống xả số 1",
            "column": "B",
            "kq": "0.9",
            "kf": "1.1",
        }
        measured = await settled(
            self.environment, f"{path}/measurements", {"samples": [sample]}, self.outcomes
        )
        completion = {"carried_out_on": "2024-05-06", "version": measured["version"]}
        done = await settled(self.environment, f"{path}/completion", completion, self.outcomes)
        assert done["outcome"] == "violations_found", done
        self.inspected.append(facility)

    async def _project(self, n: int) -> None:
        facility = self.facilities[n % len(self.facilities)]
        body = {
            "name": f"Hỗ trợ máy móc số {n}",
            "province_code": SON_LA,
            "commune_code": "03646",
            "funding_source": "local",
            "content_group": "demonstration_and_technology_transfer",
            "beneficiary_facility_id": facility,
            "total_cost_vnd": 900_000_000,
            "requested_support_vnd": 300_000_000,
            "counterpart_vnd": 600_000_000,
            "start_date": "2019-03-01",
            "end_date": "2019-11-30",
            "planned_outputs": {"facilities_given_machinery": 1},
        }
        project = await settled(self.promotion, "/projects", body, self.outcomes)
        path = f"/projects/{project['id']}"
        appraisal = {"result": "passed", "appraised_on": "2019-03-10"}
        project = await settled(
            self.promotion,
            f"{path}/appraisal",
            {**appraisal, "version": project["version"]},
            self.outcomes,
        )
        approval = {
            "decision_number": f"{n}/QĐ-SCT",
            "decision_date": "2019-03-20",
            "approved_support_vnd": APPROVED_VND,
            "version": project["version"],
        }
        await settled(self.promotion, f"{path}/approval", approval, self.outcomes)
        self.approved.append(project["id"])


def _client(served: Served) -> httpx.AsyncClient:
    token = mint_token(
        SECRET,
        subject="faults",
        agency={"environment": "so-tnmt"}.get(served.name, "so-cong-thuong"),
        roles=["officer", "approver"],
        province=SON_LA,
    )
    return httpx.AsyncClient(
        base_url=f"{served.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.slow
async def test_every_write_has_one_effect_everywhere_through_faults_and_alerts_say_so(
    tmp_path: Path,
) -> None:
    with platform(tmp_path) as (broker, pg, services):
        await asyncio.gather(*(asyncio.to_thread(s.start) for s in services.values()))
        targets = [f"127.0.0.1:{s.port}" for s in services.values()]
        prometheus = Prometheus(tmp_path / "prometheus", targets)
        prometheus.start()
        began = time.time()
        try:
            await _through_faults(broker, pg, services, prometheus, began)
        finally:
            prometheus.stop()


async def _through_faults(
    broker: KafkaBroker,
    pg: PostgresServer,
    services: dict[str, Served],
    prometheus: Prometheus,
    began: float,
) -> None:
    clients = {name: _client(served) for name, served in services.items()}
    placements = Placements(broker.bootstrap, reporting_service.consumed_topics())
    following = asyncio.Event()
    follower = asyncio.create_task(placements.follow(following))
    try:
        load = Load(
            clients["registry"],
            clients["environment"],
            clients["promotion"],
            *await _registered(clients, broker.bootstrap),
        )
        started = time.monotonic()
        writing = asyncio.create_task(load.run())
        figures = await _faults(broker, pg, services, placements, started)
        load.stopping.set()
        await writing
        say(started, "load stopped; waiting for every outbox and consumer to catch up")
        await _caught_up(broker.bootstrap, clients, services)
        say(started, "caught up")
        await _check_topics(broker.bootstrap, load)
        await _check_projections(clients, load)
        await _check_alerts(prometheus, began)
        _print_figures(load, figures)
        assert "500" not in load.outcomes.attempts, "a 500 is a bug: see the services' logs"
    finally:
        following.set()
        await follower
        for client in clients.values():
            await client.aclose()


async def _registered(
    clients: dict[str, httpx.AsyncClient], bootstrap: str
) -> tuple[dict[str, int], list[str]]:
    """Clusters and facilities in the registry, once the environment and khuyến công services
    know the facilities: each cluster's version, and the facilities' ids."""
    registry, outcomes = clients["registry"], Outcomes()
    clusters = {}
    for n in range(CLUSTERS):
        planned = {
            "name": f"Cụm công nghiệp thử {n}",
            "province_code": SON_LA,
            "planned_area_ha": "10",
        }
        cluster = await settled(registry, "/clusters", planned, outcomes)
        clusters[cluster["id"]] = cluster["version"]
    enterprise = await settled(
        registry,
        "/enterprises",
        {
            "name": "Hộ kinh doanh Lò Văn Minh",
            "tax_code": "0100910041",
            "kind": "household",
            "province_code": SON_LA,
        },
        outcomes,
    )
    facilities = []
    for n in range(FACILITIES):
        body = {
            "enterprise_id": enterprise["id"],
            "name": f"Cơ sở mạ số {n}",
            "province_code": SON_LA,
            "commune_code": "03670",
            "address": "Bản Hẹo",
            "sector": "mạ kim loại",
            "workers": 6,
            "annual_output_vnd": 800_000_000,
        }
        facilities.append((await settled(registry, "/facilities", body, outcomes))["id"])

    async def known() -> bool:
        return (await clients["environment"].get(f"/facilities/{facilities[-1]}")).is_success

    assert await wait_until(known, timeout_s=60), "the facilities never reached environment"

    async def read() -> bool:
        return await unread(bootstrap, promotion_service) == 0

    assert await wait_until(read, timeout_s=60), "the facilities never reached promotion"
    return clusters, facilities


@dataclass
class Figures:
    tries_to_catch: int = 0
    applied_not_committed: int = 0


async def _faults(
    broker: KafkaBroker,
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
        broker.bootstrap, ClusterInfrastructureUpdated.topic(), (b"poison", b"{not json", [])
    )
    say(started, "stop the broker cleanly for 15 s")
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(15)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)
    say(started, "SIGKILL the broker, start it again")
    await asyncio.to_thread(broker.kill)
    await asyncio.to_thread(broker.start)
    await asyncio.sleep(5)
    say(started, "restart PostgreSQL")
    await asyncio.to_thread(pg.restart)
    await asyncio.sleep(5)
    say(started, "SIGKILL reporting once more")
    reporting.kill()
    await asyncio.to_thread(reporting.start)
    await asyncio.sleep(5)
    return figures


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


async def _check_topics(bootstrap: str, load: Load) -> None:
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


async def _check_projections(clients: dict[str, httpx.AsyncClient], load: Load) -> None:
    """The registry's relocation list and the reporting service's province reports equal what
    the acknowledged writes imply: each inspection, violation and approval counted once."""
    listed = (
        await clients["registry"].get("/relocation-candidates", params={"province_code": SON_LA})
    ).json()
    assert {c["facility_id"] for c in listed} == set(load.inspected)
    reports = clients["reporting"]
    environment = (await reports.get(f"/reports/provinces/{SON_LA}?period=2024")).json()
    assert environment["inspections"]["carried_out"] == len(load.inspected)
    assert environment["inspections"]["violations_found"] == len(load.inspected)
    assert environment["relocations"]["still_needed"] == len(set(load.inspected))
    khuyen_cong = (await reports.get(f"/reports/provinces/{SON_LA}?period=2019")).json()
    assert khuyen_cong["khuyen_cong"]["projects_approved"] == len(load.approved)
    assert khuyen_cong["khuyen_cong"]["total"]["approved_vnd"] == APPROVED_VND * len(load.approved)


async def _check_alerts(prometheus: Prometheus, began: float) -> None:
    """The alerts the faults should raise were raised, and resolve once the platform is well."""
    fired = await prometheus.fired_since(began)
    print(f"  alerts fired: {', '.join(sorted(fired))}", flush=True)
    assert fired >= EXPECTED_ALERTS, f"never fired: {sorted(EXPECTED_ALERTS - fired)}"
    still = await prometheus.until_resolved(EXPECTED_ALERTS)
    assert not still, f"still firing with the platform well: {sorted(still)}"


def _print_figures(load: Load, figures: Figures) -> None:
    attempts = dict(sorted(load.outcomes.attempts.items()))
    print(
        f"  acknowledged: {sum(len(n) for n in load.reports.values()):,} infrastructure reports,"
        f" {len(load.inspected):,} inspections with a violation, {len(load.approved):,}"
        f" approved projects; attempts by answer {attempts}\n"
        f"  reporting killed between its commits after {figures.tries_to_catch} looks, with"
        f" {figures.applied_not_committed} applied events not yet committed",
        flush=True,
    )
