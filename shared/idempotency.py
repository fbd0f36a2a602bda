"""Idempotent writes: a repeated `Idempotency-Key` replays the first response, nothing reruns."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import Database
from shared.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotentWriter:
    """Runs one write in a transaction, remembering its response under the caller's key."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table

    async def run(
        self,
        request: Request,
        principal: Principal,
        payload: BaseModel | None,
        action: Callable[[AsyncSession], Awaitable[BaseModel]],
        *,
        status_code: int = 200,
        headers: Callable[[BaseModel], dict[str, str]] | None = None,
    ) -> JSONResponse:
        """Run an HTTP write under the request's `Idempotency-Key`, if it has one."""
        key = request.headers.get(HEADER)
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH):
            raise InvalidInput(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters", field=HEADER)
        body_in = payload.model_dump(mode="json") if payload is not None else None
        status, body, extra = await self.execute(
            principal.subject,
            key,
            fingerprint(request.method, request.url.path, body_in),
            action,
            status_code=status_code,
            headers=headers,
        )
        return JSONResponse(body, status_code=status, headers=extra)

    async def execute(
        self,
        subject: str,
        key: str | None,
        print_: str,
        action: Callable[[AsyncSession], Awaitable[BaseModel]],
        *,
        status_code: int = 200,
        headers: Callable[[BaseModel], dict[str, str]] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """Run `action` in a transaction once per (subject, key); later calls get its result."""
        async with self.db.transaction() as session:
            if key is not None:
                replay = await self._replay(session, subject, key, print_)
                if replay is not None:
                    return replay
            result = await action(session)
            body = result.model_dump(mode="json")
            extra = headers(result) if headers else {}
            if key is not None:
                await self._remember(session, subject, key, print_, status_code, body, extra)
        return status_code, body, extra

    async def _replay(
        self, session: AsyncSession, subject: str, key: str, print_: str
    ) -> tuple[int, Any, dict[str, str]] | None:
        t = self.table
        row = (
            await session.execute(select(t).where(t.c.subject == subject, t.c.key == key))
        ).first()
        if row is None:
            return None
        if row.fingerprint != print_:
            raise Conflict(
                f"{HEADER} {key!r} was already used for a different request; "
                "use a new key for a new request"
            )
        headers = {**json.loads(row.headers), REPLAYED_HEADER: "true"}
        return row.status_code, json.loads(row.body), headers

    async def _remember(
        self,
        session: AsyncSession,
        subject: str,
        key: str,
        print_: str,
        status_code: int,
        body: Any,
        headers: dict[str, str],
    ) -> None:
        try:
            async with session.begin_nested():
                await session.execute(
                    self.table.insert().values(
                        subject=subject,
                        key=key,
                        fingerprint=print_,
                        status_code=status_code,
                        body=json.dumps(body, ensure_ascii=False),
                        headers=json.dumps(headers),
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"another request with {HEADER} {key!r} is being handled; "
                "retry it in a moment to get its response"
            ) from None
