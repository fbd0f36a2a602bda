"""A record's lifecycle as data: each command with the statuses it may start from, and one
check that refuses the others with a 409 that names the current status."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, StrEnum

from shared.errors import Conflict


class Lifecycle(Enum):
    """Subclass with one member per command, `NAME = ("verb", {allowed statuses})`, and say
    which record it is (`what`) and the error a refused command raises (`refused`)."""

    def __init__(self, verb: str, allowed: Iterable[StrEnum]) -> None:
        self.verb = verb
        self.allowed = frozenset(allowed)

    @property
    def what(self) -> str:
        return "record"

    @property
    def refused(self) -> type[Conflict]:
        return Conflict

    def check(self, status: StrEnum) -> None:
        """Return if the command may start from `status`; else 409 saying which may."""
        if status not in self.allowed:
            names = ", ".join(sorted(s.value for s in self.allowed))
            raise self.refused(
                f"cannot {self.verb} a {self.what} that is {status.value}; it must be {names}",
                current_status=status.value,
            )
