"""What every repository does: rows to and from entities, a record by id (404), locked for a
command, added, saved under its version (409 if someone changed it since it was read), and
lists limited to the caller's scope, a page at a time.

A record read by id is remembered in its session as it was read, so that saving it writes only
the columns its command changed (with its version and `updated_at`), not all of them again.
Adds and saves go through `shared.held_writes`: in a command, sent together with its other
writes."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Select, Table, bindparam, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import on_postgres
from shared.errors import NotFound, PlatformError, StaleVersion
from shared.held_writes import (
    Inserting,
    RowWrite,
    Saving,
    read_directly,
    reads_locked,
    write_row,
)
from shared.pagination import Keyset
from shared.principal import Scope
from shared.text import fold


class Entity(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=Entity)
F = TypeVar("F", bound=Entity)


class RepositoryBase(Generic[E]):
    """The rows of `table` as `entity` dataclasses whose fields are named like the columns.

    `folded` names the fields searched without accents: `name` is stored folded as
    `name_folded` too. A table with a `version` column is saved only over the version its
    entity was read at.
    """

    table: ClassVar[Table]
    entity: ClassVar[type[Any]]
    what: ClassVar[str]
    folded: ClassVar[tuple[str, ...]] = ()

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def to_entity(self, row: Any) -> E:
        entity: E = self.entity(**{name: getattr(row, name) for name in _names(self.entity)})
        return entity

    def to_values(self, entity: E) -> dict[str, Any]:
        values = {name: getattr(entity, name) for name in _names(self.entity, self.table)}
        values.update({f"{name}_folded": fold(getattr(entity, name)) for name in self.folded})
        return values

    async def get(self, entity_id: str, *, lock: bool = False) -> E:
        """The record with this id (404 if none), locked until the transaction ends if `lock`."""
        found = await self._by_id(entity_id, lock)
        if found is None:
            raise NotFound(f"no {self.what} {entity_id}")
        return found

    async def find(self, entity_id: str) -> E | None:
        """The record with this id, or None."""
        return await self._by_id(entity_id, False)

    async def _by_id(self, entity_id: str, lock: bool) -> E | None:
        lock = lock and reads_locked(self.session, (self.table, entity_id))
        row = await _one(self.session, _by_id(self.table, lock), {"id_": entity_id})
        if row is None:
            return None
        return self._read_by_id(entity_id, _values(self.table, row))

    def _read_by_id(self, entity_id: str, values: dict[str, Any]) -> E:
        """The record whose stored values were read (404 if none was there), remembered as
        read by id."""
        if values["id"] is None:
            raise NotFound(f"no {self.what} {entity_id}")
        self._read()[entity_id] = _kept(values)
        entity: E = self.entity(**{name: values[name] for name in _names(self.entity)})
        return entity

    def _read(self) -> dict[str, dict[str, Any]]:
        """The stored values of this table's records read by id in this session, by id."""
        read: dict[Table, dict[str, dict[str, Any]]] = self.session.info.setdefault(_READ, {})
        return read.setdefault(self.table, {})

    async def many(self, entity_ids: Iterable[str]) -> dict[str, E]:
        """The records with these ids that exist, by id, in one query."""
        wanted = sorted(set(entity_ids))
        if not wanted:
            return {}
        found = await self.all(select(self.table).where(self.table.c.id.in_(wanted)))
        return {entity.id: entity for entity in found}

    async def lock(self, entity_id: str) -> E:
        """The record a command changes, read once and locked (PostgreSQL) against others."""
        return await self.get(entity_id, lock=True)

    async def lock_with(
        self, entity_id: str, other: RepositoryBase[F], other_id: str
    ) -> tuple[E, F]:
        """Two records a command changes, each locked as `lock` locks it and in this order
        (this one, then the other), in one round trip on PostgreSQL."""
        if not on_postgres(self.session):
            return await self.lock(entity_id), await other.lock(other_id)
        lock = reads_locked(self.session, (self.table, entity_id), (other.table, other_id))
        parameters = {"id_": entity_id, "other_id_": other_id}
        pair = _pair(self.table, other.table, lock)
        row = await _one(self.session, pair, parameters)
        assert row is not None
        split = len(_columns(self.table))
        first, second = _values(self.table, row[:split]), _values(other.table, row[split:])
        return self._read_by_id(entity_id, first), other._read_by_id(other_id, second)

    async def first(self, query: Select[Any]) -> E | None:
        row = (await self.session.execute(query)).first()
        return None if row is None else self.to_entity(row)

    async def all(self, query: Select[Any]) -> list[E]:
        return [self.to_entity(row) for row in (await self.session.execute(query)).all()]

    async def page(
        self, query: Select[Any], keyset: Keyset, *, cursor: str | None, limit: int
    ) -> tuple[list[E], str | None]:
        rows = (await self.session.execute(keyset.page(query, cursor, limit))).all()
        items, next_cursor = keyset.split(rows, limit)
        return [self.to_entity(row) for row in items], next_cursor

    async def add(self, entity: E) -> None:
        await self._insert(entity, new_only=False)

    async def add_unless_there(self, entity: E, refused: PlatformError | None = None) -> None:
        """Insert the entity unless a row holds one of its unique keys already (one another
        transaction inserted and has not committed yet is waited for): then keep that row, or
        raise `refused` if given. Where two commands may make the same record at once, the
        second so finds the first's, instead of failing on its key."""
        await self._insert(entity, new_only=True, refused=refused)

    async def _insert(
        self, entity: E, *, new_only: bool, refused: PlatformError | None = None
    ) -> None:
        now = datetime.now(UTC)
        values = self.to_values(entity) | self._stamped(now, "created_at", "updated_at")
        parameters = {f"{name}_": value for name, value in values.items()}
        shape = Inserting(self.table, tuple(values), new_only)
        row = RowWrite(shape, parameters, (self.table, entity.id), refused)
        await write_row(self.session, row)

    async def save(self, entity: E) -> None:
        """Write the entity's state (what changed since it was read, if it was read by id);
        if versioned, only over the version it was read at."""
        values = self.to_values(entity) | self._stamped(datetime.now(UTC), "updated_at")
        read = self._read().get(entity.id)
        if read is not None:
            values = {k: v for k, v in values.items() if k not in read or read[k] != v}
        versioned = "version" in self.table.c
        parameters: dict[str, Any] = {"id_": entity.id}
        if versioned:
            parameters["read_at_"] = entity.version  # type: ignore[attr-defined]
            values["version"] = entity.version + 1  # type: ignore[attr-defined]
        values = values or {"id": entity.id}
        parameters.update({f"{name}_": value for name, value in values.items()})
        stale = StaleVersion(
            f"{self.what} {entity.id} was changed by someone else; reload and retry"
        )
        shape = Saving(self.table, tuple(sorted(values)))
        await write_row(self.session, RowWrite(shape, parameters, (self.table, entity.id), stale))
        if read is not None:
            read.update(_kept(values))
        if versioned:
            entity.version = values["version"]  # type: ignore[attr-defined]

    def _stamped(self, now: datetime, *columns: str) -> dict[str, datetime]:
        return {c: now for c in columns if c in self.table.c}


_READ = "ccn.read_by_id"

_IMMUTABLE = (str, int, float, Decimal, date, Enum, type(None))
"""Values a record read keeps as they were: a list or a dict from a JSON column may be changed
in place by the entity that holds it, so such a column always counts as changed."""


def _kept(values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if isinstance(value, _IMMUTABLE)}


# The statements of the methods above, built once per table (and set of columns): a command
# then sends its values as parameters, and SQLAlchemy finds the statement compiled already.


_FIELDS: dict[tuple[Any, Table | None], tuple[str, ...]] = {}


def _names(entity: Any, table: Table | None = None) -> tuple[str, ...]:
    """The entity's field names (those that are columns of `table`, if given)."""
    names = _FIELDS.get((entity, table))
    if names is None:
        names = tuple(f.name for f in fields(entity) if table is None or f.name in table.c)
        _FIELDS[entity, table] = names
    return names


async def _one(session: AsyncSession, query: Select[Any], values: dict[str, Any]) -> Any:
    """The first row of the query, or None: in an optimistic unit, read straight from the
    driver (`shared.held_writes.read_directly`)."""
    rows = await read_directly(session, query, values)
    if rows is None:
        return (await session.execute(query, values)).first()
    return rows[0] if rows else None


@functools.cache
def _by_id(table: Table, lock: bool, key: str = "id_") -> Select[Any]:
    query = select(table).where(table.c.id == bindparam(key))
    return query.with_for_update() if lock else query


@functools.cache
def _columns(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns)


def _values(table: Table, row: Any) -> dict[str, Any]:
    """A row of all the table's columns (`select(table)`), by column name."""
    return dict(zip(_columns(table), row, strict=True))


@functools.cache
def _pair(table: Table, other: Table, lock: bool) -> Select[Any]:
    """The row `id_` of `table` and the row `other_id_` of `other`, side by side (the table's
    columns, then the other's, all NULL for a row that is not there), each locked if `lock`.
    The rows are locked in that order: each is read by a locking `WITH` query, which runs when
    the join first asks it for a row, and the joins, having no condition, can only nest in the
    order written."""
    a = _by_id(table, lock).cte("a")
    b = _by_id(other, lock, "other_id_").cte("b")
    one = select(literal_column("1").label("one")).subquery("one")
    return select(
        *(a.c[name].label(f"a_{name}") for name in _columns(table)),
        *(b.c[name].label(f"b_{name}") for name in _columns(other)),
    ).select_from(one.outerjoin(a, true()).outerjoin(b, true()))


def in_scope(query: Select[Any], table: Table, scope: Scope) -> Select[Any]:
    """Only the rows of the scope's province (all, if none) and communes (all, if none)."""
    if scope.province_code is not None:
        query = query.where(table.c.province_code == scope.province_code)
    if scope.commune_codes:
        query = query.where(table.c.commune_code.in_(scope.commune_codes))
    return query
