"""The admin API of a service rebuilt live: start a rebuild, follow it, abort it.

    POST /api/v1/admin/rebuilds                      202: started, Location of its progress
    GET  /api/v1/admin/rebuilds                      every generation, the live one marked
    GET  /api/v1/admin/rebuilds/{id}                 events done / total, rate, time left
    POST /api/v1/admin/rebuilds/{id}/cancellation    stop it; the live generation serves on

Only an administrator of a national agency may rebuild: a rebuild reads every province.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from shared.auth import CurrentPrincipal
from shared.errors import Forbidden
from shared.generations import Generation, Generations, State
from shared.openapi import DESCRIPTIONS
from shared.principal import NATIONAL_AGENCIES, Principal, Role
from shared.rebuild import Rebuild

log = logging.getLogger(__name__)


class Rebuilds:
    """The rebuilds this process runs for its admin API: one task at a time."""

    def __init__(self, rebuild: Rebuild) -> None:
        self.rebuild = rebuild
        self._task: asyncio.Task[Generation] | None = None

    @property
    def generations(self) -> Generations:
        return self.rebuild.generations

    async def start(self, requested_by: str) -> Generation:
        generation = await self.rebuild.begin(requested_by)
        self._task = asyncio.create_task(self.rebuild.build(generation), name="rebuild")
        self._task.add_done_callback(_log_failure)
        return generation

    async def stop(self) -> None:
        """Cancel a rebuild under way (it fails; the live generation serves on)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


def _log_failure(task: asyncio.Task[Generation]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("the rebuild ended without a swap: %s", task.exception())


class GenerationView(BaseModel):
    """One generation of the projections, and how its rebuild went."""

    id: int = Field(description="0: the tables the service started with")
    name: str
    state: State
    requested_by: str
    started_at: datetime | None
    finished_at: datetime | None
    events_done: int = Field(description="events read so far, over every consumer group")
    events_total: int = Field(description="events to read: every partition up to its end")
    rate_per_s: float
    eta_s: float | None = Field(description="seconds left at the current rate, while building")
    error: str | None

    @classmethod
    def of(cls, generation: Generation) -> GenerationView:
        return cls.model_validate(generation, from_attributes=True)


class GenerationsView(BaseModel):
    live: int = Field(description="the id of the generation that serves")
    items: list[GenerationView]


def _operator(principal: CurrentPrincipal) -> Principal:
    if principal.agency not in NATIONAL_AGENCIES or not principal.jurisdiction.national:
        raise Forbidden("a rebuild reads every province: only a national administrator may")
    principal.require_role({Role.ADMIN})
    return principal


Operator = Annotated[Principal, Depends(_operator)]
GenerationId = Annotated[int, Path(ge=0, le=2**31 - 1, description="a generation's id")]


def _rebuilds(request: Request) -> Rebuilds:
    rebuilds: Rebuilds = request.app.state.rebuilds
    return rebuilds


RebuildsDep = Annotated[Rebuilds, Depends(_rebuilds)]

router = APIRouter(prefix="/api/v1/admin", tags=["operations"])
CONFLICT: dict[int | str, dict[str, object]] = {409: {"description": DESCRIPTIONS[409]}}


@router.post(
    "/rebuilds",
    status_code=202,
    summary="Rebuild the projections from every topic's first event, then swap them in",
    responses=CONFLICT,
)
async def start_rebuild(
    operator: Operator, rebuilds: RebuildsDep, response: Response
) -> GenerationView:
    generation = await rebuilds.start(operator.subject)
    response.headers["Location"] = f"/api/v1/admin/rebuilds/{generation.id}"
    return GenerationView.of(generation)


@router.get(
    "/rebuilds",
    summary="Every generation of the projections, the live one named",
)
async def list_rebuilds(_operator: Operator, rebuilds: RebuildsDep) -> GenerationsView:
    generations = await rebuilds.generations.listed()
    live = max(g.id for g in generations if g.state is State.LIVE)
    return GenerationsView(live=live, items=[GenerationView.of(g) for g in generations])


@router.get(
    "/rebuilds/{generation_id}",
    summary="A rebuild's progress: events done of the total, rate, time left",
)
async def get_rebuild(
    generation_id: GenerationId, _operator: Operator, rebuilds: RebuildsDep
) -> GenerationView:
    return GenerationView.of(await rebuilds.generations.get(generation_id))


@router.post(
    "/rebuilds/{generation_id}/cancellation",
    summary="Stop a rebuild under way; the live generation serves on",
    responses=CONFLICT,
)
async def cancel_rebuild(
    generation_id: GenerationId, operator: Operator, rebuilds: RebuildsDep
) -> GenerationView:
    return GenerationView.of(await rebuilds.generations.abort(generation_id, operator.subject))
