"""The reporting database: projections of the other services' events, thrown away and rebuilt
from the events at will. It holds no fact of its own."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
from shared.generations import add_generations_table
from shared.tables import BigId, add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)
generations = add_generations_table(metadata)
"""Which generation of these tables serves; read in the database's own schema only."""

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

# What a province report counts besides its clusters, each row as its event dated it.
relocations = Table(
    "relocations",
    metadata,
    Column("facility_id", String(36), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("cluster_id", String(36), nullable=False),
    Column("relocation_date", Date, nullable=False),
)

pollution_decisions = Table(
    "pollution_decisions",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("facility_id", String(36), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("classified", Boolean, nullable=False),
    Column("decided_on", Date, nullable=False),
    Index("ix_pollution_decisions_province", "province_code", "decided_on"),
)

report_rows = Table(
    "report_rows",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False),
    Column("cluster_id", String(36), nullable=False),
    Column("facility_id", String(36), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("production_value_vnd", BigInteger, nullable=False),
    Column("workers", Integer, nullable=False),
    Column("budget_paid_vnd", BigInteger, nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("late", Boolean, nullable=False),
    UniqueConstraint("event_id", "facility_id"),
    Index("ix_report_rows_province_period", "province_code", "period"),
)

statistics = Table(
    "statistics",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("year", Integer, nullable=False),
    Column("area", String(200), nullable=False),
    Column("small_industry_output_vnd", BigInteger, nullable=False),
    Column("cluster_ids", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),
)

placements = Table(
    "placements",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("outcome", String(20), nullable=True),
)

dossier_steps = Table(
    "dossier_steps",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("dossier_id", String(36), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("done_on", Date, nullable=False),
    Column("next_step", String(30), nullable=True),
    Column("next_due_on", Date, nullable=True),
    Index("ix_dossier_steps_dossier", "dossier_id", "done_on"),
)

# The environment department's inspections and violations, and the khuyến công centre's money
# movements, each with the day its event gives.
inspections = Table(
    "inspections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("facility_id", String(36), nullable=True),
    Column("scheduled_on", Date, nullable=False),
    Column("carried_out_on", Date, nullable=True),
    Column("outcome", String(30), nullable=True),
    Index("ix_inspections_province", "province_code", "carried_out_on"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("facility_id", String(36), nullable=True),
    Column("detected_on", Date, nullable=False),
    Column("remediation_deadline", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closed_as", String(20), nullable=True),
    Index("ix_violations_province", "province_code", "detected_on"),
)

project_movements = Table(
    "project_movements",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("project_id", String(36), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("funding_source", String(20), nullable=False),
    Column("content_group", String(60), nullable=False),
    Column("facility_id", String(36), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("happened_on", Date, nullable=False),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("counterpart_vnd", BigInteger, nullable=False),
    Column("outputs", Text, nullable=True),
    Index("ix_project_movements_province", "province_code", "happened_on"),
)
