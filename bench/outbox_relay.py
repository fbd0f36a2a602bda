"""Outbox relay throughput against a bare aiokafka producer, in one run on one broker.

    .venv/bin/python bench/outbox_relay.py [--events 100000] [--batch-size 500]

Starts a throwaway PostgreSQL and Kafka broker, commits N events into the outbox, times the
relay publishing them all (a Kafka transaction per few claims of a batch each, with its
progress record, then the rows marked), then times a bare idempotent producer (same settings,
keys, headers and payloads) sending the same N. Prints both rates and their ratio; compare
ratios, not absolute figures, across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.db import Database, new_metadata
from shared.events import Envelope, Event
from shared.interpreter import settle
from shared.kafka import ensure_topics, new_producer
from shared.localinfra import KafkaBroker, PostgresServer
from shared.outbox import Outbox
from shared.relay import OutboxRelay
from shared.tables import add_platform_tables
from shared.throwaway import throwaway_servers


class TenancyStartedSample(Event, service="bench", aggregate="cluster", subject="cluster_id"):
    """A representative event: ids, codes, an area, an amount, a date."""

    cluster_id: str
    facility_id: str
    province_code: str
    leased_area_ha: str
    rent_vnd: int
    start_date: str


def sample(i: int) -> TenancyStartedSample:
    return TenancyStartedSample(
        cluster_id=f"cluster-{i % 500:04d}",
        facility_id=f"facility-{i:07d}",
        province_code="14",
        leased_area_ha="1.2500",
        rent_vnd=125_000_000 + i,
        start_date="2025-07-01",
    )


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"  {label}: {done:>7}/{total} ({rate:,.0f}/s)", flush=True)


async def fill_outbox(db: Database, outbox: Outbox, n: int) -> float:
    started = time.perf_counter()
    chunk = 2000
    for first in range(0, n, chunk):
        async with db.transaction() as session:
            await outbox.add(session, *(sample(i) for i in range(first, min(n, first + chunk))))
        if (first // chunk) % 10 == 9:
            progress("outbox rows committed", min(n, first + chunk), n, started)
    return time.perf_counter() - started


async def time_relay(db: Database, outbox: Outbox, bootstrap: str, n: int, batch: int) -> float:
    relay = OutboxRelay(
        db,
        outbox,
        bootstrap_servers=bootstrap,
        service="bench",
        batch_size=batch,
        poll_interval_s=0.05,
    )
    await relay._ensure_producer()  # connect before the clock starts, as the bare producer does
    started = time.perf_counter()
    published = 0
    last_report = started
    while published < n:
        published += await relay.publish_batch()
        if time.perf_counter() - last_report > 5:
            progress("relay published", published, n, started)
            last_report = time.perf_counter()
    await relay.wait_marked()  # the last batch's rows are marked in the background
    elapsed = time.perf_counter() - started
    await relay.stop()
    return elapsed


async def time_bare_producer(bootstrap: str, topic: str, n: int) -> float:
    envelopes = [Envelope.wrap(sample(i)) for i in range(n)]
    records = [(e.key, e.value(), e.headers()) for e in envelopes]
    producer = new_producer(bootstrap, client_id="bench-bare")
    await producer.start()
    started = time.perf_counter()
    futures = []
    for key, value, headers in records:
        futures.append(await producer.send(topic, value=value, key=key, headers=headers))
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return elapsed


async def measure(broker: KafkaBroker, pg: PostgresServer, n: int, batch: int) -> None:
    db = Database(pg.url(pg.create_database()))
    metadata = new_metadata()
    outbox = Outbox(add_platform_tables(metadata).outbox)
    await db.create_all(metadata)
    topic = TenancyStartedSample.topic()
    await ensure_topics(broker.bootstrap, [topic, topic + ".bare"], with_dlq=False)

    fill_s = await fill_outbox(db, outbox, n)
    settle()  # the interpreter as `ccn serve` sets it up, for both
    relay_s = await time_relay(db, outbox, broker.bootstrap, n, batch)
    bare_s = await time_bare_producer(broker.bootstrap, topic + ".bare", n)
    await db.dispose()

    relay_rate, bare_rate = n / relay_s, n / bare_s
    print()
    print(f"events                      {n:>12,}   (relay batch size {batch})")
    print(f"outbox insert (committed)   {n / fill_s:>12,.0f} events/s")
    print(f"outbox relay -> Kafka       {relay_rate:>12,.0f} events/s   ({relay_s:.2f} s)")
    print(f"bare aiokafka producer      {bare_rate:>12,.0f} events/s   ({bare_s:.2f} s)")
    print(f"relay / bare                {relay_rate / bare_rate:>12.2f}")


def main(n: int, batch: int) -> None:
    with throwaway_servers("bench") as (broker, pg):
        asyncio.run(measure(broker, pg, n, batch))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    main(args.events, args.batch_size)
