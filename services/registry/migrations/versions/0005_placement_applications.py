"""Placement applications, and the provinces' priority criteria with the default (Sơn La's).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 16:20:00.000000
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GROUPS = ["polluting_in_residential_area", "expansion", "new_without_premises", "other"]
TIE_BREAKERS = [
    "relocation_priority",
    "classified_on",
    "annual_output_vnd",
    "workers",
    "applied_on",
]
SON_LA = (
    "Sơn La's cluster plan (criteria drafted by Sở Kế hoạch và Đầu tư): production facilities "
    "in residential areas that pollute first, then enterprises and facilities with large "
    "markets that need room to expand, then newly founded enterprises without premises"
)
# 00 is the default for provinces that have approved none of their own; 14 is Sơn La's own.
CRITERIA = [("00", f"The platform's default, as {SON_LA}"), ("14", SON_LA)]


def upgrade() -> None:
    criteria = op.create_table(
        "placement_criteria",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("tie_breakers", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("province_code", name=op.f("pk_placement_criteria")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        criteria,
        [
            {
                "province_code": code,
                "groups": json.dumps(GROUPS),
                "tie_breakers": json.dumps(TIE_BREAKERS),
                "basis": basis,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for code, basis in CRITERIA
        ],
    )
    op.create_table(
        "placement_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("facility_id", sa.String(length=36), nullable=True),
        sa.Column("applicant_name", sa.String(length=300), nullable=False),
        sa.Column("applicant_tax_code", sa.String(length=14), nullable=True),
        sa.Column("applicant_kind", sa.String(length=20), nullable=True),
        sa.Column("sector", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("requested_area_ha", sa.BigInteger(), nullable=False),
        sa.Column("cluster_ids", sa.Text(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("annual_output_vnd", sa.BigInteger(), nullable=True),
        sa.Column("workers", sa.Integer(), nullable=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("cluster_id", sa.String(length=36), nullable=True),
        sa.Column("tenancy_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_placement_applications_cluster_id_clusters"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_placement_applications_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_applications")),
    )
    with op.batch_alter_table("placement_applications") as batch_op:
        batch_op.create_index(
            "ix_placement_applications_province_status",
            ["province_code", "status", "applied_on"],
        )


def downgrade() -> None:
    with op.batch_alter_table("placement_applications") as batch_op:
        batch_op.drop_index("ix_placement_applications_province_status")
    op.drop_table("placement_applications")
    op.drop_table("placement_criteria")
