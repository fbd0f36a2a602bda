"""Column types of the platform's conventions: exact hectares, enums and JSON lists as text."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect

M2_PER_HA = 10_000
FOUR_PLACES = Decimal("0.0001")

S = TypeVar("S", bound=StrEnum)


class Hectares(TypeDecorator[Decimal]):
    """An area in hectares, stored exactly as whole square metres (1 m² = 0.0001 ha)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else int((Decimal(value) * M2_PER_HA).to_integral_value())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) / M2_PER_HA).quantize(FOUR_PLACES)


class Choice(TypeDecorator[S], Generic[S]):
    """One value of a string enum (a status, a kind), stored as its text."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[S], length: int = 30) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value: S | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> S | None:
        return None if value is None else self.enum(value)


class JsonList(TypeDecorator[list[Any]]):
    """A list stored as JSON text (readable Vietnamese: not ASCII-escaped)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Any] | None:
        return None if value is None else list(json.loads(value))
