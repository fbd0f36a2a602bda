"""The support caps the service ships with: Circular 28/2018/TT-BTC's national cap on
machinery and technology support, and a provincial example.

The data is written out here, as it stood when this migration was made, so that migrating
never depends on today's code; `services/promotion/caps_data.py` says where each figure
comes from and what could not be verified.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 14:10:00.000000
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

support_caps = sa.table(
    "support_caps",
    *(
        sa.column(name)
        for name in (
            "id",
            "province_code",
            "content_group",
            "valid_from",
            "valid_to",
            "max_share",
            "max_vnd",
            "description",
            "created_at",
        )
    ),
)


def _row(cap: dict[str, Any]) -> dict[str, Any]:
    row = dict(cap)
    for name in ("valid_from", "valid_to"):
        row[name] = None if row[name] is None else date.fromisoformat(row[name])
    return row | {"created_at": datetime.now(UTC)}


def upgrade() -> None:
    op.bulk_insert(support_caps, [_row(cap) for cap in SHIPPED])


def downgrade() -> None:
    op.execute(support_caps.delete().where(support_caps.c.id.in_([c["id"] for c in SHIPPED])))


SHIPPED: list[dict[str, Any]] = [
    {
        "id": "circular-28-2018-tt-btc-machinery",
        "province_code": None,
        "content_group": "demonstration_and_technology_transfer",
        "valid_from": "2018-05-12",
        "valid_to": None,
        "max_share": "0.5000",
        "max_vnd": 300000000,
        "description": "Circular 28/2018/TT-BTC art. 8(4): advanced machinery and equipment, "
        "technology transfer: at most 50 % of the cost and 300,000,000 VND per "
        "facility (a technology line up to 1.5 times that is not modelled). In force "
        "from 12 May 2018: date not verified against the gazette.",
    },
    {
        "id": "son-la-example-demonstration-model",
        "province_code": "14",
        "content_group": "demonstration_and_technology_transfer",
        "valid_from": "2021-01-01",
        "valid_to": None,
        "max_share": "0.3000",
        "max_vnd": 800000000,
        "description": "Example, not from a resolution: a province's own cap on a demonstration "
        "model, at most 30 % of the cost and 800,000,000 VND, as set by its People's "
        "Council; the figures and the date in force are illustrative.",
    },
]
