"""Prometheus metrics of every service: HTTP, events, outbox, consumers, dead letters."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "ccn_http_requests_total",
    "HTTP requests handled, by route template, method and status.",
    ["service", "route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "ccn_http_request_duration_seconds",
    "HTTP request latency by route template and method.",
    ["service", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "ccn_events_published_total", "Events the outbox relay published, by type.", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "ccn_events_consumed_total",
    "Events a consumer applied (duplicates excluded), by type.",
    ["consumer", "type"],
)
EVENTS_DUPLICATE = Counter(
    "ccn_events_duplicate_total",
    "Redelivered events the inbox recognised and skipped, by type.",
    ["consumer", "type"],
)
EVENTS_FAILED = Counter(
    "ccn_events_failed_total",
    "Event handling attempts that failed, by type and kind (transient, permanent, undecodable).",
    ["consumer", "type", "kind"],
)
DLQ_MESSAGES = Counter(
    "ccn_dlq_messages_total",
    "Messages sent to a dead-letter topic, by source topic and reason.",
    ["consumer", "topic", "reason"],
)
COMMANDS_RUN_AGAIN = Counter(
    "ccn_commands_run_again_total",
    "Commands whose optimistic attempt could not commit, run again under locks, by command and "
    "reason (conflict: a row changed since it was read; lock: a row read to change is not saved).",
    ["service", "command", "reason"],
)
OUTBOX_BACKLOG = Gauge("ccn_outbox_backlog", "Outbox rows not yet published.", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "ccn_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none).",
    ["service"],
)
OUTBOX_PUBLISH_ERRORS = Counter(
    "ccn_outbox_publish_errors_total", "Relay batches that failed to publish.", ["service"]
)
OUTBOX_RELAY_STALLED = Gauge(
    "ccn_outbox_relay_stalled",
    "1 while the broker has not taken the relay's batch for longer than its stall threshold.",
    ["service"],
)
CONSUMER_LAG = Gauge(
    "ccn_consumer_lag",
    "Messages between a consumer's position and the partition's end.",
    ["consumer", "topic", "partition"],
)
PROJECTION_STALENESS = Gauge(
    "ccn_projection_staleness_seconds",
    "Seconds between now and the time of the last event a consumer applied, by topic.",
    ["consumer", "topic"],
)
REBUILD_EVENTS = Gauge(
    "ccn_rebuild_events",
    "A live rebuild's events: read so far (done) and to read (total); 0 when none runs.",
    ["service", "kind"],
)


def count_applied(consumer: str, topic: str, event_type: str, happened: datetime) -> None:
    """A consumer applied an event of `topic` that happened at `happened`."""
    EVENTS_CONSUMED.labels(consumer, event_type).inc()
    PROJECTION_STALENESS.labels(consumer, topic).set(
        max(0.0, (datetime.now(UTC) - happened).total_seconds())
    )


def count_applied_together(consumer: str, applied: Sequence[tuple[str, str, datetime]]) -> None:
    """A consumer applied these events (topic, type, when each happened) in this order, in one
    transaction: the same counts and staleness as `count_applied` for each in turn, for a
    few label lookups per batch instead of two per event."""
    for event_type, count in Tally(event_type for _, event_type, _ in applied).items():
        EVENTS_CONSUMED.labels(consumer, event_type).inc(count)
    last = {topic: happened for topic, _, happened in applied}
    now = datetime.now(UTC)
    for topic, happened in last.items():
        PROJECTION_STALENESS.labels(consumer, topic).set(max(0.0, (now - happened).total_seconds()))
