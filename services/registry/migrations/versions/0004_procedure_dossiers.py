"""Procedure dossiers: a cluster's establishment or expansion, step by step, with deadlines.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 15:36:14.379308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STEP_DAYS = ("call_for_investors_on", "dossier_received_on", "appraisal_on", "decision_on")


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("investor_name", sa.String(length=300), nullable=True),
        sa.Column("request_received_on", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Date(), nullable=True) for name in STEP_DAYS),
        sa.Column("appraisal_note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=True),
        sa.Column("next_step", sa.String(length=30), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_dossiers_cluster_id_clusters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
    )
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.create_index("ix_dossiers_cluster", ["cluster_id"])
        batch_op.create_index(
            "ix_dossiers_province_received", ["province_code", "request_received_on", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_index("ix_dossiers_province_received")
        batch_op.drop_index("ix_dossiers_cluster")
    op.drop_table("dossiers")
