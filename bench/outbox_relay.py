"""Outbox relay throughput against a bare aiokafka producer, in one run on one broker.

    .venv/bin/python bench/outbox_relay.py [--events 100000] [--batch-size 500] [--rounds 5]

Starts a throwaway PostgreSQL and Kafka broker. In each of `--rounds` rounds it commits N
events into the outbox, times the relay publishing them all (a Kafka transaction per few
claims of a batch each, with its progress record, then the rows marked) and times a bare
idempotent producer (same settings, keys, headers and payloads) sending the same N, the two
in turn, the one first in a round going second in the next. A send of N takes a second or two,
and the machine's speed drifts by more than the relay's margin within a minute, so each round
compares sends made moments apart: it prints each round's rates and ratio, and their medians.
Compare ratios, not absolute figures, across machines.

Each round starts from an empty outbox table. Marking a row published deletes it, and until
autovacuum passes, the index entries of deleted rows stay for each claim to step over. Rounds
that followed one another within seconds on one table measured the relay a fifth slower in the
second round and nearly a third in the fifth, over 400,000 deleted rows: a service taking 200
writes a second deletes as many in half an hour, and autovacuum, which looks every minute,
clears them long before.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

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


async def fill_outbox(db: Database, outbox: Outbox, events: range) -> float:
    started = time.perf_counter()
    chunk = 2000
    for first in range(events.start, events.stop, chunk):
        async with db.transaction() as session:
            last = min(events.stop, first + chunk)
            await outbox.add(session, *(sample(i) for i in range(first, last)))
        if (first // chunk) % 10 == 9:
            progress("outbox rows committed", last - events.start, len(events), started)
    return time.perf_counter() - started


async def time_relay(relay: OutboxRelay, n: int) -> float:
    """How long the (connected) relay takes to publish the n events waiting in the outbox."""
    started = time.perf_counter()
    published = 0
    last_report = started
    while published < n:
        published += await relay.publish_batch()
        if time.perf_counter() - last_report > 5:
            progress("relay published", published, n, started)
            last_report = time.perf_counter()
    await relay.wait_marked()  # the last batch's rows are marked in the background
    return time.perf_counter() - started


async def time_bare_producer(bootstrap: str, topic: str, events: range) -> float:
    envelopes = [Envelope.wrap(sample(i)) for i in events]
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


async def measure(broker: KafkaBroker, pg: PostgresServer, n: int, batch: int, rounds: int) -> None:
    db = Database(pg.url(pg.create_database()))
    metadata = new_metadata()
    outbox = Outbox(add_platform_tables(metadata).outbox)
    await db.create_all(metadata)
    topic = TenancyStartedSample.topic()
    await ensure_topics(broker.bootstrap, [topic, topic + ".bare"], with_dlq=False)
    relay = OutboxRelay(
        db,
        outbox,
        bootstrap_servers=broker.bootstrap,
        service="bench",
        batch_size=batch,
        poll_interval_s=0.05,
    )
    await relay._ensure_producer()  # connected before the clock starts, as the bare producer is
    settle()  # the interpreter as `ccn serve` sets it up, for both

    fill_s = 0.0
    relay_rates: list[float] = []
    bare_rates: list[float] = []
    for r in range(rounds):
        events = range(r * n, (r + 1) * n)
        async with db.transaction() as session:
            await session.execute(text(f"TRUNCATE {outbox.table.name}"))
        fill_s += await fill_outbox(db, outbox, events)
        if r % 2 == 0:
            relay_s = await time_relay(relay, n)
            bare_s = await time_bare_producer(broker.bootstrap, topic + ".bare", events)
        else:
            bare_s = await time_bare_producer(broker.bootstrap, topic + ".bare", events)
            relay_s = await time_relay(relay, n)
        relay_rates.append(n / relay_s)
        bare_rates.append(n / bare_s)
        print(
            f"  round {r + 1}: relay {relay_rates[-1]:,.0f}/s, bare {bare_rates[-1]:,.0f}/s,"
            f" ratio {relay_rates[-1] / bare_rates[-1]:.2f}",
            flush=True,
        )
    await relay.stop()
    await db.dispose()

    ratios = [relay / bare for relay, bare in zip(relay_rates, bare_rates, strict=True)]
    print()
    print(f"events a round              {n:>12,}   ({rounds} rounds, relay batch size {batch})")
    print(f"outbox insert (committed)   {n * rounds / fill_s:>12,.0f} events/s")
    print(
        f"outbox relay -> Kafka       {statistics.median(relay_rates):>12,.0f} events/s   (median)"
    )
    print(
        f"bare aiokafka producer      {statistics.median(bare_rates):>12,.0f} events/s   (median)"
    )
    print(
        f"relay / bare                {statistics.median(ratios):>12.2f}   (median;"
        f" rounds {', '.join(f'{ratio:.2f}' for ratio in ratios)})"
    )


def main(n: int, batch: int, rounds: int) -> None:
    with throwaway_servers("bench") as (broker, pg):
        asyncio.run(measure(broker, pg, n, batch, rounds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    main(args.events, args.batch_size, args.rounds)
