"""Value types shared by event models: areas in hectares, codes, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

FOUR_PLACES = Decimal("0.0001")


def _four_places(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES)


Hectares = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=12,
        decimal_places=4,
        description='hectares, a decimal string such as "12.5000"',
    ),
    AfterValidator(_four_places),
]
"""An area in hectares, exact to 1 m² (4 decimals); travels as a JSON string."""

Rate = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=6, decimal_places=4, description="a share 0..1, a decimal string"),
    AfterValidator(_four_places),
]
"""A share between 0 and 1, 4 decimals (occupancy 0.6543 = 65.43 %)."""

Vnd = Annotated[int, Field(ge=0, description="Vietnamese đồng, whole")]
"""An amount of Vietnamese đồng, whole."""

ProvinceCode = Annotated[str, Field(pattern=r"^\d{2}$", description="2025 GSO province code")]
CommuneCode = Annotated[str, Field(pattern=r"^\d{5}$", description="2025 GSO commune code")]

Measure = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=18,
        decimal_places=6,
        description='a measured value or a limit, a decimal string such as "148.5"',
    ),
]
"""A measured value or a limit in its table's unit (mg/L, MPN/100mL, °C, pH), exact."""

Ratio = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, description='a multiple, such as "1.35"'),
]
"""How many times a limit a value is (1.35 = 35 % over the limit)."""
