"""Statements an optimistic unit of work sends straight to its connection's driver (asyncpg).

Until its unit begins a transaction, a command sends two statements or so: a read of the rows
it changes, and its held writes (`shared.held_writes`). Through the session, each costs the
service about 120 µs more than through asyncpg alone: the session's bookkeeping, the greenlet
the call runs in, the statement's cache key rebuilt from its parts, and the driver's answer
turned into the session's result. `Direct.of` compiles such a statement once for PostgreSQL,
with the bind and result processors of its columns' types, and `Direct.send` runs it on the
unit's connection, turning the driver's errors into the session's (`DBAPIError` and its kind),
as the session would have raised them.

A statement is not sent directly (`Direct.of` answers None) if it has values computed in Python
when it runs (a column's `default` or `onupdate`), parameters expanded when it runs (`IN` a
list), or a column whose values are processed by the type the driver reports for them
(`Float`): only the session does those.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
Processed = tuple[tuple[int, Callable[[Any], Any]], ...]

_COUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


@dataclass(frozen=True)
class Direct:
    """A statement compiled for the driver: its text, its parameters in order (a name to take
    from the values sent, or a value of its own) with their processors, and its columns'
    processors."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]
    binds: Processed
    """The parameters whose values are processed, each with its processor."""
    processed: Processed
    """The columns whose values are processed, each with its processor."""

    @staticmethod
    def of(statement: ClauseElement, dialect: Any) -> Direct | None:
        """The statement compiled for the dialect (PostgreSQL's, with asyncpg), or None if it
        cannot go straight to the driver."""
        return _compiled(statement, dialect)

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        fixed = self.fixed
        arguments = [fixed[name] if name in fixed else values[name] for name in self.names]
        for i, process in self.binds:
            arguments[i] = process(arguments[i])
        return arguments

    def row(self, record: Sequence[Any]) -> tuple[Any, ...]:
        if not self.processed:
            return tuple(record)
        values = list(record)
        for i, process in self.processed:
            values[i] = process(values[i])
        return tuple(values)

    async def send(self, driver: Any, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement on the driver's connection (the session's adapter of it) with the
        values of its parameters; its rows, processed as the session would process them."""
        records = await self._run(driver.driver_connection.fetch, driver, values)
        return [self.row(record) for record in records]

    async def count(self, driver: Any, values: dict[str, Any]) -> int:
        """Run the statement (one that answers no rows) as `send` does; the rows it changed."""
        status = await self._run(driver.driver_connection.execute, driver, values)
        found = _COUNT.match(status or "")
        return int(found.group(1)) if found else -1

    async def _run(
        self, call: Callable[..., Awaitable[Any]], driver: Any, values: dict[str, Any]
    ) -> Any:
        """`call` (a method of the driver's connection) with the statement and its arguments;
        the driver's errors raised as the session raises them."""
        arguments = self.arguments(values)
        try:
            return await call(self.sql, *arguments)
        except Exception as error:
            _raised(driver, error, self.sql, arguments)


@functools.lru_cache(maxsize=1024)
def _compiled(statement: ClauseElement, dialect: Any) -> Direct | None:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.post_compile_params  # a list that `IN` expands when the statement runs
        or compiled.positiontup is None
    ):
        return None
    names = tuple(compiled.positiontup)
    binds = compiled.binds
    fixed = {name: binds[name].effective_value for name in names if not binds[name].required}
    types = [column.type for column in getattr(statement, "selected_columns", ())]
    try:
        results = tuple(t.dialect_impl(dialect).result_processor(dialect, None) for t in types)
    except (TypeError, InvalidRequestError):
        return None  # a type that processes its values by the driver's type of them (Float)
    return Direct(
        sql=compiled.string,
        names=names,
        fixed=fixed,
        binds=_processed(
            binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        ),
        processed=_processed(results),
    )


def _processed(processors: Iterable[Processor]) -> Processed:
    return tuple((i, p) for i, p in enumerate(processors) if p is not None)


def _raised(driver: Any, error: Exception, sql: str, arguments: list[Any]) -> NoReturn:
    """Raise the error as the session raises it: the driver's, translated by the dialect's
    adapter of the connection, as a `DBAPIError` (or a kind of it); any other as it is."""
    dbapi_error = driver.dbapi.Error
    try:
        driver._handle_exception(error)  # raises the translated error, or this one
    except dbapi_error as translated:
        raise DBAPIError.instance(
            sql,
            arguments,
            translated,
            dbapi_error,
            connection_invalidated=driver.driver_connection.is_closed(),
        ) from error
    raise error
