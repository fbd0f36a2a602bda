"""Live rebuild through the admin API and the real broker: a rebuilt generation holds exactly
what the incremental one does, events arriving during the rebuild are not lost, and a rebuild
that stops leaves the live generation serving."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy import select, text

from services.reporting import tables
from services.reporting.app import service
from shared.db import Database
from shared.generations import Generation, Generations
from shared.kafka import topic_offsets
from shared.rebuild_workers import HelperFailed, Helpers, split
from shared.service import HELPER_COMMAND
from tests.apis import problem
from tests.kafka_tools import committed_offsets, unread, wait_until
from tests.reporting.factory import Reporting
from tests.reporting.test_cluster_reports import _cluster, _lifecycle, _tenant

HAI_DUONG = "30"
"""Only this file publishes clusters of Hải Dương."""
UNKEPT = {"outbox", "inbox", "dead_letters", "idempotency_keys", "generations"}
"""The platform's tables: how a generation got its rows, not what the projections hold."""
ARRIVAL = {"seq", "recorded_at"}
"""Columns that say when a row was written, not what it says."""


def _admin(reporting: Reporting) -> dict[str, str]:
    return reporting.auth(agency="bo-cong-thuong", province=None, roles=("admin",))


async def _rebuilt(reporting: Reporting, publish_meanwhile: Sequence[Any] = ()) -> dict[str, Any]:
    """Start a rebuild, publish `publish_meanwhile` while it runs, and wait for its swap."""
    started = await reporting.client.post("/api/v1/admin/rebuilds", headers=_admin(reporting))
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    assert started.json()["state"] == "building"
    if publish_meanwhile:
        await reporting.publish(*publish_meanwhile)
    seen: dict[str, Any] = {}

    async def swapped() -> bool:
        seen.update((await reporting.client.get(location, headers=_admin(reporting))).json())
        assert seen["state"] in ("building", "live"), seen
        return bool(seen["state"] == "live")

    assert await wait_until(swapped, timeout_s=300), seen
    assert seen["events_done"] == seen["events_total"] > 0
    return seen


async def _caught_up(bootstrap: str, generation: Generation) -> bool:
    """Whether every consumer group of `generation` has committed every partition's end."""
    return await unread(bootstrap, service, generation) == 0


async def _contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows, without the columns that record their arrival."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    async with db.sessions() as session:
        for table in tables.metadata.sorted_tables:
            if table.name in UNKEPT:
                continue
            columns = [c for c in table.columns if c.name not in ARRIVAL]
            rows = (await session.execute(select(*columns))).all()
            contents[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return contents


async def test_a_rebuilt_generation_equals_the_incremental_one_with_writes_during_it(
    reporting: Reporting,
) -> None:
    before, after = _cluster(HAI_DUONG, "Cụm công nghiệp Lai Cách"), _cluster(HAI_DUONG)
    middle = _cluster(HAI_DUONG, "Cụm công nghiệp Phúc Điền")
    tenants, _ = _tenant(before, "household", 12, "2", "2020-04-01")
    await reporting.publish(*_lifecycle(before), *tenants)
    generations: Generations = reporting.app.state.rebuilds.generations
    # Every event applied, not only the tenancy that the report shows last.
    serving = await generations.live()
    assert await wait_until(lambda: _caught_up(reporting.bootstrap, serving), timeout_s=120)
    path = f"/reports/clusters?province_code={HAI_DUONG}"
    served = await reporting.report_once(
        path, lambda r: r["totals"]["tenants"] == 1, _admin(reporting)
    )
    # The first rebuild reads every topic from its start: the generation it leaves live holds
    # everything, and from then on the consumers keep it up to date event by event.
    first = await _rebuilt(reporting)
    live = await generations.live()
    assert (live.id, live.state) == (first["id"], "live")
    assert await reporting.ok("GET", path, headers=_admin(reporting)) == served
    await reporting.publish(*_lifecycle(middle))
    await reporting.report_once(path, lambda r: r["totals"]["clusters"] == 2, _admin(reporting))

    # A second rebuild, while more events arrive: the new generation has them, and equals the
    # one built incrementally once that has read them too.
    await _rebuilt(reporting, publish_meanwhile=_lifecycle(after))
    report = await reporting.report_once(
        path, lambda r: r["totals"]["clusters"] == 3, _admin(reporting)
    )
    assert report["totals"]["planned_area_ha"] == "60.0000"
    second = await generations.live()
    assert second.id == first["id"] + 1

    incremental = generations.database(live)
    settings = reporting.app.state.settings
    consumers = service.consumers(settings, incremental, live)
    for consumer in consumers:
        consumer.start()
    try:
        assert await wait_until(lambda: _caught_up(reporting.bootstrap, live), timeout_s=120)
    finally:
        for consumer in consumers:
            await consumer.stop()
    assert await wait_until(lambda: _caught_up(reporting.bootstrap, second), timeout_s=120)
    rebuilt, kept = await _contents(generations.database(second)), await _contents(incremental)
    assert rebuilt.keys() == kept.keys()
    for name in rebuilt:
        assert rebuilt[name] == kept[name], name
    assert sum(len(rows) for rows in rebuilt.values()) > 20

    # The first generation is kept until the next rebuild; the service's own tables, which
    # served before the first, are emptied at the second.
    assert (await _contents(generations.base))["cluster_facts"] == []

    listed = await reporting.ok("GET", "/admin/rebuilds", headers=_admin(reporting))
    assert listed["live"] == second.id
    assert [g["state"] for g in listed["items"]][-2:] == ["retired", "live"]


async def test_a_stopped_rebuild_leaves_the_live_generation_serving(
    reporting: Reporting,
) -> None:
    c = _cluster(HAI_DUONG, "Cụm công nghiệp Cẩm Điền")
    await reporting.publish(*_lifecycle(c))
    generations: Generations = reporting.app.state.rebuilds.generations
    live = await generations.live()
    assert await wait_until(lambda: _caught_up(reporting.bootstrap, live), timeout_s=120)
    path = f"/reports/clusters/{c['cluster_id']}"
    served = await reporting.report_once(
        path, lambda r: r.get("status") == "operating", _admin(reporting)
    )

    started = await reporting.client.post("/api/v1/admin/rebuilds", headers=_admin(reporting))
    assert started.status_code == 202, started.text
    building = started.json()
    again = await reporting.client.post("/api/v1/admin/rebuilds", headers=_admin(reporting))
    assert "being rebuilt" in problem(again, 409, "conflict")["detail"]

    stop = f"/api/v1/admin/rebuilds/{building['id']}/cancellation"
    stopped = await reporting.client.post(stop, headers=_admin(reporting))
    assert stopped.status_code == 200, stopped.text
    seen: dict[str, Any] = {}

    async def failed() -> bool:
        found = await reporting.client.get(
            f"/api/v1/admin/rebuilds/{building['id']}", headers=_admin(reporting)
        )
        seen.update(found.json())
        return bool(seen["state"] == "failed")

    assert await wait_until(failed, timeout_s=60), seen
    assert seen["error"] == "aborted by officer-1"
    assert (await generations.live()).id == live.id
    assert await reporting.ok("GET", path, headers=_admin(reporting)) == served
    again = await reporting.client.post(stop, headers=_admin(reporting))
    assert "failed: nothing to abort" in problem(again, 409, "conflict")["detail"]
    async with generations.base.sessions() as session:
        schemas = await session.execute(
            text("SELECT schema_name FROM information_schema.schemata WHERE schema_name = :n"),
            {"n": building["name"]},
        )
        assert schemas.first() is None  # what it built is gone


async def test_a_rebuild_that_cannot_reach_the_broker_fails_and_changes_nothing(
    reporting: Reporting,
) -> None:
    generations: Generations = reporting.app.state.rebuilds.generations
    live = await generations.live()
    settings = reporting.app.state.settings.model_copy(
        update={"kafka_bootstrap_servers": "127.0.0.1:9"}
    )
    rebuild = service.rebuild(settings, generations)
    rebuild.tick_s = 0.1
    try:
        await asyncio.wait_for(rebuild.run("test"), timeout=120)
    except Exception as exc:
        error = str(exc)
    else:
        raise AssertionError("a rebuild without a broker swapped")
    listed = await generations.listed()
    assert listed[-1].state == "failed"
    assert listed[-1].error is not None and error in listed[-1].error
    assert (await generations.live()).id == live.id


def _helpers_of(pid: int) -> list[int]:
    """The rebuild helpers process `pid` has started and that still run."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == pid and b"--helping" in command:
            found.append(int(entry.name))
    return found


async def test_a_rebuild_whose_helper_dies_fails_and_changes_nothing(
    reporting: Reporting,
) -> None:
    generations: Generations = reporting.app.state.rebuilds.generations
    live = await generations.live()
    settings = reporting.app.state.settings
    assert settings.rebuild_workers == 2
    rebuild = service.rebuild(settings, generations)
    rebuilding = asyncio.create_task(rebuild.run("test"))
    helpers: list[int] = []

    async def helped() -> bool:
        helpers.extend(_helpers_of(os.getpid()))
        return bool(helpers) or rebuilding.done()

    assert await wait_until(helped, timeout_s=30, every_s=0.01)
    assert len(helpers) == 1, "the rebuild started no helper, or more than one"
    os.kill(helpers[0], signal.SIGKILL)
    try:
        await asyncio.wait_for(rebuilding, timeout=120)
    except HelperFailed as exc:
        assert f"rebuild helper {helpers[0]} exited with -9" in str(exc)
    else:
        raise AssertionError("a rebuild whose helper died swapped")
    listed = await generations.listed()
    assert listed[-1].state == "failed" and "HelperFailed" in (listed[-1].error or "")
    assert (await generations.live()).id == live.id


async def test_a_helper_late_to_load_goes_on_from_where_the_rebuild_read_its_share(
    reporting: Reporting, tmp_path: Path
) -> None:
    # Many tenants, applied an event a transaction: the rebuild's own process is still reading
    # the helper's share when the helper is let through.
    c = _cluster(HAI_DUONG, "Cụm công nghiệp Việt Hòa")
    tenants = [e for t in range(100) for e in _tenant(c, "company", 10 + t, "1", "2020-05-01")[0]]
    await reporting.publish(*_lifecycle(c), *tenants)
    generations: Generations = reporting.app.state.rebuilds.generations
    served = reporting.app.state.settings
    # What one process alone rebuilds from these topics, to compare with.
    alone = service.rebuild(served.model_copy(update={"rebuild_workers": 1}), generations)
    by_one = generations.database(await alone.run("test"))
    settings = served.model_copy(update={"rebuild_max_poll_records": 1})
    rebuild = service.rebuild(settings, generations)
    gate = tmp_path / "loaded"
    made: list[Helpers] = []
    helpers_of = rebuild.helpers_of
    assert helpers_of is not None

    def gated(generation: Generation) -> Helpers:
        """The service's own helpers, each held back until the gate file is there."""
        helpers = helpers_of(generation)
        wait = 'while [ ! -e "$0" ]; do sleep 0.02; done; exec "$@"'
        helpers.command = ["sh", "-c", wait, str(gate), *helpers.command]
        made.append(helpers)
        return helpers

    rebuild.helpers_of = gated
    generation = await rebuild.begin("test")
    begin, end = await topic_offsets(reporting.bootstrap, service.consumed_topics())
    reads = {
        (generation.group(f"{service.name}.{projection.name}"), tp): last - begin.get(tp, 0)
        for projection in service.projections
        for tp, last in end.items()
        if tp.topic in projection.handlers.topics
    }
    theirs = [(group, tp) for group, tps in split(reads, 2)[1].items() for tp in tps]
    building = asyncio.create_task(rebuild.build(generation))

    async def partly_read() -> list[tuple[str, TopicPartition]]:
        """The helper's partitions that the rebuild's own process has begun and not finished."""
        assert not building.done(), building
        committed = await committed_offsets(reporting.bootstrap, service, generation)
        return [read for read in theirs if 0 < committed.get(read, 0) < end[read[1]]]

    assert await wait_until(partly_read, timeout_s=120, every_s=0.02)
    at_the_gate = await committed_offsets(reporting.bootstrap, service, generation)
    gate.touch()
    live = await asyncio.wait_for(building, timeout=300)

    # The helper read on from the commits it found, on partitions begun and not finished.
    helped = {(group, tp): o for group, _ in theirs for tp, o in made[0].committed(group).items()}
    went_on = [read for read in theirs if 0 < at_the_gate.get(read, 0) < helped.get(read, 0)]
    assert went_on, (at_the_gate, helped)
    rebuilt = await _contents(generations.database(live))
    assert rebuilt == await _contents(by_one)
    assert len(rebuilt["tenancies"]) >= 100


async def test_a_helper_refuses_a_generation_that_is_not_being_built(
    reporting: Reporting,
) -> None:
    live = await reporting.app.state.rebuilds.generations.live()
    env = {**os.environ, **reporting.app.state.settings.to_env()}
    helper = await asyncio.create_subprocess_exec(
        *HELPER_COMMAND,
        "rebuild",
        "reporting",
        "--helping",
        str(live.id),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await asyncio.wait_for(helper.communicate(), timeout=60)
    assert helper.returncode == 1
    assert f"generation {live.id} is live" in said.decode()


async def test_only_a_national_administrator_rebuilds(reporting: Reporting) -> None:
    province_admin = reporting.auth(agency="so-cong-thuong", province="14", roles=("admin",))
    national_viewer = reporting.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    for headers in (province_admin, national_viewer):
        answer = await reporting.client.post("/api/v1/admin/rebuilds", headers=headers)
        problem(answer, 403, "forbidden")
        problem(
            await reporting.client.get("/api/v1/admin/rebuilds", headers=headers), 403, "forbidden"
        )
    missing = await reporting.client.get("/api/v1/admin/rebuilds/999", headers=_admin(reporting))
    problem(missing, 404, "not-found")
    bad = await reporting.client.get("/api/v1/admin/rebuilds/x", headers=_admin(reporting))
    problem(bad, 422, "validation-error")
