"""The figures the agencies published, as the platform's sample data must reproduce them."""

from __future__ import annotations

SON_LA_2016_2020_OUTPUTS = {
    "people_trained": 230,
    "managers_trained": 150,
    "courses": 2,
    "demonstration_models": 1,
    "facilities_given_machinery": 16,
    "products_branded": 28,
    "product_selections": 2,
    "conferences": 2,
}
"""Sơn La's khuyến công, 2016–2020: what its projects produced."""

HA_NOI_SINCE_2018 = {
    "new_clusters": 31,
    "expansions": 12,
    "total": 43,
    "area_ha": "753.3000",
    "investment_vnd": 16_150_000_000_000,
}
"""Hà Nội since 2018: 31 new clusters and 12 second phases, 753.3 ha, 16,150 billion VND."""
