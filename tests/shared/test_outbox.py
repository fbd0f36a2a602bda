"""The outbox relay against a real broker and real databases."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError
from sqlalchemy import func, select, text

from shared import metrics
from shared.db import Database
from shared.ids import new_id
from shared.kafka import new_producer
from shared.localinfra import KafkaBroker
from shared.outbox import Outbox
from shared.relay import CLAIMS_PER_TRANSACTION, OutboxRelay, RowsLeftBehind
from shared.relay_progress import progress_record
from tests.kafka_tools import Contract, make_contract, read_topic, setup_service_db, wait_until
from tests.shared.test_gathered import statements_sent
from tests.shared.test_optimistic import optimistic_unit


class Boom(Exception):
    pass


async def _backlog(relay: OutboxRelay) -> int:
    count, _ = await relay.refresh_stats()
    return count


async def _drain(relay: OutboxRelay, timeout_s: float = 60) -> None:
    assert await wait_until(lambda: _is_empty(relay), timeout_s=timeout_s), "outbox never drained"


async def _is_empty(relay: OutboxRelay) -> bool:
    return await _backlog(relay) == 0


def _ids_by_key(messages: list) -> dict[str, list[int]]:
    """Per message key, the `seq` field of each event in the order Kafka holds them."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for m in messages:
        by_key[m.key.decode()].append(json.loads(m.value)["seq"])
    return by_key


@asynccontextmanager
async def _service_on(url: str, bootstrap: str) -> AsyncIterator[tuple[Database, Contract, Outbox]]:
    contract = make_contract()
    db = Database(url)
    await setup_service_db(db, contract, bootstrap)
    yield db, contract, Outbox(contract.tables.outbox)
    await db.dispose()


@pytest.fixture
async def service(database_url: str, kafka_bootstrap: str):
    async with _service_on(database_url, kafka_bootstrap) as on_either:
        yield on_either


@pytest.fixture
async def pg_service(postgres_url: str, kafka_bootstrap: str):
    """On PostgreSQL: where several relays of one database may run."""
    async with _service_on(postgres_url, kafka_bootstrap) as on_postgres:
        yield on_postgres


async def test_relay_publishes_committed_events_and_none_of_rolled_back_ones(
    service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = service
    async with db.transaction() as session:
        committed = await outbox.add(
            session, *(contract.happened(thing_id="a", seq=i) for i in range(3))
        )
    with pytest.raises(Boom):
        async with db.transaction() as session:
            await outbox.add(session, contract.happened(thing_id="b", seq=99))
            raise Boom
    relay = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test")
    relay.start()
    try:
        await _drain(relay)
    finally:
        await relay.stop()
    async with db.sessions() as session:
        kept = await session.scalar(select(func.count()).select_from(contract.tables.outbox))
    assert kept == 0, "a published event lives on its topic, not in the outbox"

    messages = await read_topic(kafka_bootstrap, contract.topic, expected=3)
    assert [dict(m.headers)["ce_id"].decode() for m in messages] == [e.id for e in committed]
    first = dict(messages[0].headers)
    assert first["ce_type"] == contract.happened.type_name().encode()
    assert first["ce_source"] == b"/ccn/test"
    assert first["ce_subject"] == b"a" and messages[0].key == b"a"
    assert first["ce_specversion"] == b"1.0"
    assert first["content-type"] == b"application/json"
    assert json.loads(messages[0].value) == {"thing_id": "a", "seq": 0, "note": ""}


async def test_the_relay_is_woken_by_a_commit_that_added_events_not_by_a_rollback(
    service: tuple[Database, Contract, Outbox],
) -> None:
    db, contract, outbox = service
    woken = asyncio.create_task(outbox.wait_for_commit(timeout_s=60))
    with pytest.raises(Boom):
        async with db.transaction() as session:
            await outbox.add(session, contract.happened(thing_id="b", seq=0))
            raise Boom
    async with db.transaction() as session:
        await session.execute(select(1))
    await asyncio.sleep(0.1)
    assert not woken.done(), "woken without a committed event"
    async with db.transaction() as session:
        await outbox.add(session, contract.happened(thing_id="a", seq=0))
    await asyncio.wait_for(woken, timeout=10)


async def test_an_optimistic_unit_that_wrote_past_its_session_wakes_the_relay_as_it_ends(
    pg_service: tuple[Database, Contract, Outbox],
) -> None:
    """Its events went straight to the driver and committed there: its session, which sent
    nothing, still tells the relay at the end; a unit that failed before sending them does
    not."""
    db, contract, outbox = pg_service
    woken = asyncio.create_task(outbox.wait_for_commit(timeout_s=60))
    with pytest.raises(Boom):
        async with optimistic_unit(db) as session:
            await outbox.add(session, contract.happened(thing_id="b", seq=0))
            raise Boom
    await asyncio.sleep(0.1)
    assert not woken.done(), "woken without a committed event"
    with statements_sent(db, direct=False) as through_the_session:
        async with optimistic_unit(db) as session:
            await outbox.add(session, contract.happened(thing_id="a", seq=0))
    assert through_the_session == []
    await asyncio.wait_for(woken, timeout=10)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(contract.tables.outbox)) == 1


async def test_events_of_one_aggregate_arrive_in_commit_order(
    service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = service
    keys = [f"k{i}" for i in range(12)]
    next_seq = dict.fromkeys(keys, 0)
    rng = random.Random(7)
    for _ in range(60):
        async with db.transaction() as session:
            for key in rng.sample(keys, 4):
                await outbox.add(session, contract.happened(thing_id=key, seq=next_seq[key]))
                next_seq[key] += 1
    relay = OutboxRelay(
        db, outbox, bootstrap_servers=kafka_bootstrap, service="test", batch_size=17
    )
    relay.start()
    try:
        await _drain(relay)
    finally:
        await relay.stop()

    messages = await read_topic(kafka_bootstrap, contract.topic, expected=240)
    assert len(messages) == 240
    for key, seqs in _ids_by_key(messages).items():
        assert seqs == list(range(next_seq[key])), key


async def test_two_relays_on_postgres_publish_each_event_once_in_order(
    pg_service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = pg_service
    keys = [f"k{i}" for i in range(40)]
    total = 2000
    async with db.transaction() as session:
        await outbox.add(
            session, *(contract.happened(thing_id=keys[i % 40], seq=i // 40) for i in range(total))
        )
    relays = [
        OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test", batch_size=50)
        for _ in range(2)
    ]
    for relay in relays:
        relay.start()
    try:
        await _drain(relays[0])
    finally:
        await asyncio.gather(*(r.stop() for r in relays))

    messages = await read_topic(kafka_bootstrap, contract.topic, expected=total)
    ids = [dict(m.headers)["ce_id"] for m in messages]
    assert len(ids) == total and len(set(ids)) == total
    for key, seqs in _ids_by_key(messages).items():
        assert seqs == list(range(total // 40)), key


@pytest.mark.slow
async def test_relay_loses_nothing_across_a_broker_restart(
    postgres_url: str, kafka_broker: KafkaBroker
) -> None:
    bootstrap = kafka_broker.bootstrap
    contract = make_contract()
    db = Database(postgres_url)
    await setup_service_db(db, contract, bootstrap)
    outbox = Outbox(contract.tables.outbox)
    relay = OutboxRelay(
        db, outbox, bootstrap_servers=bootstrap, service="test", batch_size=50, poll_interval_s=0.1
    )
    committed: list[str] = []
    keys = [f"k{i}" for i in range(8)]
    next_seq = dict.fromkeys(keys, 0)

    async def write(n: int) -> None:
        for i in range(n):
            key = keys[i % len(keys)]
            async with db.transaction() as session:
                [env] = await outbox.add(
                    session, contract.happened(thing_id=key, seq=next_seq[key])
                )
            committed.append(env.id)
            next_seq[key] += 1
            await asyncio.sleep(0.005)

    relay.start()
    try:
        await write(150)
        await asyncio.to_thread(kafka_broker.stop)
        await write(150)  # the broker is down: these wait in the outbox
        await asyncio.to_thread(kafka_broker.start)
        await write(100)
        await _drain(relay, timeout_s=120)
    finally:
        await relay.stop()
        await db.dispose()

    messages = await read_topic(bootstrap, contract.topic, expected=len(committed), timeout_s=60)
    seen = [dict(m.headers)["ce_id"].decode() for m in messages]
    assert set(seen) == set(committed), "events were lost or invented"
    for key, seqs in _ids_by_key(messages).items():
        first_seen = list(dict.fromkeys(seqs))
        assert first_seen == list(range(next_seq[key])), key


class Recorded:
    """A real record batch that remembers the values appended to it."""

    def __init__(self, batch: Any) -> None:
        self.batch = batch
        self.values: list[bytes] = []

    def append(self, **record: Any) -> Any:
        appended = self.batch.append(**record)
        if appended is not None:
            self.values.append(record["value"])
        return appended

    def close(self) -> None:
        self.batch.close()


class Faulty:
    """A real transactional producer whose sends of chosen events fail (a batch holding one
    fails whole), or whose commit goes through and then reports an error, as a relay killed
    right after the broker took its batch; or that is dead: it tells the broker nothing more,
    not even to abort its transaction; or that hangs: its commit, abort and stop wait for an
    answer that never comes, as the Kafka client's do after a broker died at the wrong moment."""

    def __init__(self, producer: AIOKafkaProducer, *, fail_seqs: set[int] = frozenset()) -> None:
        self.producer = producer
        self.fail_seqs = set(fail_seqs)
        self.die_after_commit = False
        self.hold_commit: asyncio.Event | None = None
        self.dead = False
        self.hung: asyncio.Event | None = None
        """What a hanging producer's commit, abort and stop wait for (`hang()`)."""

    def hang(self) -> asyncio.Event:
        self.hung = self.hold_commit = asyncio.Event()
        return self.hung

    def __getattr__(self, name: str) -> Any:
        return getattr(self.producer, name)

    def create_batch(self) -> Recorded:
        return Recorded(self.producer.create_batch())

    async def send_batch(self, batch: Recorded, topic: str, **kwargs: Any) -> asyncio.Future[Any]:
        sent = await self.producer.send_batch(batch.batch, topic, **kwargs)
        if any(json.loads(value)["seq"] in self.fail_seqs for value in batch.values):
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(KafkaTimeoutError("the broker did not take this send"))
            return failed
        return sent

    async def commit_transaction(self) -> None:
        if self.hold_commit is not None:
            await self.hold_commit.wait()
        self._check_alive()
        await self.producer.commit_transaction()
        if self.die_after_commit:
            raise ConnectionError("the relay died before it could mark the batch")

    async def abort_transaction(self) -> None:
        if self.hung is not None:
            await self.hung.wait()
        self._check_alive()
        await self.producer.abort_transaction()

    async def stop(self) -> None:
        if self.hung is not None:
            await self.hung.wait()
        await self.producer.stop()

    def _check_alive(self) -> None:
        if self.dead:
            raise ConnectionError("the relay's process is gone")


def faulty_relay(
    db: Database, outbox: Outbox, bootstrap: str, faulty: list[Faulty], **options: Any
) -> OutboxRelay:
    """A relay whose producers are Faulty ones, kept in `faulty` as they are made."""

    def make(identity: str) -> Any:
        faulty.append(Faulty(new_producer(bootstrap, transactional_id=identity)))
        return faulty[-1]

    return OutboxRelay(
        db, outbox, bootstrap_servers=bootstrap, service="test", producer_factory=make, **options
    )


async def leading(relay: OutboxRelay) -> Faulty:
    """The relay's producer, once it leads and has recovered."""
    producer = await relay._ensure_producer()
    assert isinstance(producer, Faulty)
    return producer


async def test_a_failed_send_publishes_nothing_of_its_batch_and_the_retry_each_event_once(
    service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = service
    async with db.transaction() as session:
        await outbox.add(
            session, *(contract.happened(thing_id=k, seq=i) for i in range(5) for k in "abc")
        )
    made: list[Faulty] = []
    relay = faulty_relay(db, outbox, kafka_bootstrap, made)
    try:
        producer = await leading(relay)
        producer.fail_seqs = {2}  # each key's third event
        with pytest.raises(KafkaTimeoutError):
            await relay.publish_batch()
        assert await _backlog(relay) == 15, "a row of a failed transaction was marked published"
        producer.fail_seqs = set()
        assert await relay.publish_batch() == 15
        await relay.wait_marked()
        assert await _backlog(relay) == 0
    finally:
        await relay.stop()

    everything = await read_topic(
        kafka_bootstrap, contract.topic, expected=30, committed_only=False
    )
    assert len(everything) == 30, "the aborted attempt's sends are in the log, not visible"
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=15)
    assert len({dict(m.headers)["ce_id"] for m in messages}) == len(messages) == 15
    assert _ids_by_key(messages) == {k: [0, 1, 2, 3, 4] for k in "abc"}


async def test_a_batch_committed_but_not_marked_is_marked_by_the_next_relay_not_sent_again(
    service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = service
    async with db.transaction() as session:
        await outbox.add(session, *(contract.happened(thing_id="a", seq=i) for i in range(8)))
    made: list[Faulty] = []
    dying = faulty_relay(db, outbox, kafka_bootstrap, made, batch_size=5)
    producer = await leading(dying)
    producer.die_after_commit = True
    with pytest.raises(ConnectionError):
        await dying.publish_batch()
    assert await _backlog(dying) == 8  # the broker has five of them; the database says none
    await dying.leadership.give_up()  # its process is gone; its producer is left as it was

    successor = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test")
    successor.start()
    try:
        await _drain(successor)
    finally:
        await successor.stop()
        await producer.producer.stop()
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=8)
    assert [json.loads(m.value)["seq"] for m in messages] == list(range(8))


async def test_a_relay_that_lost_its_lead_is_fenced_and_publishes_nothing(
    pg_service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = pg_service
    async with db.transaction() as session:
        await outbox.add(session, *(contract.happened(thing_id="a", seq=i) for i in range(4)))
    made: list[Faulty] = []
    zombie = faulty_relay(db, outbox, kafka_bootstrap, made)
    producer = await leading(zombie)
    producer.hold_commit = asyncio.Event()  # it hangs before its commit, as a paused process
    attempt = asyncio.create_task(zombie.publish_batch())
    await asyncio.sleep(1)
    standby = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test")
    standby.start()
    try:
        await asyncio.sleep(2)
        assert await _backlog(standby) == 4, "a second relay published while the first led"
        await zombie.leadership.give_up()  # its database connection died; the standby leads
        await asyncio.sleep(3)  # the standby waits: the zombie's claim holds the rows
        producer.hold_commit.set()
        with pytest.raises(Exception, match=r"(?i)fenced"):
            await attempt
        await _drain(standby)
    finally:
        await standby.stop()
        await zombie.stop()
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=4)
    assert [json.loads(m.value)["seq"] for m in messages] == [0, 1, 2, 3]


async def test_a_broker_that_does_not_take_a_batch_is_reported_within_seconds(
    service: tuple[Database, Contract, Outbox],
    kafka_bootstrap: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db, contract, outbox = service
    async with db.transaction() as session:
        await outbox.add(session, contract.happened(thing_id="a", seq=0))
    made: list[Faulty] = []
    relay = faulty_relay(db, outbox, kafka_bootstrap, made, stall_after_s=0.5)
    stalled = metrics.OUTBOX_RELAY_STALLED.labels("test")
    try:
        producer = await leading(relay)
        producer.hold_commit = asyncio.Event()
        caplog.set_level(logging.INFO, logger="shared.outbox")
        attempt = asyncio.create_task(relay.publish_batch())
        await asyncio.sleep(1.0)
        assert stalled._value.get() == 1
        assert "has not taken a batch" in caplog.text
        producer.hold_commit.set()
        assert await attempt == 1
        assert stalled._value.get() == 0
        assert "takes batches again" in caplog.text
    finally:
        await relay.stop()


async def test_a_transaction_that_never_ends_is_given_up_and_the_next_producer_sends_it_once(
    pg_service: tuple[Database, Contract, Outbox],
    kafka_bootstrap: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, contract, outbox = pg_service
    async with db.transaction() as session:
        await outbox.add(
            session, *(contract.happened(thing_id=k, seq=i) for i in range(3) for k in "ab")
        )
    monkeypatch.setattr("shared.relay.LET_GO_AFTER_S", 0.5)
    made: list[Faulty] = []
    relay = faulty_relay(db, outbox, kafka_bootstrap, made, transaction_timeout_s=5.0)
    hanging = await leading(relay)
    release = hanging.hang()
    caplog.set_level(logging.INFO, logger="shared.relay")
    relay.start()
    try:
        await _drain(relay, timeout_s=20)
    finally:
        await asyncio.wait_for(relay.stop(), 10)  # a relay that waits for its answer never stops
        release.set()
        await hanging.producer.stop()
    assert "the Kafka transaction did not end in 5 s" in caplog.text
    assert "a producer did not stop in 0.5 s; left behind" in caplog.text
    assert len(made) == 2, "the relay should go on with a new producer, and only one"
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=6)
    assert len({dict(m.headers)["ce_id"] for m in messages}) == len(messages) == 6
    assert _ids_by_key(messages) == {k: [0, 1, 2] for k in "ab"}


async def test_one_transaction_carries_several_claims_in_order(
    service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = service
    total = 5 * CLAIMS_PER_TRANSACTION + 3
    async with db.transaction() as session:
        await outbox.add(
            session, *(contract.happened(thing_id=f"k{i % 2}", seq=i) for i in range(total))
        )
    relay = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test", batch_size=5)
    try:
        assert await relay.publish_batch() == 5 * CLAIMS_PER_TRANSACTION
        await relay.wait_marked()
        assert await _backlog(relay) == 3
        assert await relay.publish_batch() == 3
        assert await relay.publish_batch() == 0
    finally:
        await relay.stop()
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=total)
    assert _ids_by_key(messages) == {
        "k0": list(range(0, total, 2)),
        "k1": list(range(1, total, 2)),
    }


async def test_a_transaction_names_few_enough_events_for_its_progress_record(
    service: tuple[Database, Contract, Outbox],
) -> None:
    """A progress record names every event of its transaction and must fit in one Kafka record
    (1 MB): big claims go one to a transaction."""
    db, _contract, outbox = service
    largest = 0
    for batch_size in (1, 500, 1_000, 3_000, 10_000):
        relay = OutboxRelay(db, outbox, bootstrap_servers="", service="t", batch_size=batch_size)
        assert 1 <= relay.claims_per_transaction <= CLAIMS_PER_TRANSACTION
        largest = max(largest, relay.claims_per_transaction * batch_size)
    assert OutboxRelay(db, outbox, bootstrap_servers="", service="t").claims_per_transaction > 1
    _key, value = progress_record("ccn-relay-t", [str(new_id()) for _ in range(largest)])
    assert len(value) < 512 * 1024


@asynccontextmanager
async def _marks_held(db: Database) -> AsyncIterator[int]:
    """No row of the outbox can be marked published (nor added) until the block ends: its
    rows can still be read and claimed. Yields the holding connection's process id."""
    async with db.engine.connect() as connection, connection.begin():
        await connection.execute(text("LOCK TABLE outbox IN SHARE MODE"))
        yield int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _terminate_backends(db: Database, *, sparing: int = 0, only_marking: bool = False) -> int:
    """Close the database connections but `sparing`'s, as a dying process does (or only the
    one marking rows published); how many there were."""
    marking = (
        "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM outbox%'" if only_marking else ""
    )
    async with db.engine.connect() as connection:
        terminated = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND pid <> :sparing " + marking
            ),
            {"sparing": sparing},
        )
    return int(terminated or 0)


async def _marking_waits(db: Database) -> bool:
    async with db.engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM outbox%'"
            )
        )
    return bool(waiting)


async def _add_in_turn(db: Database, outbox: Outbox, contract: Contract, total: int) -> None:
    async with db.transaction() as session:
        await outbox.add(
            session, *(contract.happened(thing_id=f"k{i % 3}", seq=i) for i in range(total))
        )


def _in_turn(total: int) -> dict[str, list[int]]:
    return {f"k{k}": list(range(k, total, 3)) for k in range(3)}


async def test_a_batch_commits_only_after_the_one_before_is_marked_and_a_crash_repeats_nothing(
    pg_service: tuple[Database, Contract, Outbox],
    kafka_bootstrap: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db, contract, outbox = pg_service
    per_transaction = 5 * CLAIMS_PER_TRANSACTION
    total = 3 * per_transaction
    await _add_in_turn(db, outbox, contract, total)
    made: list[Faulty] = []
    dying = faulty_relay(db, outbox, kafka_bootstrap, made, batch_size=5)
    producer = await leading(dying)
    async with _marks_held(db) as holder:
        assert await dying.publish_batch() == per_transaction
        second = asyncio.create_task(dying.publish_batch())
        assert await wait_until(lambda: _marking_waits(db))
        await asyncio.sleep(1.0)
        assert not second.done(), "a batch committed before the one before it was marked"
        visible = await read_topic(kafka_bootstrap, contract.topic, expected=per_transaction)
        assert len(visible) == per_transaction
        assert await _backlog(dying) == total
        # The relay's process dies: its connections close, its producer says nothing more.
        producer.dead = True
        assert await _terminate_backends(db, sparing=holder) >= 2
    with pytest.raises(Exception):  # noqa: B017 - whatever a dead process would have seen
        await second
    await dying.leadership.give_up()

    caplog.set_level(logging.INFO, logger="shared.relay")
    successor = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test")
    successor.start()
    try:
        await _drain(successor)
    finally:
        await successor.stop()
        await producer.producer.stop()
    assert f"marked {per_transaction} events published by a transaction" in caplog.text
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=total)
    assert len({dict(m.headers)["ce_id"] for m in messages}) == len(messages) == total
    assert _ids_by_key(messages) == _in_turn(total)


async def test_a_batch_whose_marking_failed_is_marked_by_recovery_and_the_next_one_aborted(
    pg_service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    db, contract, outbox = pg_service
    per_transaction = 5 * CLAIMS_PER_TRANSACTION
    total = 3 * per_transaction
    await _add_in_turn(db, outbox, contract, total)
    relay = OutboxRelay(db, outbox, bootstrap_servers=kafka_bootstrap, service="test", batch_size=5)
    try:
        async with _marks_held(db):
            assert await relay.publish_batch() == per_transaction
            second = asyncio.create_task(relay.publish_batch())
            assert await wait_until(lambda: _marking_waits(db))
            assert await _terminate_backends(db, only_marking=True) == 1
        with pytest.raises(Exception, match=r"(?i)terminat|connection"):
            await second
        assert await _backlog(relay) == total
        relay.start()
        await _drain(relay)
    finally:
        await relay.stop()
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=total)
    assert len({dict(m.headers)["ce_id"] for m in messages}) == len(messages) == total
    assert _ids_by_key(messages) == _in_turn(total)


async def test_an_event_committed_late_is_published_before_later_events_of_its_aggregate(
    pg_service: tuple[Database, Contract, Outbox], kafka_bootstrap: str
) -> None:
    """A writer's transaction takes its row's seq, and commits only after the relay has
    claimed newer rows: the aggregate's next event must not overtake it."""
    db, contract, outbox = pg_service
    happened = contract.happened
    async with db.transaction() as session:
        await outbox.add(session, *(happened(thing_id="b", seq=i) for i in range(3)))
    async with db.sessions() as late, late.begin():
        await outbox.add(late, happened(thing_id="a", seq=0))
        async with db.transaction() as session:
            await outbox.add(session, *(happened(thing_id="b", seq=i) for i in range(3, 6)))
        made: list[Faulty] = []
        relay = faulty_relay(db, outbox, kafka_bootstrap, made, batch_size=10)
        producer = await leading(relay)
        producer.hold_commit = asyncio.Event()
        first = asyncio.create_task(relay.publish_batch())  # the six rows of "b"
        await asyncio.sleep(0.5)
    try:
        async with db.transaction() as session:
            await outbox.add(session, happened(thing_id="a", seq=1))
        producer.hold_commit.set()
        assert await first == 6
        with pytest.raises(RowsLeftBehind):
            await relay.publish_batch()  # it had claimed a's second event, not its first
        assert await relay.publish_batch() == 2
        await relay.wait_marked()
        assert await _backlog(relay) == 0
    finally:
        await relay.stop()
    messages = await read_topic(kafka_bootstrap, contract.topic, expected=8)
    assert _ids_by_key(messages) == {"a": [0, 1], "b": list(range(6))}
