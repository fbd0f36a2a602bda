"""The generations of the projection tables: which one serves, and each rebuild's progress.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:20:39.535569
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("events_done", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("events_total", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("rate_per_s", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generations")),
        sa.UniqueConstraint("name", name=op.f("uq_generations_name")),
    )
    op.create_index(
        "uq_generations_one_building",
        "generations",
        ["state"],
        unique=True,
        postgresql_where=sa.text("state = 'building'"),
        sqlite_where=sa.text("state = 'building'"),
    )


def downgrade() -> None:
    op.drop_index("uq_generations_one_building", table_name="generations")
    op.drop_table("generations")
