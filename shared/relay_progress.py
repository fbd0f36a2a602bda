"""What an outbox relay has published, kept in Kafka inside the relay's own transactions.

Each batch a relay publishes goes in one Kafka transaction together with a progress record:
the ids of the batch's events, keyed by the relay's identity, on `ccn.<service>.outbox-progress`
(one partition, compacted). The relay marks the rows published in its database after the
transaction commits; if it dies in between, the next relay of that database — whose producer
fences the dead one's and settles any transaction it left open — reads the last committed
progress record and marks those rows before it claims any. A reader of committed records so
sees each event once. The record names events by id, so a database recreated at the same
address marks nothing that is not its own.
"""

from __future__ import annotations

import hashlib
import json

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.engine import URL

PROGRESS_CONFIG = {"cleanup.policy": "compact"}
"""The last record of each relay is all that recovery reads."""


def progress_topic(service: str) -> str:
    return f"ccn.{service}.outbox-progress"


def relay_identity(service: str, database: URL) -> str:
    """The transactional id that every relay of one outbox database shares: a newer one
    fences an older one, and each finds the other's progress."""
    where = database.render_as_string(hide_password=True)
    return f"ccn-{service}-relay-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def progress_record(identity: str, event_ids: list[str]) -> tuple[bytes, bytes]:
    """The key and value of the record that says a transaction published `event_ids`."""
    return identity.encode(), json.dumps({"event_ids": event_ids}).encode()


async def last_published(bootstrap_servers: str, topic: str, identity: str) -> list[str]:
    """The event ids of this relay identity's last committed transaction (none: [])."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        client_id=f"{identity}-recovery",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await reader.start()
    try:
        tp = TopicPartition(topic, 0)
        reader.assign([tp])
        start = (await reader.beginning_offsets([tp]))[tp]
        upto = (await reader.end_offsets([tp]))[tp]
        window = 64
        while upto > start:
            since = max(start, upto - window)
            found = await _last_of(reader, tp, identity.encode(), since, upto)
            if found is not None:
                return list(json.loads(found)["event_ids"])
            upto, window = since, window * 4
        return []
    finally:
        await reader.stop()


async def _last_of(
    reader: AIOKafkaConsumer, tp: TopicPartition, key: bytes, since: int, upto: int
) -> bytes | None:
    """The value of the last record of `key` in offsets [since, upto) (None: there is none)."""
    reader.seek(tp, since)
    last = None
    while await reader.position(tp) < upto:
        fetched = (await reader.getmany(tp, timeout_ms=1000)).get(tp, [])
        if not fetched:
            break  # only transaction markers are left before `upto`
        for record in fetched:
            if record.offset < upto and record.key == key:
                last = record.value
    return last
