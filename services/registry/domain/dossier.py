"""Procedure dossiers: a cluster's establishment or expansion, step by step, each step due by
the day its period (`procedure.py`) ends. Days are counted as the Civil Code counts them
(`shared.calendar`): Tết and the other holidays are not working days, and a period of days
that would end on a day off ends on the next working day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from services.registry.domain.cluster import Cluster, Step
from services.registry.domain.procedure import Procedure
from shared.calendar import working_days_between
from shared.domain import check_not_future, event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import registry as ev
from shared.events.registry import DossierKind, DossierOutcome, DossierStep
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)


class DossierOutOfStep(
    Conflict, problem="dossier-out-of-step", title="The procedure waits for another step"
):
    pass


class DossierRequest(Protocol):
    """The first written request of an enterprise to invest in the cluster's infrastructure."""

    cluster_id: str
    kind: DossierKind
    request_received_on: date
    investor_name: str | None


@dataclass(frozen=True)
class StepDeadline:
    """A step as the procedure stands: when it is due (once the step before is done), when
    it was done, and how many working days late."""

    step: DossierStep
    period: str
    due_on: date | None
    done_on: date | None
    late_working_days: int


@dataclass
class Dossier:
    """A cluster's establishment or expansion procedure, from request to decision."""

    id: str
    cluster_id: str
    kind: DossierKind
    province_code: str
    commune_code: str | None
    request_received_on: date
    investor_name: str | None = None
    call_for_investors_on: date | None = None
    dossier_received_on: date | None = None
    appraisal_on: date | None = None
    appraisal_note: str | None = None
    decision_on: date | None = None
    outcome: DossierOutcome | None = None
    decision_number: str | None = None
    next_step: DossierStep | None = DossierStep.CALL_FOR_INVESTORS
    next_due_on: date | None = None
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def done_on(self, step: DossierStep) -> date | None:
        on: date | None = getattr(self, f"{step.value}_on")
        return on

    def overdue(self, today: date) -> bool:
        """Open, and the next step's due day has passed."""
        return self.next_due_on is not None and today > self.next_due_on

    def overdue_working_days(self, today: date) -> int:
        """Working days past the next step's due day (0 when on time or decided)."""
        return working_days_between(self.next_due_on, today) if self.next_due_on else 0

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"dossier_id": self.id, **facts})

    @classmethod
    def open(
        cls, cluster: Cluster, request: DossierRequest, procedure: Procedure
    ) -> tuple[Dossier, ev.DossierOpened]:
        """Start the procedure for a cluster that may be established or expanded."""
        (Step.ESTABLISH if request.kind is DossierKind.ESTABLISHMENT else Step.EXPAND).check(
            cluster.status
        )
        check_not_future(request.request_received_on, field="request_received_on")
        first = procedure.steps[0]
        dossier = cls(
            id=new_id(),
            cluster_id=cluster.id,
            kind=request.kind,
            province_code=cluster.province_code,
            commune_code=cluster.commune_code,
            request_received_on=request.request_received_on,
            investor_name=request.investor_name,
            next_step=first.step,
            next_due_on=first.due(request.request_received_on),
        )
        return dossier, dossier._event(ev.DossierOpened)

    def record(
        self, step: DossierStep, on: date, procedure: Procedure, *, field: str, note: str | None
    ) -> ev.DossierStepRecorded:
        """A step before the decision was done on `on`."""
        due_on, late = self._done(step, on, procedure, field=field)
        if step is DossierStep.APPRAISAL:
            self.appraisal_note = note
        return self._event(
            ev.DossierStepRecorded,
            step=step,
            done_on=on,
            due_on=due_on,
            late_working_days=late,
            note=note,
        )

    def decide(
        self,
        on: date,
        outcome: DossierOutcome,
        decision_number: str | None,
        procedure: Procedure,
    ) -> ev.DossierDecided:
        """The province's decision closes the procedure."""
        if outcome is DossierOutcome.APPROVED and not decision_number:
            raise InvalidInput("an approval names its decision number", field="decision_number")
        due_on, late = self._done(DossierStep.DECISION, on, procedure, field="decided_on")
        self.outcome, self.decision_number = outcome, decision_number
        return self._event(
            ev.DossierDecided,
            done_on=on,
            due_on=due_on,
            late_working_days=late,
            outcome=outcome,
            decision_number=decision_number,
        )

    def _done(
        self, step: DossierStep, on: date, procedure: Procedure, *, field: str
    ) -> tuple[date, int]:
        """Check that `step` is the one awaited and `on` a possible day; mark it done, and
        start the next step's deadline. Returns the day it was due and how late it is."""
        if self.next_step is None or self.next_due_on is None:
            raise DossierOutOfStep(
                f"the dossier was decided on {self.decision_on}; its procedure is closed",
                next_step=None,
            )
        if step is not self.next_step:
            raise DossierOutOfStep(
                f"the dossier waits for its {self.next_step.value} (due {self.next_due_on}), "
                f"not its {step.value}",
                next_step=self.next_step.value,
            )
        check_not_future(on, field=field)
        self._check_not_early(step, on, procedure, field=field)
        due_on = self.next_due_on
        setattr(self, f"{step.value}_on", on)
        following = procedure.after(step)
        self.next_step = following.step if following else None
        self.next_due_on = following.due(on) if following else None
        return due_on, working_days_between(due_on, on)

    def _check_not_early(
        self, step: DossierStep, on: date, procedure: Procedure, *, field: str
    ) -> None:
        previous = self._last_done()
        rule = procedure.after(previous)
        earliest = rule.earliest(self.done_on(previous) or on) if rule else on
        if on < earliest:
            after = f"its {previous.value} on {self.done_on(previous)}"
            if rule is not None and rule.waits is not None:
                after = f"the {rule.waits} that follow {after} run out, on {earliest}"
            raise InvalidInput(f"the {step.value} cannot come before {after}", field=field)

    def _last_done(self) -> DossierStep:
        done = [s for s in DossierStep if self.done_on(s) is not None]
        return done[-1]

    def timeline(self, procedure: Procedure) -> list[StepDeadline]:
        """Every step after the request: due (once its step before is done), done, late."""
        deadlines = []
        previous_on: date | None = self.request_received_on
        for rule in procedure.steps:
            due_on = rule.due(previous_on) if previous_on else None
            done_on = self.done_on(rule.step)
            late = working_days_between(due_on, done_on) if due_on and done_on else 0
            deadlines.append(StepDeadline(rule.step, rule.period, due_on, done_on, late))
            previous_on = done_on
        return deadlines
