"""The promotion database: plans, support caps, khuyến công projects, and the registry's
enterprises and facilities as the beneficiaries projects may name."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text

from shared.columns import (
    Choice,
    DecimalText,
    JsonModel,
    located,
    moment,
    named,
    record_id,
    reference,
    versioned,
)
from shared.db import new_metadata
from shared.events.promotion import (
    AppraisalResult,
    ContentGroup,
    DisbursementKind,
    FundingSource,
    MonitoringPhase,
    Outputs,
    ProjectStatus,
)
from shared.events.registry import EnterpriseKind
from shared.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

plans = Table(
    "plans",
    metadata,
    record_id(),
    Column("province_code", String(2), nullable=False),
    Column("year", Integer, nullable=False),
    Column("funding_source", Choice(FundingSource, 20), nullable=False),
    Column("budget_vnd", BigInteger, nullable=False),
    Column("committed_vnd", BigInteger, nullable=False),
    Column("disbursed_vnd", BigInteger, nullable=False),
    *versioned(),
    Index("ix_plans_province_year", "province_code", "year", "id"),
)

support_caps = Table(
    "support_caps",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("province_code", String(2), nullable=True),
    Column("content_group", Choice(ContentGroup, 60), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("max_share", DecimalText(), nullable=False),
    Column("max_vnd", BigInteger, nullable=False),
    Column("description", Text, nullable=False),
    moment("created_at"),
)

projects = Table(
    "projects",
    metadata,
    record_id(),
    *named(),
    *located(commune_required=False),
    Column("plan_id", String(36), nullable=True),
    Column("funding_source", Choice(FundingSource, 20), nullable=False),
    Column("content_group", Choice(ContentGroup, 60), nullable=False),
    Column("beneficiary_enterprise_id", String(36), nullable=True),
    Column("beneficiary_facility_id", String(36), nullable=True),
    Column("total_cost_vnd", BigInteger, nullable=False),
    Column("requested_support_vnd", BigInteger, nullable=False),
    Column("counterpart_vnd", BigInteger, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("planned_outputs", JsonModel(Outputs), nullable=False),
    Column("status", Choice(ProjectStatus, 20), nullable=False),
    Column("appraisal_result", Choice(AppraisalResult, 20), nullable=True),
    Column("appraised_on", Date, nullable=True),
    Column("decision_number", String(300), nullable=True),
    Column("decision_date", Date, nullable=True),
    Column("approved_support_vnd", BigInteger, nullable=False),
    Column("support_cap_id", String(100), nullable=True),
    Column("contract_number", String(300), nullable=True),
    Column("signed_on", Date, nullable=True),
    Column("disbursed_vnd", BigInteger, nullable=False),
    Column("settled_vnd", BigInteger, nullable=False),
    Column("returned_vnd", BigInteger, nullable=False),
    Column("accepted_on", Date, nullable=True),
    Column("actual_outputs", JsonModel(Outputs), nullable=True),
    Column("settled_on", Date, nullable=True),
    Column("paused_from", Choice(ProjectStatus, 20), nullable=True),
    Column("paused_on", Date, nullable=True),
    Column("cancelled_on", Date, nullable=True),
    Column("reschedulings", Integer, nullable=False),
    *versioned(),
    Index("ix_projects_province_name", "province_code", "name_folded", "id"),
    Index("ix_projects_plan", "plan_id"),
)

disbursements = Table(
    "disbursements",
    metadata,
    record_id(),
    reference("project_id", "projects.id"),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("kind", Choice(DisbursementKind, 20), nullable=False),
    Column("disbursed_on", Date, nullable=False),
    moment("created_at"),
    Index("ix_disbursements_project", "project_id", "disbursed_on"),
)

monitoring_visits = Table(
    "monitoring_visits",
    metadata,
    record_id(),
    reference("project_id", "projects.id"),
    Column("visited_on", Date, nullable=False),
    Column("phase", Choice(MonitoringPhase, 20), nullable=False),
    Column("findings", Text, nullable=False),
    moment("created_at"),
    Index("ix_monitoring_visits_project", "project_id", "visited_on"),
)

enterprises = Table(
    "enterprises",
    metadata,
    record_id(),
    Column("name", String(300), nullable=False),
    Column("kind", Choice(EnterpriseKind, 20), nullable=False),
    Column("province_code", String(2), nullable=False),
    moment("updated_at"),
)
"""The registry's enterprises, cooperatives and household businesses (beneficiaries)."""

facilities = Table(
    "facilities",
    metadata,
    record_id(),
    Column("enterprise_id", String(36), nullable=False),
    Column("name", String(300), nullable=False),
    *located(commune_required=False),
    moment("updated_at"),
)
"""The registry's production facilities (beneficiaries)."""
