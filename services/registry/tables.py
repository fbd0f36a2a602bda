"""The registry database: clusters and their procedure dossiers, enterprises, facilities,
tenancies, relocation candidates, placement applications and the criteria that rank them,
tenants' periodic reports and the provinces' output statistics."""

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

from services.registry.domain import PlacementStatus
from shared.columns import (
    Choice,
    Hectares,
    JsonList,
    located,
    moment,
    named,
    record_id,
    reference,
    versioned,
)
from shared.db import new_metadata
from shared.events.environment import PollutionSeverity
from shared.events.registry import (
    ClusterStatus,
    Coverage,
    DossierKind,
    DossierOutcome,
    DossierStep,
    EnterpriseKind,
    PlacementPurpose,
    TreatmentPlantStatus,
)
from shared.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

clusters = Table(
    "clusters",
    metadata,
    record_id(),
    *named(),
    *located(commune_required=False),
    Column("status", Choice(ClusterStatus), nullable=False),
    Column("planned_area_ha", Hectares, nullable=False),
    Column("sectors", JsonList, nullable=False),
    Column("decision_number", String(100), nullable=True),
    Column("decision_date", Date, nullable=True),
    Column("investor_name", String(300), nullable=True),
    Column("area_ha", Hectares, nullable=True),
    Column("industrial_land_area_ha", Hectares, nullable=True),
    Column("leased_area_ha", Hectares, nullable=False),
    Column("infrastructure_investment_vnd", BigInteger, nullable=False, default=0),
    Column("operation_start_date", Date, nullable=True),
    Column("removal_reason", Text, nullable=True),
    # Defaults in the database too: clusters recorded before infrastructure was reported.
    Column("treatment_plant", Choice(TreatmentPlantStatus), nullable=False, server_default="none"),
    Column("treatment_capacity_m3_per_day", Integer, nullable=True),
    Column("solid_waste_collection", Choice(Coverage), nullable=False, server_default="none"),
    Column("fire_safety", Choice(Coverage), nullable=False, server_default="none"),
    Column("infrastructure_reported_on", Date, nullable=True),
    *versioned(),
    Index("ix_clusters_province_status", "province_code", "status"),
    Index("ix_clusters_name_folded_id", "name_folded", "id"),
)

# A cluster's establishment or expansion procedure: the day each step was done, and the step
# it waits for now with its due day (none once decided), so overdue dossiers are one query.
dossiers = Table(
    "dossiers",
    metadata,
    record_id(),
    reference("cluster_id", "clusters.id"),
    Column("kind", Choice(DossierKind), nullable=False),
    *located(commune_required=False),
    Column("investor_name", String(300), nullable=True),
    Column("request_received_on", Date, nullable=False),
    Column("call_for_investors_on", Date, nullable=True),
    Column("dossier_received_on", Date, nullable=True),
    Column("appraisal_on", Date, nullable=True),
    Column("appraisal_note", Text, nullable=True),
    Column("decision_on", Date, nullable=True),
    Column("outcome", Choice(DossierOutcome), nullable=True),
    Column("decision_number", String(100), nullable=True),
    Column("next_step", Choice(DossierStep), nullable=True),
    Column("next_due_on", Date, nullable=True),
    *versioned(),
    Index("ix_dossiers_province_received", "province_code", "request_received_on", "id"),
    Index("ix_dossiers_cluster", "cluster_id"),
)

enterprises = Table(
    "enterprises",
    metadata,
    record_id(),
    *named(),
    Column("tax_code", String(14), nullable=False, unique=True),
    Column("kind", Choice(EnterpriseKind, 20), nullable=False),
    Column("province_code", String(2), nullable=False),
    moment("created_at"),
    Index("ix_enterprises_province_name", "province_code", "name_folded", "id"),
)

facilities = Table(
    "facilities",
    metadata,
    record_id(),
    reference("enterprise_id", "enterprises.id"),
    *named(),
    *located(commune_required=True),
    Column("address", Text, nullable=False),
    Column("sector", String(200), nullable=False),
    Column("workers", Integer, nullable=False),
    Column("annual_output_vnd", BigInteger, nullable=False),
    reference("cluster_id", "clusters.id", nullable=True),
    Column("relocated_on", Date, nullable=True),
    *versioned(),
    Index("ix_facilities_province_name", "province_code", "name_folded", "id"),
    Index("ix_facilities_cluster", "cluster_id"),
)

tenancies = Table(
    "tenancies",
    metadata,
    record_id(),
    reference("cluster_id", "clusters.id"),
    reference("facility_id", "facilities.id"),
    Column("leased_area_ha", Hectares, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("relocation", Boolean, nullable=False, default=False),
    moment("created_at"),
    Index("ix_tenancies_cluster_active", "cluster_id", "end_date"),
    Index("ix_tenancies_facility", "facility_id"),
)

# The environment agency's newest decision on each facility: a classification (a candidate),
# or a declassification (not one; its classification, if one arrived, is kept beside it).
relocation_candidates = Table(
    "relocation_candidates",
    metadata,
    Column("facility_id", String(36), primary_key=True),
    *located(commune_required=False),
    Column("severity", Choice(PollutionSeverity), nullable=True),
    Column("relocation_priority", Integer, nullable=True),
    Column("classified_on", Date, nullable=True),
    Column("inspection_id", String(100), nullable=True),
    Column("reasons", JsonList, nullable=True),
    Column("declassified_on", Date, nullable=True),
    Column("declassification_reason", Text, nullable=True),
    Column("event_id", String(36), nullable=False),
    moment("updated_at"),
    Index("ix_relocation_candidates_province_priority", "province_code", "relocation_priority"),
)

# Producers asking for land in a cluster: a facility of the province, or a new enterprise
# (its details kept here until the approval registers it). Ranked when read, by the criteria.
placement_applications = Table(
    "placement_applications",
    metadata,
    record_id(),
    *located(commune_required=False),
    reference("facility_id", "facilities.id", nullable=True),
    Column("applicant_name", String(300), nullable=False),
    Column("applicant_tax_code", String(14), nullable=True),
    Column("applicant_kind", Choice(EnterpriseKind, 20), nullable=True),
    Column("sector", String(200), nullable=True),
    Column("address", Text, nullable=True),
    Column("purpose", Choice(PlacementPurpose), nullable=False),
    Column("requested_area_ha", Hectares, nullable=False),
    Column("cluster_ids", JsonList, nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("annual_output_vnd", BigInteger, nullable=True),
    Column("workers", Integer, nullable=True),
    Column("facts", Text, nullable=True),
    Column("status", Choice(PlacementStatus), nullable=False),
    Column("decided_on", Date, nullable=True),
    reference("cluster_id", "clusters.id", nullable=True),
    Column("tenancy_id", String(36), nullable=True),
    Column("reason", Text, nullable=True),
    *versioned(),
    Index("ix_placement_applications_province_status", "province_code", "status", "applied_on"),
)

# Each province's priority criteria (00: the default, Sơn La's, for provinces without).
placement_criteria = Table(
    "placement_criteria",
    metadata,
    Column("province_code", String(2), primary_key=True),
    Column("groups", JsonList, nullable=False),
    Column("tie_breakers", JsonList, nullable=False),
    Column("basis", Text, nullable=False),
    *versioned(),
)

# Tenants' half-year and annual figures, one row per tenant, period and revision: a correction
# adds a revision and the one before stops being current (it is kept).
period_report_rows = Table(
    "period_report_rows",
    metadata,
    record_id(),
    reference("cluster_id", "clusters.id"),
    reference("facility_id", "facilities.id"),
    reference("enterprise_id", "enterprises.id"),
    *located(commune_required=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("production_value_vnd", BigInteger, nullable=False),
    Column("workers", Integer, nullable=False),
    Column("budget_paid_vnd", BigInteger, nullable=False),
    Column("wastewater_to_plant", Boolean, nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_by_agency", String(30), nullable=False),
    Column("current", Boolean, nullable=False),
    moment("created_at"),
    UniqueConstraint("cluster_id", "facility_id", "period", "revision"),
    Index("ix_period_report_rows_cluster_period", "cluster_id", "period", "current"),
    Index("ix_period_report_rows_province_period", "province_code", "period", "current"),
)

# The statistics office's small-industry output of a province (area empty) or of one of its
# pre-2025 districts, per year; a new figure for the same one replaces it (its version grows).
province_statistics = Table(
    "province_statistics",
    metadata,
    record_id(),
    Column("province_code", String(2), nullable=False),
    Column("year", Integer, nullable=False),
    Column("area", String(200), nullable=False),
    Column("small_industry_output_vnd", BigInteger, nullable=False),
    Column("statistics_source", Text, nullable=False),
    Column("cluster_ids", JsonList, nullable=False),
    *versioned(),
    UniqueConstraint("province_code", "year", "area"),
)
