"""The reporting database: projections of the other services' events, thrown away and rebuilt
from the events at will. It holds no fact of its own."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.columns import Hectares, located, moment
from shared.db import new_metadata
from shared.tables import BigId, add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

# Every registry event about a cluster, as the day it took effect and what it says: a
# cluster on any date is these facts folded up to that date.
cluster_facts = Table(
    "cluster_facts",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("cluster_id", String(36), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("data", Text, nullable=False),
    moment("recorded_at"),
    Index("ix_cluster_facts_cluster", "cluster_id", "effective_on"),
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    *located(commune_required=False),
    Index("ix_clusters_province", "province_code", "name"),
)

tenancies = Table(
    "tenancies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cluster_id", String(36), nullable=False),
    Column("facility_id", String(36), nullable=False),
    Column("leased_area_ha", Hectares, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("relocation", Boolean, nullable=False),
    Index("ix_tenancies_cluster", "cluster_id", "start_date"),
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("enterprise_id", String(36), nullable=False),
    Column("name", String(300), nullable=False),
    *located(commune_required=True),
    Column("workers", Integer, nullable=False),
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
)

# Each facility's history across the agencies: one line per event that concerns it.
facility_timeline = Table(
    "facility_timeline",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False),
    Column("facility_id", String(36), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("agency", String(30), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("summary", Text, nullable=False),
    UniqueConstraint("event_id", "facility_id"),
    Index("ix_facility_timeline_facility", "facility_id", "occurred_on"),
)
