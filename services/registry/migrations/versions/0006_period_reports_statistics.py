"""Tenants' periodic reports (every revision kept) and the provinces' output statistics.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 16:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _moments() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "province_statistics",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("small_industry_output_vnd", sa.BigInteger(), nullable=False),
        sa.Column("statistics_source", sa.Text(), nullable=False),
        sa.Column("cluster_ids", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_moments(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_province_statistics")),
        sa.UniqueConstraint(
            "province_code", "year", "area", name=op.f("uq_province_statistics_province_code")
        ),
    )
    op.create_table(
        "period_report_rows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("production_value_vnd", sa.BigInteger(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("budget_paid_vnd", sa.BigInteger(), nullable=False),
        sa.Column("wastewater_to_plant", sa.Boolean(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_by_agency", sa.String(length=30), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [f"{name}_id"],
                [f"{table}.id"],
                name=op.f(f"fk_period_report_rows_{name}_id_{table}"),
            )
            for name, table in (
                ("cluster", "clusters"),
                ("enterprise", "enterprises"),
                ("facility", "facilities"),
            )
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_report_rows")),
        sa.UniqueConstraint(
            "cluster_id",
            "facility_id",
            "period",
            "revision",
            name=op.f("uq_period_report_rows_cluster_id"),
        ),
    )
    with op.batch_alter_table("period_report_rows") as batch_op:
        batch_op.create_index(
            "ix_period_report_rows_cluster_period", ["cluster_id", "period", "current"]
        )
        batch_op.create_index(
            "ix_period_report_rows_province_period", ["province_code", "period", "current"]
        )


def downgrade() -> None:
    with op.batch_alter_table("period_report_rows") as batch_op:
        batch_op.drop_index("ix_period_report_rows_province_period")
        batch_op.drop_index("ix_period_report_rows_cluster_period")
    op.drop_table("period_report_rows")
    op.drop_table("province_statistics")
