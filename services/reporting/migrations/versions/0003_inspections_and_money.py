"""What province reports count of the other agencies: the environment department's inspections
and violations, the khuyến công money's movements.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:40:56.225087
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=True),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("carried_out_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspections_province", ["province_code", "carried_out_on"], unique=False
        )

    op.create_table(
        "project_movements",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("funding_source", sa.String(length=20), nullable=False),
        sa.Column("content_group", sa.String(length=60), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("counterpart_vnd", sa.BigInteger(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_project_movements")),
    )
    with op.batch_alter_table("project_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_movements_province", ["province_code", "happened_on"], unique=False
        )

    op.create_table(
        "violations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("facility_id", sa.String(length=36), nullable=True),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("remediation_deadline", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_as", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violations")),
    )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_violations_province", ["province_code", "detected_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_index("ix_violations_province")

    op.drop_table("violations")
    with op.batch_alter_table("project_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_project_movements_province")

    op.drop_table("project_movements")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_province")

    op.drop_table("inspections")
