"""Clusters' shared infrastructure; relocation candidates keep declassifications too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CLASSIFICATION = (
    ("severity", sa.String(length=30)),
    ("relocation_priority", sa.Integer()),
    ("classified_on", sa.Date()),
    ("reasons", sa.Text()),
)


def upgrade() -> None:
    # Clusters recorded before this revision have reported no infrastructure: `none`.
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "treatment_plant", sa.String(length=30), server_default="none", nullable=False
            )
        )
        batch_op.add_column(sa.Column("treatment_capacity_m3_per_day", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "solid_waste_collection",
                sa.String(length=30),
                server_default="none",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("fire_safety", sa.String(length=30), server_default="none", nullable=False)
        )
        batch_op.add_column(sa.Column("infrastructure_reported_on", sa.Date(), nullable=True))

    # A declassification may arrive for a facility whose classification has not (yet) come.
    with op.batch_alter_table("relocation_candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declassified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("declassification_reason", sa.Text(), nullable=True))
        for name, kind in CLASSIFICATION:
            batch_op.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    # Declassified facilities leave the read model: the older schema cannot say so.
    op.execute(sa.text("DELETE FROM relocation_candidates WHERE declassified_on IS NOT NULL"))
    with op.batch_alter_table("relocation_candidates", schema=None) as batch_op:
        for name, kind in CLASSIFICATION:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.drop_column("declassification_reason")
        batch_op.drop_column("declassified_on")

    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_column("infrastructure_reported_on")
        batch_op.drop_column("fire_safety")
        batch_op.drop_column("solid_waste_collection")
        batch_op.drop_column("treatment_capacity_m3_per_day")
        batch_op.drop_column("treatment_plant")
