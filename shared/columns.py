"""Columns by the platform's conventions: exact hectares, enums and JSON lists as text, and the
columns every record has (id, name and its folded twin, place, version and timestamps)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
)
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


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal (a measured value, a limit), stored as its text on every database."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 40) -> None:
        super().__init__(length)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class JsonModel(TypeDecorator[BaseModel]):
    """A small pydantic model (a project's outputs) stored as its JSON text."""

    impl = Text
    cache_ok = True

    def __init__(self, model: type[BaseModel]) -> None:
        super().__init__()
        self.model = model

    def process_bind_param(self, value: BaseModel | None, dialect: Dialect) -> str | None:
        return None if value is None else value.model_dump_json()

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseModel | None:
        return None if value is None else self.model.model_validate_json(value)


class JsonList(TypeDecorator[list[Any]]):
    """A list stored as JSON text (readable Vietnamese: not ASCII-escaped)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Any] | None:
        return None if value is None else list(json.loads(value))


# -- the columns of a record a RepositoryBase keeps -------------------------------------------


def record_id() -> Column[str]:
    """The primary key: a UUID as text."""
    return Column("id", String(36), primary_key=True)


def reference(name: str, target: str | None = None, *, nullable: bool = False) -> Column[str]:
    """The id of another record, with its foreign key when the record lives in this database."""
    keys = [ForeignKey(target)] if target else []
    return Column(name, String(36), *keys, nullable=nullable)


def named(length: int = 300) -> tuple[Column[str], Column[str]]:
    """A name, and the same name without accents for search (`RepositoryBase.folded`)."""
    return Column("name", String(length), nullable=False), Column(
        "name_folded", String(length), nullable=False
    )


def located(*, commune_required: bool) -> tuple[Column[str], Column[str]]:
    """The province (2 digits) and commune (5 digits) a record belongs to."""
    return Column("province_code", String(2), nullable=False), Column(
        "commune_code", String(5), nullable=not commune_required
    )


def moment(name: str, *, nullable: bool = False) -> Column[datetime]:
    """A point in time, always stored with its time zone."""
    return Column(name, DateTime(timezone=True), nullable=nullable)


def versioned() -> tuple[Column[int], Column[datetime], Column[datetime]]:
    """The version an update must name (If-Match), and when the record was made and changed."""
    return (
        Column("version", Integer, nullable=False, default=1),
        moment("created_at"),
        moment("updated_at"),
    )
