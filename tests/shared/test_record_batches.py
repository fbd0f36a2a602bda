"""Record batches the relay builds itself, through the real broker: each record lands where the
producer's own `send` puts it, in the same order, also when a partition's records fill several
batches."""

from __future__ import annotations

import uuid

from shared.kafka import ensure_topics, new_producer
from shared.record_batches import Partitions, RecordBatches
from tests.kafka_tools import read_topic

KEYS = [f"cluster-{k}".encode() for k in range(7)]


def _records(n: int, size: int) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    return [
        (KEYS[i % len(KEYS)], f"{i:06d}".encode() + b"x" * size, [("ce_id", str(i).encode())])
        for i in range(n)
    ]


def _by_partition(messages: list) -> dict[int, list[tuple[bytes, bytes, list]]]:  # type: ignore[type-arg]
    found: dict[int, list[tuple[bytes, bytes, list]]] = {}  # type: ignore[type-arg]
    for m in messages:
        found.setdefault(m.partition, []).append((m.key, m.value, list(m.headers)))
    return found


async def test_batched_records_land_where_send_puts_them_in_the_same_order(
    kafka_bootstrap: str,
) -> None:
    sent_one_by_one, batched = (f"ccn.test.batches-{uuid.uuid4().hex[:8]}" for _ in range(2))
    await ensure_topics(kafka_bootstrap, [sent_one_by_one, batched], with_dlq=False)
    # 4 kB a record: a partition's share of 420 fills its 256 kB batch and starts another.
    records = _records(420, 4096)
    producer = new_producer(kafka_bootstrap)
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send(sent_one_by_one, key=key, value=value, headers=headers)
        batches = RecordBatches(producer, Partitions())
        await batches.know([batched])
        for i, (key, value, headers) in enumerate(records):
            batches.add(batched, key, value, headers)
            if i == 99:
                await batches.send_full()  # none full yet: the full ones go with the rest
        sent = await batches.send_all()
        await producer.flush()
        for future in sent:
            await future
    finally:
        await producer.stop()

    expected = _by_partition(await read_topic(kafka_bootstrap, sent_one_by_one, expected=420))
    got = _by_partition(await read_topic(kafka_bootstrap, batched, expected=420))
    assert got == expected
    assert len(got) > 1
    assert len(sent) > len(got), "no partition filled a batch"


def test_the_partitions_remembered_are_forgotten_past_their_limit() -> None:
    partitions = Partitions()
    first = partitions.of("t", [0, 1, 2], b"a")
    assert partitions.of("t", [0, 1, 2], b"a") == first
    assert partitions.of("t", [0, 1, 2, 3, 4, 5], b"a") in range(6)
    assert len(partitions._seen) == 2
