"""Optimistic units of work: a command that commits in one statement, locking nothing.

A command in a transaction costs PostgreSQL four round trips at least (BEGIN, its reads, its
writes, COMMIT) and a lock on each row it reads to change, held until COMMIT. Most commands
read a record or two, and save each one they read over the version read: the versions guard
them as well as the locks would. A command therefore runs first as an optimistic unit of work,
on a connection without a transaction: its reads are plain reads, each row it would lock is
noted instead, and its writes, held until it ends (`shared.held_writes`), go as one statement,
which PostgreSQL runs whole or not at all. That statement fails, writing nothing, unless each
write that can be refused changes its row: a row read and changed meanwhile refuses it.

A unit begins a transaction when it first needs one, and runs on in it as any command does:
before a read that must see its writes (they are sent first), and before any statement but a
plain read (`begin_before_writes`). The rows it noted until then stay unlocked, guarded by
their versions as before. It raises `NeedsLocks`, and rolls back all it wrote, when it cannot
commit as it is:
- a write refused (a row changed since it was read, a unique key taken meanwhile): "conflict";
- a row it read to change and noted that it does not save over its version, which may have
  guarded another record: "lock".
Its command then runs again in a transaction under its locks, as it would have run at first,
and answers what it answers there.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

SENDING_HELD_WRITES = "ccn_held_writes"
"""The execution option of the statement that sends a unit's held writes."""


class NeedsLocks(Exception):
    """An optimistic unit of work cannot commit as it is, and wrote nothing. `reason`:
    "conflict" if a row it read was changed meanwhile (or a unique key was taken), "lock" if
    it read a row to change without locking it and did not save it."""

    def __init__(self, why: str, *, reason: str = "lock") -> None:
        super().__init__(why)
        self.reason = reason


_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_WRITES = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE|NEXTVAL|SETVAL|SET_CONFIG|PG_\w*ADVISORY\w*)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1024)
def reads_only(sql: str) -> bool:
    """Whether the statement only reads: a SELECT (or WITH … SELECT) that writes no row, locks
    none (FOR UPDATE, FOR SHARE) and takes no value from a sequence. In doubt, not: a word
    like these in a name costs a unit a transaction it did not need, never a write unguarded."""
    return _READ.match(sql) is not None and _WRITES.search(sql) is None


def begin(dialect: Any, driver: Any) -> None:
    """Have an optimistic unit's connection begin a transaction with its next statement (it
    commits or rolls back with the unit): from then on, the unit runs as any other."""
    if driver.autocommit:
        dialect.set_isolation_level(driver, "READ COMMITTED")


def begin_before_writes(engine: Engine) -> None:
    """Have the engine's connections (those of optimistic units) begin a transaction before
    any statement but plain reads and held writes."""

    @event.listens_for(engine, "before_cursor_execute")
    def check(conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: Any) -> None:
        if not (context.execution_options.get(SENDING_HELD_WRITES) or reads_only(sql)):
            begin(conn.dialect, conn.connection.dbapi_connection)
