"""What every service's domain model uses: new record ids, events built from an entity, and
today's date where the agencies are."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from shared.errors import InvalidInput
from shared.events.base import Event
from shared.ids import new_id as new_id

E = TypeVar("E", bound=Event)

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Indochina Time, UTC+7 all year (no daylight saving)."""


def today() -> date:
    """The date in Vietnam now: a date the agencies write is checked against it."""
    return datetime.now(VIETNAM).date()


def event_of(kind: type[E], entity: object, **facts: Any) -> E:
    """An event saying what an entity is after a change, and the change's own facts (which win
    where a name is both)."""
    return kind.model_validate({**vars(entity), **facts})


def check_not_future(day: date, *, field: str) -> None:
    """A date that says something happened cannot be after today (in Vietnam)."""
    if day > today():
        raise InvalidInput(f"{day} is in the future; today is {today()}", field=field)
