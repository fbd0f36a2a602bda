"""The establishment and expansion procedure's steps and periods, as data.

Decree 32/2024/NĐ-CP, Art. 10: within 5 working days of the first enterprise's request the
People's Committee where the cluster lies announces a call for investors; the call runs 15
days, and within 5 working days of its close the dossier reaches Sở Công Thương; Sở Công
Thương appraises it within 25 days of receiving it complete; the provincial People's
Committee decides within 7 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.calendar import Days
from shared.events.registry import DossierStep


@dataclass(frozen=True)
class StepRule:
    """One step: how long it may take after the step before, and what must run out first."""

    step: DossierStep
    allowed: Days
    waits: Days | None = None
    """A period that runs before this one and before which the step cannot be done."""

    def earliest(self, previous_on: date) -> date:
        return self.waits.end(previous_on) if self.waits else previous_on

    def due(self, previous_on: date) -> date:
        return self.allowed.end(self.earliest(previous_on))

    @property
    def period(self) -> str:
        return f"{self.waits} then {self.allowed}" if self.waits else str(self.allowed)


@dataclass(frozen=True)
class Procedure:
    """The steps after the request, in order, with their periods."""

    name: str
    steps: tuple[StepRule, ...]

    def after(self, step: DossierStep) -> StepRule | None:
        """The rule of the step that follows `step`; none after the last."""
        order = [DossierStep.REQUEST_RECEIVED, *(rule.step for rule in self.steps)]
        following = order.index(step) + 1
        return self.steps[following - 1] if following < len(order) else None


DECREE_32_2024 = Procedure(
    "Decree 32/2024/NĐ-CP, Art. 10",
    (
        StepRule(DossierStep.CALL_FOR_INVESTORS, Days(5, working=True)),
        StepRule(DossierStep.DOSSIER_RECEIVED, Days(5, working=True), waits=Days(15)),
        StepRule(DossierStep.APPRAISAL, Days(25)),
        StepRule(DossierStep.DECISION, Days(7, working=True)),
    ),
)
