"""The four services on a broker and a PostgreSQL server of their own, and a steady load of
writes through them that remembers what was acknowledged: for the fault suite and the soak."""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.environment.app import service as environment_service
from services.promotion.app import service as promotion_service
from services.registry.app import service as registry_service
from services.reporting.app import service as reporting_service
from shared.auth import mint_token
from shared.localinfra import KafkaBroker, KafkaCluster, PostgresServer, free_port
from shared.throwaway import clean_up, throwaway_dir
from tests.environment.factory import sample
from tests.faults.harness import Outcomes, Served, environ, settled
from tests.kafka_tools import unread, wait_until
from tests.promotion.factory import project_body

SECRET = "faults-secret-0123456789abcdef0123456789"
SON_LA = "14"
APPROVED_VND = 250_000_000
SERVICES = (registry_service, environment_service, promotion_service, reporting_service)
# A lane's pace; an inspection and a project are three writes each.
REPORTS_PER_S, INSPECTIONS_PER_S, PROJECTS_PER_S = 15, 1.5, 1.5
WRITES_PER_LANE_S = REPORTS_PER_S + 3 * INSPECTIONS_PER_S + 3 * PROJECTS_PER_S
CATCH_UP_S = 1.0
"""How far behind its turns a lane catches up in a burst."""


@contextmanager
def platform(
    run: Path, purpose: str = "faults", *, brokers: int = 1
) -> Iterator[tuple[KafkaBroker | KafkaCluster, PostgresServer, dict[str, Served]]]:
    """A broker (or a cluster of `brokers`) and a PostgreSQL server of their own, and the four
    services on them (not yet started); their logs in `run`."""
    root = throwaway_dir(purpose)
    kafka: KafkaBroker | KafkaCluster = (
        KafkaBroker(data_dir=root / "kafka", port=free_port(), controller_port=free_port())
        if brokers == 1
        else KafkaCluster.on_free_ports(root / "kafka-cluster", brokers)
    )
    pg = PostgresServer(data_dir=root / "pg", port=free_port())
    services: dict[str, Served] = {}
    try:
        kafka.start()
        pg.start()
        for spec in SERVICES:
            env = environ(
                CCN_DATABASE_URL=pg.url(pg.create_database()),
                CCN_KAFKA_BOOTSTRAP_SERVERS=kafka.bootstrap,
                CCN_JWT_SECRET=SECRET,
                CCN_LOG_LEVEL="WARNING",
                CCN_OUTBOX_POLL_INTERVAL_S="0.1",
                CCN_INSTANCE_ID=f"{spec.name}-1",
            )
            services[spec.name] = Served(spec.name, env, run / f"{spec.name}.log")
        yield kafka, pg, services
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

    numbers: Iterator[int] = field(default_factory=itertools.count)

    async def run(self, lanes: int = 1, pace: float = 1.0) -> None:
        """Write at `lanes` × WRITES_PER_LANE_S × `pace`, each lane with clusters of its own."""
        clusters = list(self.clusters)
        await asyncio.gather(
            *(
                write
                for lane in range(lanes)
                for write in (
                    self._paced(
                        functools.partial(self._report, clusters[lane::lanes]),
                        REPORTS_PER_S * pace,
                    ),
                    self._paced(self._inspect, INSPECTIONS_PER_S * pace),
                    self._paced(self._project, PROJECTS_PER_S * pace),
                )
            )
        )

    async def _paced(self, write: Callable[[int], Awaitable[None]], per_s: float) -> None:
        """`write` `per_s` times a second, each when its turn is due: after a late answer the
        next goes at once, so one slow write does not lower the rate. A lane is never more
        than CATCH_UP_S behind: after a longer stall (a service down) it makes up a second's
        turns in a burst, not the whole stall's."""
        due = time.monotonic()
        while not self.stopping.is_set():
            await write(next(self.numbers))
            due = max(due + 1 / per_s, time.monotonic() - CATCH_UP_S)
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def _report(self, clusters: list[str], n: int) -> None:
        cluster = clusters[n % len(clusters)]
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
        measured = await settled(
            self.environment,
            f"{path}/measurements",
            # 1.35× COD's limit: a violation, below the serious ratio (2×), so a facility is
            # polluting from its second such inspection on, as the fault suite's check counts.
            {"samples": [sample("cod", "200")]},
            self.outcomes,
        )
        completion = {"carried_out_on": "2024-05-06", "version": measured["version"]}
        done = await settled(self.environment, f"{path}/completion", completion, self.outcomes)
        assert done["outcome"] == "violations_found", done
        self.inspected.append(facility)

    async def _project(self, n: int) -> None:
        facility = self.facilities[n % len(self.facilities)]
        body = project_body(facility, name=f"Hỗ trợ máy móc số {n}")
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


def client_of(served: Served) -> httpx.AsyncClient:
    """A client of the service's `/api/v1` as an officer and approver in Sơn La."""
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


async def registered(
    clients: dict[str, httpx.AsyncClient], bootstrap: str, *, clusters: int, facilities: int
) -> tuple[dict[str, int], list[str]]:
    """Clusters and facilities in the registry, once the environment and khuyến công services
    know the facilities: each cluster's version, and the facilities' ids."""
    registry, outcomes = clients["registry"], Outcomes()
    versions = {}
    for n in range(clusters):
        planned = {
            "name": f"Cụm công nghiệp thử {n}",
            "province_code": SON_LA,
            "planned_area_ha": "10",
        }
        cluster = await settled(registry, "/clusters", planned, outcomes)
        versions[cluster["id"]] = cluster["version"]
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
    ids = []
    for n in range(facilities):
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
        ids.append((await settled(registry, "/facilities", body, outcomes))["id"])

    async def known() -> bool:
        return (await clients["environment"].get(f"/facilities/{ids[-1]}")).is_success

    assert await wait_until(known, timeout_s=60), "the facilities never reached environment"

    async def read() -> bool:
        return await unread(bootstrap, promotion_service) == 0

    assert await wait_until(read, timeout_s=60), "the facilities never reached promotion"
    return versions, ids
