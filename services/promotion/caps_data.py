"""The support caps the service ships with: Circular 28/2018/TT-BTC's national cap on
machinery and technology support, and a provincial example for Sơn La.

Sources read (third-party copies; no official gazette copy was available):
- Circular 28/2018/TT-BTC (Ministry of Finance, on planning, managing and using khuyến công
  funds), Article 8(4), as quoted by Bình Thuận's khuyến công centre answering a reader on
  20 May 2021 (khuyencongbinhthuan.com.vn/News/FaqView.aspx?ID=575): support for applying
  advanced machinery and equipment and for technology transfer into rural industrial
  production is at most 50 % of the cost and at most 300 million VND per facility; a
  technology line (dây chuyền công nghệ) may get up to 1.5 times that.

Not verified: the Circular's date in force. 12 May 2018 (signed 28 March 2018) is taken from
memory of the gazette, not from a source read here. The Sơn La cap is the example DOMAIN.md
gives for a province's own resolution, not a figure read from a Sơn La resolution.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.promotion.domain.caps import SupportCap
from shared.events.promotion import ContentGroup

CIRCULAR_28_2018_MACHINERY = SupportCap(
    id="circular-28-2018-tt-btc-machinery",
    province_code=None,
    content_group=ContentGroup.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER,
    valid_from=date(2018, 5, 12),
    valid_to=None,
    max_share=Decimal("0.5000"),
    max_vnd=300_000_000,
    description=(
        "Circular 28/2018/TT-BTC art. 8(4): advanced machinery and equipment, technology "
        "transfer: at most 50 % of the cost and 300,000,000 VND per facility (a technology "
        "line up to 1.5 times that is not modelled). In force from 12 May 2018: date not "
        "verified against the gazette."
    ),
)
"""Mapped to the demonstration and technology-transfer group, because that is the group of
the national programme whose content is exactly what the article funds: applying advanced
machinery and transferring technology into rural industrial production. Caps are kept per
content group, so the demonstration models of the same group are held to it as well where
no cap of their own (a province's) is in force."""

SON_LA_DEMONSTRATION_EXAMPLE = SupportCap(
    id="son-la-example-demonstration-model",
    province_code="14",
    content_group=ContentGroup.DEMONSTRATION_AND_TECHNOLOGY_TRANSFER,
    valid_from=date(2021, 1, 1),
    valid_to=None,
    max_share=Decimal("0.3000"),
    max_vnd=800_000_000,
    description=(
        "Example, not from a resolution: a province's own cap on a demonstration model, at "
        "most 30 % of the cost and 800,000,000 VND, as set by its People's Council; the "
        "figures and the date in force are illustrative."
    ),
)

SHIPPED_CAPS: tuple[SupportCap, ...] = (CIRCULAR_28_2018_MACHINERY,)
"""What every database starts with: the law only."""
SAMPLE_CAPS: tuple[SupportCap, ...] = (SON_LA_DEMONSTRATION_EXAMPLE,)
"""Loaded with the sample data only: an illustrative cap must never bind a real approval."""
