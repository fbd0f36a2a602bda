"""Commands and queries: each runs one handler in one unit of work.

A handler takes a `UnitOfWork` first and its inputs as keyword arguments. It loads what it
touches, authorizes the caller for every one of those records (`uow.authorize(permit)`),
checks preconditions, applies the domain's rules, saves, and records the events the domain
returned. It never commits: the runner commits the state, its events (the outbox) and the
idempotent response together, or rolls all of it back. Its adds, saves and events, and the
response, travel to the database together (`shared.held_writes`), before its next read and
when it returns. A route is then: parse, `run` one handler, return its view.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Annotated, Any, Concatenate, Generic, ParamSpec, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.auth import CurrentPrincipal
from shared.context import Actor
from shared.db import Sessions
from shared.events.base import Event
from shared.held_writes import writes_held
from shared.idempotency import (
    HEADER,
    IdempotencyKeys,
    Replayed,
    StoredResponse,
    checked_key,
    fingerprint,
)
from shared.openapi import answers, describes_views
from shared.optimistic import NeedsLocks
from shared.outbox import Outbox
from shared.preconditions import etag
from shared.principal import Permit, Principal
from shared.tables import PlatformTables

S = TypeVar("S")
V = TypeVar("V", bound=BaseModel)
R = TypeVar("R")
P = ParamSpec("P")

log = logging.getLogger(__name__)


@dataclass
class UnitOfWork(Generic[S]):
    """One command's (or query's) session, caller, the service's rules, and its events."""

    session: AsyncSession
    caller: Principal
    rules: S
    outbox: Outbox
    permits: list[Permit] = field(default_factory=list)

    def authorize(self, *permits: Permit) -> None:
        """Refuse (403) unless the caller holds every permit; remember them for replays."""
        for permit in permits:
            permit.check(self.caller)
            self.permits.append(permit)

    async def record(self, *events: Event) -> None:
        """Add events to the outbox: published if, and only if, this unit commits."""
        actor = Actor(subject=self.caller.subject, agency=self.caller.agency)
        await self.outbox.add(self.session, *events, actor=actor)


Action = Callable[[UnitOfWork[Any]], Awaitable[R]]


@dataclass(frozen=True)
class Outcome(Generic[V]):
    """What a command answered: its view when it ran now, the stored response on a replay."""

    status_code: int
    headers: dict[str, str]
    view: V | None = None
    replayed: StoredResponse | None = None

    @property
    def body(self) -> Any:
        if self.replayed is not None:
            return self.replayed.body
        assert self.view is not None
        return self.view.model_dump(mode="json")


class Commands(Generic[S]):
    """Runs a service's handlers against its database; the same with or without HTTP."""

    def __init__(self, db: Sessions, tables: PlatformTables, rules: S, *, service: str) -> None:
        self.db = db
        self.service = service
        self.outbox = Outbox(tables.outbox)
        self.keys = IdempotencyKeys(tables.idempotency_keys)
        self.rules = rules

    async def execute(
        self,
        caller: Principal,
        action: Action[V],
        *,
        key: str | None = None,
        fingerprint: str = "",
        status_code: int = 200,
        headers: Callable[[V], dict[str, str]] = lambda _: {},
    ) -> Outcome[V]:
        """Run `action` in one unit of work, once per (caller, key) when a key is given: first
        an optimistic one (`shared.optimistic`), then, if that could not commit, one in a
        transaction under its locks."""

        async def attempt(
            unit: AbstractAsyncContextManager[AsyncSession], *, optimistic: bool
        ) -> Outcome[V]:
            async with unit as session:
                if key is not None:
                    stored = await self.keys.find(session, caller.subject, key)
                    if stored is not None:
                        stored.check_replay(caller, fingerprint, key)
                        return Outcome(stored.status_code, stored.headers, replayed=stored)
                uow = UnitOfWork(session, caller, self.rules, self.outbox)
                async with writes_held(session, optimistic=optimistic):
                    view = await action(uow)
                    outcome = Outcome(status_code, headers(view), view=view)
                    if key is not None:
                        permits = tuple(uow.permits)
                        remembered = StoredResponse(
                            status_code, outcome.body, outcome.headers, fingerprint, permits
                        )
                        await self.keys.remember(session, caller.subject, key, remembered)
            return outcome

        unlocked = self.db.optimistic()
        if unlocked is not None:
            try:
                return await attempt(unlocked, optimistic=True)
            except NeedsLocks as exc:
                command = getattr(action, "__name__", "")
                metrics.COMMANDS_RUN_AGAIN.labels(self.service, command, exc.reason).inc()
                log.debug("%s runs again under locks: %s", command, exc)
        return await attempt(self.db.transaction(), optimistic=False)

    async def query(self, caller: Principal, action: Action[R]) -> R:
        """Run a read-only `action`; nothing it does is committed."""
        async with self.db.sessions() as session:
            return await action(UnitOfWork(session, caller, self.rules, self.outbox))


Handler = Callable[Concatenate[UnitOfWork[Any], P], Awaitable[R]]


def bind(handler: Handler[P, R], *args: P.args, **kwargs: P.kwargs) -> Action[R]:
    """`handler(uow, *args, **kwargs)`, waiting for its unit of work."""

    async def action(uow: UnitOfWork[Any]) -> R:
        return await handler(uow, *args, **kwargs)

    action.__name__ = handler.__name__
    return action


class CommandRunner:
    """`await run(handler, **inputs)`: one command for this request, under its Idempotency-Key.

    The response carries the view's `ETag` (its version) and, for a 201, the `Location` of
    the new record; a replay answers exactly what the first request was answered.
    """

    def __init__(
        self, request: Request, response: Response, caller: Principal, key: str | None
    ) -> None:
        self.request = request
        self.response = response
        self.caller = caller
        self.key = key
        self.commands: Commands[Any] = request.app.state.commands

    async def __call__(self, handler: Handler[P, V], /, *args: P.args, **kwargs: P.kwargs) -> V:
        route = self.request.scope.get("route")
        status_code = getattr(route, "status_code", None) or 200
        outcome = await self.commands.execute(
            self.caller,
            bind(handler, *args, **kwargs),
            key=self.key,
            fingerprint=self._fingerprint(args, kwargs) if self.key is not None else "",
            status_code=status_code,
            headers=lambda view: self._headers(view, status_code),
        )
        if outcome.replayed is not None:
            raise Replayed(outcome.replayed)
        self.response.headers.update(outcome.headers)
        assert outcome.view is not None
        return outcome.view

    def _fingerprint(self, args: object, kwargs: object) -> str:
        """What makes this request the same request when it is retried under its key."""
        request = self.request
        return fingerprint(request.method, request.url.path, jsonable_encoder([args, kwargs]))

    def _headers(self, view: BaseModel, status_code: int) -> dict[str, str]:
        headers = _etag_of(view)
        new_id = getattr(view, "id", None)
        if status_code == 201 and new_id is not None:
            headers["Location"] = f"{self.request.url.path}/{new_id}"
        return headers


class QueryRunner:
    """`await read(query, **inputs)`: one read for this request; `ETag` if the view has one."""

    def __init__(self, request: Request, response: Response, caller: Principal) -> None:
        self.response = response
        self.caller = caller
        self.commands: Commands[Any] = request.app.state.commands

    async def __call__(self, query: Handler[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        view = await self.commands.query(self.caller, bind(query, *args, **kwargs))
        self.response.headers.update(_etag_of(view))
        return view


def _etag_of(view: object) -> dict[str, str]:
    version = getattr(view, "version", None)
    return {"ETag": etag(version)} if isinstance(version, int) else {}


@answers(404, 409, 422, 503)
@describes_views(location=True)
async def command_runner(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="any 1-200 printable ASCII characters: a retry with the same key "
            "gets the first response back (`Idempotent-Replayed: true`) and changes nothing",
        ),
    ] = None,
) -> CommandRunner:
    return CommandRunner(request, response, caller, checked_key(key))


@answers(503)
@describes_views(location=False)
async def query_runner(
    request: Request, response: Response, caller: CurrentPrincipal
) -> QueryRunner:
    return QueryRunner(request, response, caller)


Run = Annotated[CommandRunner, Depends(command_runner)]
Read = Annotated[QueryRunner, Depends(query_runner)]
