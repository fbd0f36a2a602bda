"""Value types of the environment service's HTTP contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
"""A parameter's code in lower snake case: `cod`, `bod5`, `nh4_n`."""
ColumnCode = Annotated[str, Field(min_length=1, max_length=10)]
Unit = Annotated[str, Field(min_length=1, max_length=40)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
"""A measured value or a limit, exact (never a float)."""
Factor = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=3)]
Finding = Annotated[str, Field(min_length=1, max_length=2000)]
