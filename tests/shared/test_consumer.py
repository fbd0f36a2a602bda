"""The consumer runner against a real broker and real databases: once-only, crashes, DLQ."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, String, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import EventConsumer
from shared.db import Database
from shared.event_handlers import HandlerRegistry, RetryPolicy, TransientError
from shared.events import Envelope
from shared.kafka import (
    DEFAULT_PARTITIONS,
    dlq_topic,
    ensure_topics,
    new_consumer,
    new_producer,
    topic_offsets,
)
from tests.kafka_tools import (
    Contract,
    make_contract,
    produce_raw,
    read_topic,
    setup_service_db,
    wait_until,
)


@dataclass
class Projection:
    """A read model fed by ThingHappened: each thing's applied seqs, in order."""

    db: Database
    contract: Contract
    table: Table
    registry: HandlerRegistry
    fail_notes: set[str]
    transient_failures: dict[str, int]

    async def state(self) -> dict[str, list[int]]:
        async with self.db.sessions() as session:
            rows = (await session.execute(select(self.table))).all()
        return {r.thing_id: json.loads(r.seqs) for r in rows}

    async def applied(self) -> int:
        return sum(len(v) for v in (await self.state()).values())

    async def dead_letters(self) -> list:
        dl = self.contract.tables.dead_letters
        async with self.db.sessions() as session:
            return list((await session.execute(select(dl).order_by(dl.c.seq))).all())

    async def inbox_size(self) -> int:
        async with self.db.sessions() as session:
            return int(
                (
                    await session.execute(
                        select(func.count()).select_from(self.contract.tables.inbox)
                    )
                ).scalar_one()
            )

    def consumer(
        self,
        bootstrap: str,
        name: str,
        cls: type[EventConsumer] = EventConsumer,
    ) -> EventConsumer:
        return cls(
            name=name,
            db=self.db,
            tables=self.contract.tables,
            catalog=self.contract.catalog,
            registry=self.registry,
            bootstrap_servers=bootstrap,
            retry=RetryPolicy(max_attempts=4, initial_backoff_s=0.05, max_backoff_s=0.5),
        )


async def make_projection(url: str, bootstrap: str, contract: Contract) -> Projection:
    table = Table(
        "things",
        contract.metadata,
        Column("thing_id", String(50), primary_key=True),  # type: ignore[arg-type]
        Column("seqs", Text, nullable=False),
        Column("total", Integer, nullable=False),
        extend_existing=True,
    )
    db = Database(url)
    await setup_service_db(db, contract, bootstrap)
    registry = HandlerRegistry()
    projection = Projection(db, contract, table, registry, set(), {})

    @registry.on(contract.happened)
    async def on_happened(session: AsyncSession, event, envelope: Envelope) -> None:
        if event.note in projection.fail_notes:
            raise ValueError(f"cannot apply note {event.note!r}")
        left = projection.transient_failures.get(event.note, 0)
        if left:
            projection.transient_failures[event.note] = left - 1
            raise TransientError("the reference service is briefly unavailable")
        row = (
            await session.execute(select(table).where(table.c.thing_id == event.thing_id))
        ).first()
        if row is None:
            await session.execute(
                table.insert().values(
                    thing_id=event.thing_id, seqs=json.dumps([event.seq]), total=event.seq
                )
            )
        else:
            await session.execute(
                table.update()
                .where(table.c.thing_id == event.thing_id)
                .values(
                    seqs=json.dumps([*json.loads(row.seqs), event.seq]), total=row.total + event.seq
                )
            )

    return projection


@pytest.fixture
async def projection(database_url: str, kafka_bootstrap: str) -> AsyncIterator[Projection]:
    p = await make_projection(database_url, kafka_bootstrap, make_contract())
    yield p
    await p.db.dispose()


def record(envelope: Envelope) -> tuple[bytes, bytes, list]:
    return envelope.key, envelope.value(), envelope.headers()


async def test_an_event_delivered_twice_is_applied_once(
    projection: Projection, kafka_bootstrap: str
) -> None:
    c = projection.contract
    first = Envelope.wrap(c.happened(thing_id="a", seq=5))
    second = Envelope.wrap(c.happened(thing_id="a", seq=7))
    await produce_raw(
        kafka_bootstrap, c.topic, record(first), record(first), record(second), record(first)
    )
    name = f"dup-test-{uuid.uuid4().hex[:8]}"
    consumer = projection.consumer(kafka_bootstrap, name)
    consumer.start()
    try:
        assert await wait_until(lambda: _inbox_at_least(projection, 2))
        await wait_until(lambda: _never(), timeout_s=1.0)  # let the redeliveries arrive too
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [5, 7]}
    assert await projection.inbox_size() == 2
    duplicates = REGISTRY.get_sample_value(
        "ccn_events_duplicate_total", {"consumer": name, "type": first.type}
    )
    assert duplicates == 2
    lags = [
        s.value
        for m in REGISTRY.collect()
        if m.name == "ccn_consumer_lag"
        for s in m.samples
        if s.labels["consumer"] == name
    ]
    assert lags and all(v == 0 for v in lags)


async def _inbox_at_least(projection: Projection, n: int) -> bool:
    return await projection.inbox_size() >= n


async def _never() -> bool:
    return False


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing after it runs, not even the offset commit."""


class KilledBeforeOffsetCommit(EventConsumer):
    async def _commit_offsets(self, offsets) -> None:  # type: ignore[no-untyped-def]
        raise ProcessKilled


async def test_a_consumer_killed_after_its_db_commit_resumes_to_the_same_state(
    database_url: str, tmp_path: Path, kafka_bootstrap: str
) -> None:
    contract = make_contract()
    victim = await make_projection(database_url, kafka_bootstrap, contract)
    control_url = f"sqlite+aiosqlite:///{tmp_path / 'never-killed.db'}"
    control = await make_projection(control_url, kafka_bootstrap, contract)
    events = [Envelope.wrap(contract.happened(thing_id=f"k{i % 3}", seq=i)) for i in range(30)]
    await produce_raw(kafka_bootstrap, contract.topic, *map(record, events))
    try:
        doomed = victim.consumer(kafka_bootstrap, "crash-test", KilledBeforeOffsetCommit)
        with pytest.raises(ProcessKilled):
            await doomed.run()
        killed_after = await victim.applied()
        assert killed_after > 0, "the consumer should have committed some work before dying"

        restarted = victim.consumer(kafka_bootstrap, "crash-test")
        reference = control.consumer(kafka_bootstrap, "crash-control")
        restarted.start()
        reference.start()
        try:
            assert await wait_until(lambda: _inbox_at_least(victim, 30))
            assert await wait_until(lambda: _inbox_at_least(control, 30))
        finally:
            await restarted.stop()
            await reference.stop()
        assert await victim.state() == await control.state()
        assert await victim.applied() == 30
    finally:
        await victim.db.dispose()
        await control.db.dispose()


async def test_poison_messages_go_to_the_dlq_with_the_reason_and_the_next_is_processed(
    projection: Projection, kafka_bootstrap: str
) -> None:
    c = projection.contract
    good = Envelope.wrap(c.happened(thing_id="a", seq=1))
    bad_data = Envelope.wrap(c.happened(thing_id="b", seq=2))
    await produce_raw(
        kafka_bootstrap,
        c.topic,
        (
            b"x",
            b"{not json",
            [
                ("ce_id", b"1"),
                ("ce_type", good.type.encode()),
                ("ce_source", b"/ccn/test"),
                ("ce_specversion", b"1.0"),
            ],
        ),
        (b"y", b'{"thing_id": "y"}', []),
        (bad_data.key, json.dumps({"thing_id": "b", "seq": "two"}).encode(), bad_data.headers()),
        record(good),
    )
    consumer = projection.consumer(kafka_bootstrap, "poison-test")
    consumer.start()
    try:
        # The four messages sit on different partitions: wait for all of them, not the first.
        assert await wait_until(lambda: _inbox_at_least(projection, 1))
        assert await wait_until(lambda: _dead_at_least(projection, 3))
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [1]}

    dlq = await read_topic(kafka_bootstrap, dlq_topic(c.topic), expected=3)
    reasons = sorted((m.key, dict(m.headers)["dlq_reason"]) for m in dlq)
    assert reasons == [(b"b", b"invalid"), (b"x", b"undecodable"), (b"y", b"undecodable")]
    errors = {m.key: dict(m.headers)["dlq_error"].decode() for m in dlq}
    assert "not JSON" in errors[b"x"]
    assert "missing CloudEvents headers" in errors[b"y"]
    assert "seq" in errors[b"b"]
    assert {dict(m.headers)["dlq_topic"] for m in dlq} == {c.topic.encode()}
    assert [r.reason for r in await projection.dead_letters()].count("undecodable") == 2


async def test_events_behind_a_failed_one_are_parked_in_order_and_redriven(
    projection: Projection, kafka_bootstrap: str
) -> None:
    c = projection.contract
    projection.fail_notes.add("bad")
    events = [
        c.happened(thing_id="a", seq=1),
        c.happened(thing_id="a", seq=2, note="bad"),
        c.happened(thing_id="b", seq=10),
        c.happened(thing_id="a", seq=3),
        c.happened(thing_id="b", seq=11),
        c.happened(thing_id="a", seq=4),
    ]
    await produce_raw(kafka_bootstrap, c.topic, *(record(Envelope.wrap(e)) for e in events))
    consumer = projection.consumer(kafka_bootstrap, "park-test")
    consumer.start()
    try:
        assert await wait_until(lambda: _dead_at_least(projection, 3))
        assert await wait_until(lambda: _inbox_at_least(projection, 3))
        assert await projection.state() == {"a": [1], "b": [10, 11]}
        statuses = [(r.key, r.status, r.reason) for r in await projection.dead_letters()]
        assert statuses == [
            ("a", "dead", "handler-failed"),
            ("a", "parked", "parked"),
            ("a", "parked", "parked"),
        ]

        projection.fail_notes.clear()  # the cause is fixed; an operator re-drives the key
        assert await consumer.redrive("a") == 3
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [1, 2, 3, 4], "b": [10, 11]}
    assert {r.status for r in await projection.dead_letters()} == {"redriven"}


async def _dead_at_least(projection: Projection, n: int) -> bool:
    return len(await projection.dead_letters()) >= n


async def test_transient_failures_are_retried_until_they_pass(
    projection: Projection, kafka_bootstrap: str
) -> None:
    c = projection.contract
    projection.transient_failures["flaky"] = 5  # more than one round of attempts
    await produce_raw(
        kafka_bootstrap,
        c.topic,
        record(Envelope.wrap(c.happened(thing_id="a", seq=1, note="flaky"))),
        record(Envelope.wrap(c.happened(thing_id="a", seq=2))),
    )
    consumer = projection.consumer(kafka_bootstrap, "retry-test")
    consumer.start()
    try:
        assert await wait_until(lambda: _inbox_at_least(projection, 2))
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [1, 2]}
    assert projection.transient_failures["flaky"] == 0
    assert await projection.dead_letters() == []


async def test_a_consumer_survives_a_failure_outside_its_handlers(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    """The dead-letter table is briefly unusable: the consumer restarts, loses nothing."""
    from sqlalchemy import text

    projection = await make_projection(postgres_url, kafka_bootstrap, make_contract())
    c = projection.contract
    try:
        async with projection.db.transaction() as session:
            await session.execute(text("ALTER TABLE dead_letters RENAME TO dead_letters_away"))
        poison = (
            b"p",
            b"{broken",
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"1.0")],
        )
        good = record(Envelope.wrap(c.happened(thing_id="a", seq=1)))
        await produce_raw(kafka_bootstrap, c.topic, poison, good)
        consumer = projection.consumer(kafka_bootstrap, f"survivor-{uuid.uuid4().hex[:6]}")
        consumer.start()
        try:
            await wait_until(_never, timeout_s=3.0)  # it fails on the poison and restarts
            assert consumer._task is not None and not consumer._task.done()
            async with projection.db.transaction() as session:
                await session.execute(text("ALTER TABLE dead_letters_away RENAME TO dead_letters"))

            # The two records may sit on different partitions: wait for both to be handled.
            async def both_handled() -> bool:
                return await _inbox_at_least(projection, 1) and bool(
                    await projection.dead_letters()
                )

            assert await wait_until(both_handled, timeout_s=60)
        finally:
            await consumer.stop()
        assert await projection.state() == {"a": [1]}
        assert [r.reason for r in await projection.dead_letters()] == ["undecodable"]
    finally:
        await projection.db.dispose()


async def test_a_revision_not_known_yet_is_parked_and_read_after_the_upgrade(
    projection: Projection, kafka_bootstrap: str
) -> None:
    c = projection.contract
    written = Envelope.wrap(c.happened(thing_id="a", seq=2))
    later = replace(written, type=written.type.replace(".v1", ".v2"))  # a newer producer's
    events = [
        Envelope.wrap(c.happened(thing_id="a", seq=1)),
        later,
        Envelope.wrap(c.happened(thing_id="b", seq=10)),
        Envelope.wrap(c.happened(thing_id="a", seq=3)),
    ]
    await produce_raw(kafka_bootstrap, c.topic, *(record(e) for e in events))
    name = f"revision-test-{uuid.uuid4().hex[:8]}"
    consumer = projection.consumer(kafka_bootstrap, name)
    consumer.start()
    try:
        assert await wait_until(lambda: _dead_at_least(projection, 2))
        assert await wait_until(lambda: _inbox_at_least(projection, 2))
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [1], "b": [10]}  # b flowed on; a waits
    statuses = [(r.key, r.status, r.reason) for r in await projection.dead_letters()]
    assert statuses == [("a", "parked", "unknown-revision"), ("a", "parked", "parked")]

    # The upgrade: the catalog and the projection learn revision 2.
    @c.catalog.register
    class ThingHappenedV2(c.happened):  # type: ignore[name-defined,misc]
        version: ClassVar[int] = 2

    projection.registry.on(ThingHappenedV2)(projection.registry.handlers[c.happened.type_name()])
    assert ThingHappenedV2.type_name() == later.type
    upgraded = projection.consumer(kafka_bootstrap, name)
    upgraded.start()
    try:
        assert await wait_until(lambda: _inbox_at_least(projection, 4))
    finally:
        await upgraded.stop()
    assert await projection.state() == {"a": [1, 2, 3], "b": [10]}
    assert {r.status for r in await projection.dead_letters()} == {"redriven"}


async def test_a_key_is_parked_on_its_topic_alone(
    projection: Projection, kafka_bootstrap: str
) -> None:
    """Two aggregates may share an id on two topics (a facility in the registry and in the
    environment department): a poison event of one parks nothing of the other, whose order
    relative to it no topic defines."""
    c, other = projection.contract, make_contract()
    await ensure_topics(kafka_bootstrap, [other.topic])
    projection.registry.on(other.happened)(projection.registry.handlers[c.happened.type_name()])
    projection.fail_notes.add("bad")
    await produce_raw(
        kafka_bootstrap,
        c.topic,
        record(Envelope.wrap(c.happened(thing_id="a", seq=1, note="bad"))),
        record(Envelope.wrap(c.happened(thing_id="a", seq=2))),
    )
    await produce_raw(
        kafka_bootstrap, other.topic, record(Envelope.wrap(other.happened(thing_id="a", seq=10)))
    )
    consumer = projection.consumer(kafka_bootstrap, f"topics-test-{uuid.uuid4().hex[:8]}")
    consumer.start()
    try:
        assert await wait_until(lambda: _dead_at_least(projection, 2))
        assert await wait_until(lambda: _inbox_at_least(projection, 1))
    finally:
        await consumer.stop()
    assert await projection.state() == {"a": [10]}
    statuses = [(r.topic, r.status, r.reason) for r in await projection.dead_letters()]
    assert statuses == [(c.topic, "dead", "handler-failed"), (c.topic, "parked", "parked")]


async def test_a_transactional_topic_read_to_its_end_is_committed_to_its_end(
    projection: Projection, kafka_bootstrap: str
) -> None:
    """Each transaction ends with a marker that takes an offset and that no reader is given:
    a consumer that has applied everything commits past the markers too, or a rebuild and
    any lag check would wait for it forever."""
    c = projection.contract
    producer = new_producer(kafka_bootstrap, transactional_id=f"markers-{uuid.uuid4().hex[:8]}")
    await producer.start()
    try:
        for batch in range(3):
            async with producer.transaction():
                for seq in range(4):
                    envelope = Envelope.wrap(c.happened(thing_id=f"t{seq}", seq=batch))
                    key, value, headers = record(envelope)
                    await producer.send(c.topic, key=key, value=value, headers=headers)
    finally:
        await producer.stop()
    consumer = projection.consumer(kafka_bootstrap, f"markers-test-{uuid.uuid4().hex[:8]}")
    consumer.start()
    try:
        assert await wait_until(lambda: _inbox_at_least(projection, 12))
        _begin, end = await topic_offsets(kafka_bootstrap, [c.topic])
        written = {tp: offset for tp, offset in end.items() if offset}
        assert sum(written.values()) > 12, "the markers take offsets of their own"

        async def committed_to_the_end() -> bool:
            return all(consumer.committed.get(tp) == offset for tp, offset in written.items())

        assert await wait_until(committed_to_the_end, timeout_s=10)
    finally:
        await consumer.stop()
    assert await projection.state() == {f"t{seq}": [0, 1, 2] for seq in range(4)}


MEMBER = """
import asyncio, sys
from shared.kafka import new_consumer

async def main():
    consumer = new_consumer(sys.argv[1], sys.argv[2], group_id=sys.argv[3], instance_id="node-a")
    await consumer.start()
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=200)
    print("assigned", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.mark.slow
async def test_a_static_member_killed_and_restarted_takes_its_partitions_straight_back(
    kafka_bootstrap: str,
) -> None:
    """A process with an instance id that dies without leaving its group, and comes back under
    the same id, is given its partitions at once: a new member would wait for the dead one's
    session (30 s) to expire first."""
    topic, group = f"static.{uuid.uuid4().hex[:8]}", f"static-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topic])
    member = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MEMBER,
        kafka_bootstrap,
        topic,
        group,
        stdout=asyncio.subprocess.PIPE,
    )
    assert member.stdout is not None
    assert await asyncio.wait_for(member.stdout.readline(), 60) == b"assigned\n"
    member.kill()
    await member.wait()
    again = new_consumer(kafka_bootstrap, topic, group_id=group, instance_id="node-a")
    started = time.monotonic()
    await again.start()  # returns once it has joined the group
    try:
        waited = time.monotonic() - started
        assert len(again.assignment()) == 3
        assert waited < 15, f"it waited {waited:.0f} s, as for a dead member's 30 s session"
    finally:
        await again.stop()


async def test_members_joining_their_groups_at_once_share_the_partitions(
    kafka_bootstrap: str,
) -> None:
    """Two processes of a service start their consumer groups together (a rebuild and its
    helper, two replicas): every group settles, its partitions shared between the two, instead
    of rebalancing again at each member's join."""
    run = uuid.uuid4().hex[:8]
    topics = [f"together.{run}.{n}" for n in range(3)]
    await ensure_topics(kafka_bootstrap, topics)
    members = [
        new_consumer(kafka_bootstrap, *topics, group_id=f"together-{run}-{group}")
        for group in range(6)
        for _member in range(2)
    ]
    everything = {TopicPartition(t, p) for t in topics for p in range(DEFAULT_PARTITIONS)}
    await asyncio.gather(*(member.start() for member in members))

    async def poll(member: AIOKafkaConsumer) -> None:
        # A member waits in getmany while its group has not settled on an assignment.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(member.getmany(timeout_ms=100), 1)

    async def settled() -> bool:
        await asyncio.gather(*(poll(member) for member in members))
        pairs = [members[i : i + 2] for i in range(0, len(members), 2)]
        return all(
            a.assignment() and b.assignment() and a.assignment() | b.assignment() == everything
            for a, b in pairs
        )

    try:
        assert await asyncio.wait_for(wait_until(settled, timeout_s=30), 60), "never settled"
        shared = [member.assignment() for member in members]
        await asyncio.sleep(2)
        assert await settled() and [member.assignment() for member in members] == shared
        assert all(len(part) in (4, 5) for part in shared), "round-robin over the 9 partitions"
    finally:
        # A member of a group that never settles may not stop either: leave it behind.
        await asyncio.wait([asyncio.ensure_future(member.stop()) for member in members], timeout=30)


async def test_a_consumer_told_its_partitions_reads_those_alone_and_commits_them_for_its_group(
    projection: Projection, kafka_bootstrap: str
) -> None:
    """A rebuild splits the partitions between its processes itself: a consumer told which to
    read applies their events only, and commits their ends under its group, where the group's
    members take them up after the rebuild."""
    c = projection.contract
    events = [Envelope.wrap(c.happened(thing_id=f"t{i}", seq=i)) for i in range(30)]
    await produce_raw(kafka_bootstrap, c.topic, *map(record, events))
    begin, end = await topic_offsets(kafka_bootstrap, [c.topic])
    mine = {TopicPartition(c.topic, 0), TopicPartition(c.topic, 2)}
    other = TopicPartition(c.topic, 1)
    assert end[other] > begin[other], "the partition left out holds events too"
    name = f"told-{uuid.uuid4().hex[:8]}"
    consumer = projection.consumer(kafka_bootstrap, name)
    consumer.read_only(mine)
    consumer.start()
    ends = {tp: end[tp] for tp in mine}

    async def committed_to_the_ends() -> bool:
        return all(consumer.committed.get(tp) == offset for tp, offset in ends.items())

    try:
        assert await wait_until(committed_to_the_ends)
    finally:
        await consumer.stop()
    assert await projection.applied() == sum(end[tp] - begin[tp] for tp in mine)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        kept = await admin.list_consumer_group_offsets(name)
    finally:
        await admin.close()
    assert {tp: meta.offset for tp, meta in kept.items()} == ends

    idle = projection.consumer(kafka_bootstrap, f"{name}-idle")
    idle.read_only(())
    idle.start()
    await idle.stop()
    assert idle.committed == {}
