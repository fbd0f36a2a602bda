"""Whether a facility pollutes: classified by the province's rule after each inspection, or
by an approver's decision, and lifted again; polluters go on the registry's relocation list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from services.environment.domain.rules import EnvironmentRules
from shared.domain import event_of
from shared.errors import Conflict
from shared.events import environment as ev
from shared.events.environment import PollutionSeverity
from shared.principal import Place

E = TypeVar("E", bound=ev.Event)

FAR_OVER_LIMIT = Decimal(5)
"""A sample this many times its limit moves a facility one step up the relocation order."""


@dataclass(frozen=True)
class InspectionRecord:
    """What the classification rule needs of one completed inspection."""

    inspection_id: str
    carried_out_on: date
    worst_ratio: Decimal | None
    """The highest exceedance ratio among its samples over their limits; None if none was."""


@dataclass(frozen=True)
class Assessment:
    severity: PollutionSeverity
    relocation_priority: int
    reasons: list[str]


def assess(
    history: Sequence[InspectionRecord],
    overdue_violations: int,
    rules: EnvironmentRules,
    *,
    after: date | None = None,
) -> Assessment | None:
    """The province's rule over a facility's completed inspections, latest last: seriously
    polluting if the latest found a sample at `serious_ratio`× its limit or more; polluting
    if `repeat_inspections` inspections within the window found exceedances; else None.

    Relocation priority (1 = most urgent): 1 seriously polluting with overdue violations,
    2 seriously polluting, 3 polluting with overdue violations, 4 polluting; one step more
    urgent when a sample was 5× its limit or more. Inspections up to `after` (the day the
    facility was last declassified) no longer count."""
    history = [r for r in history if after is None or r.carried_out_on > after]
    if not history:
        return None
    latest = history[-1]
    since = rules.window_start(latest.carried_out_on)
    exceeding = [r for r in history if r.worst_ratio is not None and r.carried_out_on >= since]
    worst = max((r.worst_ratio for r in exceeding if r.worst_ratio), default=None)
    reasons: list[str] = []
    if latest.worst_ratio is not None and latest.worst_ratio >= rules.serious_ratio:
        severity = PollutionSeverity.SERIOUSLY_POLLUTING
        reasons.append(f"a sample at {latest.worst_ratio}× its limit on {latest.carried_out_on}")
    elif len(exceeding) >= rules.repeat_inspections:
        severity = PollutionSeverity.POLLUTING
        reasons.append(
            f"exceedances in {len(exceeding)} inspections within {rules.repeat_window_months} "
            f"months (since {since})"
        )
    else:
        return None
    priority = (1 if severity is PollutionSeverity.SERIOUSLY_POLLUTING else 3) + (
        0 if overdue_violations else 1
    )
    if overdue_violations:
        reasons.append(f"violations past their remediation deadline: {overdue_violations}")
    if worst is not None and worst >= FAR_OVER_LIMIT:
        priority = max(1, priority - 1)
        reasons.append(f"a sample at {worst}× its limit")
    return Assessment(severity, priority, reasons)


class NotClassified(Conflict, problem="not-classified", title="The facility is not classified"):
    pass


@dataclass
class Classification:
    """A facility's standing with the environment department: polluting (and how urgently it
    must move) or not; `version` guards an approver's changes."""

    id: str
    """The facility's id: a facility has one standing."""
    province_code: str
    commune_code: str | None
    severity: PollutionSeverity | None = None
    relocation_priority: int | None = None
    classified_on: date | None = None
    declassified_on: date | None = None
    inspection_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    decided_by_hand: bool = False
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"facility_id": self.id, **facts})

    def classify(
        self,
        assessment: Assessment,
        *,
        on: date,
        inspection_id: str | None,
        by_hand: bool = False,
    ) -> ev.FacilityClassifiedPolluting | None:
        """Record the assessment; None when it says nothing new (same severity and priority),
        or when the rule would only repeat what an approver already decided by hand."""
        same = (self.severity, self.relocation_priority) == (
            assessment.severity,
            assessment.relocation_priority,
        )
        if not by_hand and (same or (self.decided_by_hand and self.severity is not None)):
            return None
        self.severity, self.relocation_priority = (
            assessment.severity,
            assessment.relocation_priority,
        )
        self.classified_on, self.declassified_on = on, None
        self.inspection_id, self.reasons = inspection_id, list(assessment.reasons)
        self.decided_by_hand = by_hand
        return self._event(ev.FacilityClassifiedPolluting)

    def declassify(self, *, on: date, reason: str) -> ev.FacilityDeclassified:
        if self.severity is None:
            raise NotClassified(f"facility {self.id} is not classified as polluting")
        self.severity = self.relocation_priority = None
        self.declassified_on, self.reasons, self.decided_by_hand = on, [reason], True
        return self._event(ev.FacilityDeclassified, declassified_on=on, reason=reason)
