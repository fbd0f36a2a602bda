"""The illustrative Sơn La cap leaves the shipped data: an example must never bind a real
approval (the sample data loads it where wanted).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 14:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EXAMPLE = "son-la-example-demonstration-model"
support_caps = sa.table("support_caps", sa.column("id"))


def upgrade() -> None:
    op.execute(support_caps.delete().where(support_caps.c.id == EXAMPLE))


def downgrade() -> None:
    """The example is not put back: it was never the law."""
