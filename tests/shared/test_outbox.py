"""The outbox relay against a real broker and real databases."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict

import pytest

from shared.db import Database
from shared.localinfra import KafkaBroker
from shared.outbox import Outbox, OutboxRelay
from tests.kafka_tools import Contract, make_contract, read_topic, setup_service_db, wait_until


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


@pytest.fixture
async def service(database_url: str, kafka_bootstrap: str):
    contract = make_contract()
    db = Database(database_url)
    await setup_service_db(db, contract, kafka_bootstrap)
    yield db, contract, Outbox(contract.tables.outbox)
    await db.dispose()


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

    messages = await read_topic(kafka_bootstrap, contract.topic, expected=3)
    assert [dict(m.headers)["ce_id"].decode() for m in messages] == [e.id for e in committed]
    first = dict(messages[0].headers)
    assert first["ce_type"] == contract.happened.type_name().encode()
    assert first["ce_source"] == b"/ccn/test"
    assert first["ce_subject"] == b"a" and messages[0].key == b"a"
    assert first["ce_specversion"] == b"1.0"
    assert first["content-type"] == b"application/json"
    assert json.loads(messages[0].value) == {"thing_id": "a", "seq": 0, "note": ""}


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
    postgres_url: str, kafka_bootstrap: str
) -> None:
    contract = make_contract()
    db = Database(postgres_url)
    await setup_service_db(db, contract, kafka_bootstrap)
    outbox = Outbox(contract.tables.outbox)
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
        await db.dispose()

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
