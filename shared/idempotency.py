"""Idempotent writes: a repeated `Idempotency-Key` gets the first response back, nothing reruns.

Each stored response keeps the permits its command needed, so a replay is handed only to a
caller who may still make that request.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Conflict, InvalidInput
from shared.held_writes import Inserting, RowWrite, write_row
from shared.principal import Permit, Principal

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
_KEY = re.compile(rf"[ -~]{{1,{MAX_KEY_LENGTH}}}")
_STORED = (
    "subject",
    "key",
    "fingerprint",
    "status_code",
    "body",
    "headers",
    "permits",
    "created_at",
)
"""The columns of a stored response."""


def checked_key(key: str | None) -> str | None:
    """The caller's Idempotency-Key: 1 to 200 printable ASCII characters, or 422."""
    if key is not None and not _KEY.fullmatch(key):
        raise InvalidInput(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters", field=HEADER
        )
    return key


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    """What a write answered, the request it answered, and the permits it needed."""

    status_code: int
    body: Any
    headers: dict[str, str]
    fingerprint: str
    permits: tuple[Permit, ...] = ()

    def check_replay(self, caller: Principal, fingerprint: str, key: str) -> None:
        """Return if this response may go back to `caller`: the same request, and the caller
        still holds every permit it needed (409 or 403 otherwise)."""
        if fingerprint != self.fingerprint:
            raise Conflict(
                f"{HEADER} {key!r} was already used for a different request; "
                "use a new key for a new request"
            )
        for permit in self.permits:
            permit.check(caller)


class Replayed(Exception):
    """Answers a request with the response stored under its Idempotency-Key."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replayed")
        self.stored = stored

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.stored.body,
            status_code=self.stored.status_code,
            headers={**self.stored.headers, REPLAYED_HEADER: "true"},
        )


@dataclass(frozen=True)
class IdempotencyKeys:
    """The stored responses of one service, by (subject, key)."""

    table: Table

    async def find(self, session: AsyncSession, subject: str, key: str) -> StoredResponse | None:
        t = self.table
        row = (
            await session.execute(select(t).where(t.c.subject == subject, t.c.key == key))
        ).first()
        if row is None:
            return None
        return StoredResponse(
            status_code=row.status_code,
            body=json.loads(row.body),
            headers=json.loads(row.headers),
            fingerprint=row.fingerprint,
            permits=tuple(Permit.from_json(p) for p in json.loads(row.permits)),
        )

    async def remember(
        self, session: AsyncSession, subject: str, key: str, stored: StoredResponse
    ) -> None:
        """Store the response in the write's own transaction (in a command, with its other
        writes); 409 if a twin request stored one first."""
        values = {
            "subject_": subject,
            "key_": key,
            "fingerprint_": stored.fingerprint,
            "status_code_": stored.status_code,
            "body_": json.dumps(stored.body, ensure_ascii=False),
            "headers_": json.dumps(stored.headers),
            "permits_": json.dumps([p.to_json() for p in stored.permits]),
            "created_at_": datetime.now(UTC),
        }
        twin = Conflict(
            f"another request with {HEADER} {key!r} is being handled; "
            "retry it in a moment to get its response"
        )
        shape = Inserting(self.table, _STORED, new_only=True)
        await write_row(session, RowWrite(shape, values, (self.table, (subject, key)), twin))
