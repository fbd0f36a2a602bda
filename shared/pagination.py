"""Keyset pagination: lists ordered by text or date keys, continued after an opaque cursor.

A cursor is the last row's keys as a JSON array of strings (dates as ISO text),
base64url-encoded. It is input
like any other: anything but a cursor this API could have given out is refused with a 422
naming `cursor`, before it reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, NoReturn, TypeVar

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Column, Select, tuple_

from shared.errors import InvalidInput
from shared.text import no_nul

T = TypeVar("T")

CURSOR_MAX_LENGTH = 800
KEY_MAX_LENGTH = 300


class PageQuery(BaseModel):
    """Which page of a list: its size, and where the previous page ended."""

    limit: int = Field(50, ge=1, le=200, description="page size")
    cursor: str | None = Field(
        None, max_length=CURSOR_MAX_LENGTH, description="`next_cursor` of the previous page"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        return no_nul(value) if isinstance(value, str) else value


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


@dataclass(frozen=True)
class Keyset:
    """Rows ordered by text or date columns whose last one is unique (the id), paged by
    cursor; `newest_first` orders them descending (the latest inspection first)."""

    columns: tuple[Column[Any], ...]
    newest_first: bool = False

    def page(self, query: Select[Any], cursor: str | None, limit: int) -> Select[Any]:
        """`query` ordered by the keys, from just after `cursor`, one row more than a page."""
        if cursor is not None:
            keys = tuple_(*self.columns)
            after = tuple_(*self._typed(decode_cursor(cursor, self.size)))
            query = query.where(keys < after if self.newest_first else keys > after)
        order = [c.desc() for c in self.columns] if self.newest_first else self.columns
        return query.order_by(*order).limit(limit + 1)

    def _typed(self, keys: list[str]) -> list[str | date]:
        typed: list[str | date] = []
        for column, key in zip(self.columns, keys, strict=True):
            if column.type.python_type is date:
                try:
                    typed.append(date.fromisoformat(key))
                except ValueError:
                    _refuse()
            else:
                typed.append(key)
        return typed

    def split(self, rows: Sequence[Any], limit: int) -> tuple[list[Any], str | None]:
        """The page's rows and the cursor of the next page (None at the end)."""
        items = list(rows[:limit])
        if len(rows) <= limit:
            return items, None
        last = items[-1]
        return items, encode_cursor(*(_text(getattr(last, c.name)) for c in self.columns))

    @property
    def size(self) -> int:
        return len(self.columns)


def page_of_list(
    items: Sequence[T], *, cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """A page of a list ordered in code (a ranked queue): the cursor holds the position the
    previous page ended at."""
    start = 0
    if cursor is not None:
        [position] = decode_cursor(cursor, 1)
        if not (position.isdigit() and len(position) <= 9):
            _refuse()
        start = int(position)
    end = start + limit
    return list(items[start:end]), encode_cursor(str(end)) if end < len(items) else None


def _text(key: object) -> str:
    return key.isoformat() if isinstance(key, date) else str(key)


def encode_cursor(*keys: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The keys inside a cursor: exactly `size` strings, or InvalidInput naming `cursor`."""
    if not 0 < len(cursor) <= CURSOR_MAX_LENGTH:
        _refuse()
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        keys = json.loads(raw, parse_constant=_refuse, parse_float=_refuse, parse_int=_refuse)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        _refuse()
    if not (isinstance(keys, list) and len(keys) == size):
        _refuse()
    if not all(isinstance(k, str) and len(k) <= KEY_MAX_LENGTH for k in keys):
        _refuse()
    return keys


def _refuse(*_: object) -> NoReturn:
    raise InvalidInput("cursor is not one this API gave out", field="cursor")
