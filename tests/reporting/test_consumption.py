"""The reporting consumers against hostile and future input through the real broker: a poison
message and a revision the service cannot read yet are parked, never dropped, and every
other cluster's events flow on."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from services.reporting import tables
from shared.events import Envelope
from shared.events import registry as ev
from shared.generations import Generations
from tests.kafka_tools import produce_raw, wait_until
from tests.reporting.factory import Reporting
from tests.reporting.test_cluster_reports import _cluster, _lifecycle

BAC_NINH = "27"
"""Only this file publishes clusters of Bắc Ninh."""


async def test_poison_and_unknown_revisions_are_parked_while_the_rest_flows(
    reporting: Reporting,
) -> None:
    poisoned, future, fine = (_cluster(BAC_NINH, n) for n in ("Quế Võ", "Yên Phong", "Từ Sơn"))
    topic = ev.ClusterPlanned.topic()
    garbage = (poisoned["cluster_id"].encode(), b"\xff not json", [("ce_type", b"?")])
    written = Envelope.wrap(_lifecycle(future)[0])
    planned_v9 = replace(written, type=written.type.replace(".v1", ".v9"))
    await produce_raw(
        reporting.bootstrap,
        topic,
        garbage,
        (planned_v9.key, planned_v9.value(), planned_v9.headers()),
    )
    await reporting.publish(*_lifecycle(poisoned)[1:], *_lifecycle(future)[1:], *_lifecycle(fine))
    admin = reporting.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    report = await reporting.report_once(
        f"/reports/clusters?province_code={BAC_NINH}",
        lambda r: r["totals"]["clusters"] == 1 and r["clusters"][0]["status"] == "operating",
        admin,
    )
    assert [c["name"] for c in report["clusters"]] == ["Từ Sơn"]

    generations: Generations = reporting.app.state.rebuilds.generations
    live = generations.database(await generations.live())
    dead = tables.platform.dead_letters
    keys = {poisoned["cluster_id"], future["cluster_id"]}
    rows: list[Any] = []

    async def all_parked() -> bool:
        async with live.sessions() as session:
            rows[:] = (
                await session.execute(
                    select(dead.c.key, dead.c.status, dead.c.reason)
                    .where(dead.c.key.in_(keys), dead.c.consumer == "reporting.reporting-registry")
                    .order_by(dead.c.seq)
                )
            ).all()
        return len(rows) == 2 * len(_lifecycle(future))

    # Every later event of both clusters waits behind them, in order: none is lost.
    assert await wait_until(all_parked), rows
    assert [(r.status, r.reason) for r in rows if r.key == future["cluster_id"]] == [
        ("parked", "unknown-revision"),
        *[("parked", "parked")] * (len(_lifecycle(future)) - 1),
    ]
    assert [(r.status, r.reason) for r in rows if r.key == poisoned["cluster_id"]] == [
        ("dead", "undecodable"),
        *[("parked", "parked")] * (len(_lifecycle(poisoned)) - 1),
    ]
