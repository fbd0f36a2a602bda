"""The commands and queries of procedure dossiers (Decree 32/2024, Art. 10)."""

from __future__ import annotations

from services.registry import schemas as s
from services.registry.domain import Dossier, recording
from services.registry.handlers.base import Uow
from services.registry.repository import Clusters, Dossiers
from shared.domain import today
from shared.errors import Conflict
from shared.events import registry as ev
from shared.events.registry import DossierStep
from shared.pagination import Page
from shared.preconditions import Precondition
from shared.principal import Scope, reading


async def open_dossier(uow: Uow, *, cmd: s.OpenDossier) -> s.DossierView:
    """Start a cluster's establishment or expansion procedure; one open dossier a cluster."""
    cluster = await Clusters(uow.session).lock(cmd.cluster_id)
    uow.authorize(recording(DossierStep.REQUEST_RECEIVED)(cluster.place))
    dossiers = Dossiers(uow.session)
    already = await dossiers.open_for(cluster.id)
    if already is not None:
        raise Conflict(
            f"cluster {cluster.id} already has an open {already.kind.value} dossier",
            dossier_id=already.id,
        )
    dossier, opened = Dossier.open(cluster, cmd, uow.rules.procedure)
    await dossiers.add(dossier)
    await uow.record(opened)
    return _dossier_view(uow, dossier)


def _dossier_view(uow: Uow, dossier: Dossier) -> s.DossierView:
    return s.DossierView.of(dossier, uow.rules.procedure, today())


async def _stepping(uow: Uow, dossier_id: str, version: Precondition, step: DossierStep) -> Dossier:
    dossier = await Dossiers(uow.session).lock(dossier_id)
    uow.authorize(recording(step)(dossier.place))
    version.check(dossier.version)
    return dossier


async def _stepped(uow: Uow, dossier: Dossier, event: ev.Event) -> s.DossierView:
    await Dossiers(uow.session).save(dossier)
    await uow.record(event)
    return _dossier_view(uow, dossier)


async def _record(
    uow: Uow, dossier_id: str, version: Precondition, step: DossierStep, cmd: s.StepDone
) -> s.DossierView:
    """A step before the decision, done on the day the body names."""
    dossier = await _stepping(uow, dossier_id, version, step)
    done = dossier.record(
        step, cmd.done_on, uow.rules.procedure, field=cmd.day_field, note=cmd.note
    )
    return await _stepped(uow, dossier, done)


async def announce_call(
    uow: Uow, *, dossier_id: str, cmd: s.AnnounceCall, version: Precondition
) -> s.DossierView:
    return await _record(uow, dossier_id, version, DossierStep.CALL_FOR_INVESTORS, cmd)


async def receive_dossier(
    uow: Uow, *, dossier_id: str, cmd: s.ReceiveDossier, version: Precondition
) -> s.DossierView:
    return await _record(uow, dossier_id, version, DossierStep.DOSSIER_RECEIVED, cmd)


async def appraise_dossier(
    uow: Uow, *, dossier_id: str, cmd: s.AppraiseDossier, version: Precondition
) -> s.DossierView:
    return await _record(uow, dossier_id, version, DossierStep.APPRAISAL, cmd)


async def decide_dossier(
    uow: Uow, *, dossier_id: str, cmd: s.DecideDossier, version: Precondition
) -> s.DossierView:
    dossier = await _stepping(uow, dossier_id, version, DossierStep.DECISION)
    decided = dossier.decide(cmd.decided_on, cmd.outcome, cmd.decision_number, uow.rules.procedure)
    return await _stepped(uow, dossier, decided)


async def get_dossier(uow: Uow, *, dossier_id: str) -> s.DossierView:
    found = await Dossiers(uow.session).get(dossier_id)
    uow.authorize(reading(found.place))
    return _dossier_view(uow, found)


async def list_dossiers(uow: Uow, *, query: s.DossierQuery) -> Page[s.DossierView]:
    """Dossiers oldest request first; `overdue=true` gives those past a step's due day."""
    scope = Scope.of(uow.caller, query.province_code)
    found, next_cursor = await Dossiers(uow.session).listed(scope, query, today())
    return Page[s.DossierView](
        items=[_dossier_view(uow, d) for d in found], next_cursor=next_cursor
    )
