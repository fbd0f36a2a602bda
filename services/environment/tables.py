"""The environment database: limit tables, inspections and their samples, violations,
facilities' classification, and the registry's facilities as a local read model."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Table, Text

from services.environment.domain import ExceedanceBand, InspectionStatus, ViolationStatus
from shared.columns import (
    Choice,
    DecimalText,
    JsonList,
    located,
    moment,
    record_id,
    reference,
    versioned,
)
from shared.db import new_metadata
from shared.events.environment import (
    InspectionKind,
    InspectionOutcome,
    InspectionSubject,
    PollutionSeverity,
    ViolationKind,
)
from shared.events.registry import TreatmentPlantStatus
from shared.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

limit_tables = Table(
    "limit_tables",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("regulation", String(300), nullable=False),
    Column("title", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("province_code", String(2), nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("existing_until", Date, nullable=True),
    Column("description", Text, nullable=False),
    Column("uses_factors", Boolean, nullable=False),
    Column("kq_range", JsonList, nullable=True),
    Column("kf_range", JsonList, nullable=True),
    Column("columns", JsonList, nullable=False),
    Column("limits", JsonList, nullable=False),
    moment("created_at"),
    Index("ix_limit_tables_kind_from", "kind", "effective_from", "id"),
)

facilities = Table(
    "facilities",
    metadata,
    record_id(),
    Column("name", String(300), nullable=False),
    *located(commune_required=False),
    Column("sector", String(200), nullable=False),
    Column("cluster_id", String(36), nullable=True),
    Column("registered_on", Date, nullable=False),
    Column("located_on", Date, nullable=True),
    moment("updated_at"),
)

clusters = Table(
    "clusters",
    metadata,
    record_id(),
    Column("name", String(300), nullable=False),
    *located(commune_required=False),
    Column("treatment_plant", Choice(TreatmentPlantStatus, 20), nullable=False),
    Column("treatment_capacity_m3_per_day", Integer, nullable=True),
    Column("infrastructure_reported_on", Date, nullable=True),
    moment("updated_at"),
)
"""The registry's clusters as its events describe them: where, and their treatment plant."""

province_rules = Table(
    "province_rules",
    metadata,
    Column("id", String(2), primary_key=True),
    Column("remediation_days_serious", Integer, nullable=False),
    Column("remediation_days_exceedance", Integer, nullable=False),
    Column("remediation_days_finding", Integer, nullable=False),
    Column("serious_ratio", DecimalText(), nullable=False),
    Column("repeat_inspections", Integer, nullable=False),
    Column("repeat_window_months", Integer, nullable=False),
    *versioned(),
)
"""A province's own classification rule and remediation times (the id is its code); a
province without a row follows the platform's defaults (settings)."""

early_moves = Table(
    "early_moves",
    metadata,
    Column("facility_id", String(36), primary_key=True),
    Column("cluster_id", String(36), nullable=True),
    Column("located_on", Date, nullable=False),
)
"""Moves (tenancies) that arrived before their facility's registration: tenancies and
registrations travel on different topics. Applied when the registration comes."""

classifications = Table(
    "classifications",
    metadata,
    record_id(),
    *located(commune_required=False),
    Column("severity", Choice(PollutionSeverity), nullable=True),
    Column("relocation_priority", Integer, nullable=True),
    Column("classified_on", Date, nullable=True),
    Column("declassified_on", Date, nullable=True),
    Column("inspection_id", String(36), nullable=True),
    Column("reasons", JsonList, nullable=False),
    Column("decided_by_hand", Boolean, nullable=False),
    *versioned(),
)

inspections = Table(
    "inspections",
    metadata,
    record_id(),
    Column("facility_id", String(36), nullable=True),
    *located(commune_required=False),
    Column("cluster_id", String(36), nullable=True),
    Column("subject", Choice(InspectionSubject, 20), nullable=False, server_default="facility"),
    Column("scheduled_on", Date, nullable=False),
    Column("kind", Choice(InspectionKind), nullable=False),
    Column("team", String(300), nullable=False),
    Column("operating_since", Date, nullable=False),
    Column("status", Choice(InspectionStatus, 20), nullable=False),
    Column("outcome", Choice(InspectionOutcome), nullable=True),
    Column("carried_out_on", Date, nullable=True),
    Column("findings", JsonList, nullable=False),
    *versioned(),
    Index("ix_inspections_province_scheduled", "province_code", "scheduled_on", "id"),
    Index("ix_inspections_facility", "facility_id", "scheduled_on"),
)

samples = Table(
    "samples",
    metadata,
    record_id(),
    reference("inspection_id", "inspections.id"),
    Column("parameter", String(40), nullable=False),
    Column("value", DecimalText(), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("sampled_on", Date, nullable=False),
    Column("discharge_point", String(300), nullable=False),
    Column("column", String(10), nullable=False),
    Column("condition", String(300), nullable=True),
    Column("kq", DecimalText(), nullable=True),
    Column("kf", DecimalText(), nullable=True),
    Column("regulation", String(300), nullable=False),
    Column("table_id", String(100), nullable=False),
    Column("limit_max", DecimalText(), nullable=True),
    Column("limit_min", DecimalText(), nullable=True),
    Column("factors_applied", Boolean, nullable=False),
    Column("exceeded", Boolean, nullable=False),
    Column("exceedance_ratio", DecimalText(), nullable=False),
    Column("band", Choice(ExceedanceBand, 20), nullable=True),
    moment("created_at"),
    Index("ix_samples_inspection", "inspection_id"),
)

violations = Table(
    "violations",
    metadata,
    record_id(),
    reference("inspection_id", "inspections.id"),
    Column("facility_id", String(36), nullable=True),
    Column("cluster_id", String(36), nullable=True),
    Column("subject", Choice(InspectionSubject, 20), nullable=False, server_default="facility"),
    *located(commune_required=False),
    Column("kind", Choice(ViolationKind), nullable=False),
    Column("description", Text, nullable=False),
    Column("parameter", String(40), nullable=True),
    Column("exceedance_ratio", DecimalText(), nullable=True),
    Column("detected_on", Date, nullable=False),
    Column("remediation_deadline", Date, nullable=False),
    Column("status", Choice(ViolationStatus, 20), nullable=False),
    Column("remediated_on", Date, nullable=True),
    Column("evidence", Text, nullable=True),
    Column("escalated_on", Date, nullable=True),
    Column("escalation_reason", Text, nullable=True),
    *versioned(),
    Index("ix_violations_province_status", "province_code", "status", "remediation_deadline"),
    Index("ix_violations_facility", "facility_id", "status"),
)
