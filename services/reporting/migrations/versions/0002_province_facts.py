"""What province reports count besides clusters: relocations, pollution decisions, tenants'
report rows, output statistics, placement applications, procedure dossiers' steps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:31:03.673585
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_steps",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("next_step", sa.String(length=30), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_dossier_steps")),
        sa.UniqueConstraint("event_id", name=op.f("uq_dossier_steps_event_id")),
    )
    with op.batch_alter_table("dossier_steps", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_steps_dossier", ["dossier_id", "done_on"], unique=False)

    op.create_table(
        "placements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    op.create_table(
        "pollution_decisions",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("classified", sa.Boolean(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_pollution_decisions")),
        sa.UniqueConstraint("event_id", name=op.f("uq_pollution_decisions_event_id")),
    )
    with op.batch_alter_table("pollution_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pollution_decisions_province", ["province_code", "decided_on"], unique=False
        )

    op.create_table(
        "relocations",
        sa.Column("facility_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("relocation_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_relocations")),
    )
    op.create_table(
        "report_rows",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("production_value_vnd", sa.BigInteger(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("budget_paid_vnd", sa.BigInteger(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_report_rows")),
        sa.UniqueConstraint("event_id", "facility_id", name=op.f("uq_report_rows_event_id")),
    )
    with op.batch_alter_table("report_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_rows_province_period", ["province_code", "period"], unique=False
        )

    op.create_table(
        "statistics",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("small_industry_output_vnd", sa.BigInteger(), nullable=False),
        sa.Column("cluster_ids", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_statistics")),
    )


def downgrade() -> None:
    op.drop_table("statistics")
    with op.batch_alter_table("report_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_report_rows_province_period")

    op.drop_table("report_rows")
    op.drop_table("relocations")
    with op.batch_alter_table("pollution_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_pollution_decisions_province")

    op.drop_table("pollution_decisions")
    op.drop_table("placements")
    with op.batch_alter_table("dossier_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_steps_dossier")

    op.drop_table("dossier_steps")
