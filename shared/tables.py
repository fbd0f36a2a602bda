"""The platform's own tables in every service database: outbox, inbox, dead letters, idempotency."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shared.columns import moment

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    idempotency_keys: Table


def add_platform_tables(metadata: MetaData) -> PlatformTables:
    """Define the outbox, inbox, dead-letter and idempotency tables on a service's metadata."""
    return PlatformTables(
        outbox=_outbox(metadata),
        inbox=_inbox(metadata),
        dead_letters=_dead_letters(metadata),
        idempotency_keys=_idempotency_keys(metadata),
    )


def _outbox(metadata: MetaData) -> Table:
    # Column names follow Debezium's outbox event router (id, aggregatetype, aggregateid,
    # type, payload), so a switch from this polling relay to log-based CDC changes nothing.
    return Table(
        "outbox",
        metadata,
        Column("seq", BigId, primary_key=True, autoincrement=True),
        Column("id", String(36), nullable=False, unique=True),
        Column("aggregatetype", String(100), nullable=False),
        Column("aggregateid", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", Text, nullable=False),
        moment("created_at"),
        moment("published_at", nullable=True),
        Index(
            "ix_outbox_unpublished",
            "seq",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        Index("ix_outbox_aggregateid_seq", "aggregateid", "seq"),
    )


def _inbox(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        moment("processed_at"),
    )


def _dead_letters(metadata: MetaData) -> Table:
    return Table(
        "dead_letters",
        metadata,
        Column("seq", BigId, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("key", String(200), nullable=True),
        Column("event_id", String(100), nullable=True),
        Column("event_type", String(200), nullable=True),
        Column("status", String(20), nullable=False),
        Column("reason", String(40), nullable=False),
        Column("error", Text, nullable=False),
        Column("headers", Text, nullable=False),
        Column("value", Text, nullable=True),
        moment("created_at"),
        moment("resolved_at", nullable=True),
        UniqueConstraint("consumer", "topic", "partition", "offset"),
        Index("ix_dead_letters_consumer_key_status", "consumer", "key", "status"),
    )


def _idempotency_keys(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("subject", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", Text, nullable=False),
        Column("permits", Text, nullable=False, server_default="[]"),
        moment("created_at"),
    )
