"""The registry database: clusters, enterprises, facilities, tenancies, relocation candidates."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from shared.columns import Choice, Hectares, JsonList
from shared.db import new_metadata
from shared.events.environment import PollutionSeverity
from shared.events.registry import ClusterStatus, EnterpriseKind
from shared.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

clusters = Table(
    "clusters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_folded", String(300), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("commune_code", String(5), nullable=True),
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
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_clusters_province_status", "province_code", "status"),
    Index("ix_clusters_name_folded_id", "name_folded", "id"),
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_folded", String(300), nullable=False),
    Column("tax_code", String(14), nullable=False, unique=True),
    Column("kind", Choice(EnterpriseKind, 20), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_enterprises_province_name", "province_code", "name_folded", "id"),
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("enterprise_id", String(36), ForeignKey("enterprises.id"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("name_folded", String(300), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("commune_code", String(5), nullable=False),
    Column("address", Text, nullable=False),
    Column("sector", String(200), nullable=False),
    Column("workers", Integer, nullable=False),
    Column("annual_output_vnd", BigInteger, nullable=False),
    Column("cluster_id", String(36), ForeignKey("clusters.id"), nullable=True),
    Column("relocated_on", Date, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_facilities_province_name", "province_code", "name_folded", "id"),
    Index("ix_facilities_cluster", "cluster_id"),
)

tenancies = Table(
    "tenancies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cluster_id", String(36), ForeignKey("clusters.id"), nullable=False),
    Column("facility_id", String(36), ForeignKey("facilities.id"), nullable=False),
    Column("leased_area_ha", Hectares, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("relocation", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_tenancies_cluster_active", "cluster_id", "end_date"),
    Index("ix_tenancies_facility", "facility_id"),
)

relocation_candidates = Table(
    "relocation_candidates",
    metadata,
    Column("facility_id", String(36), primary_key=True),
    Column("province_code", String(2), nullable=False),
    Column("commune_code", String(5), nullable=True),
    Column("severity", Choice(PollutionSeverity), nullable=False),
    Column("relocation_priority", Integer, nullable=False),
    Column("classified_on", Date, nullable=False),
    Column("inspection_id", String(100), nullable=True),
    Column("reasons", JsonList, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_relocation_candidates_province_priority", "province_code", "relocation_priority"),
)
