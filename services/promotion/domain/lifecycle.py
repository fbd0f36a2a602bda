"""A khuyến công project's lifecycle and money rules: which command may start from which
status, what its money figures mean, and the order its dates must keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.errors import Conflict, InvalidInput
from shared.events.promotion import ProjectStatus
from shared.lifecycle import Lifecycle


class IllegalTransition(
    Conflict, problem="illegal-transition", title="Not allowed in the project's current status"
):
    pass


class OverDisbursement(
    Conflict, problem="over-disbursement", title="More than the approved support remains"
):
    pass


class MoreThanHeld(
    Conflict, problem="more-than-held", title="More than the beneficiary holds of the support"
):
    """Settling or returning more than was disbursed and not yet returned."""


_S = ProjectStatus
_OPEN = {_S.APPROVED, _S.CONTRACTED, _S.IN_PROGRESS}
"""Approved and not finished: the statuses a project can be paused from."""


class Step(Lifecycle):
    """Each project command, and the statuses it may start from (proposal → appraisal →
    approval → contract → disbursements → acceptance → settlement)."""

    APPRAISE = ("appraise", {_S.PROPOSED})
    APPROVE = ("approve", {_S.APPRAISED})
    CONTRACT = ("sign the contract of", {_S.APPROVED})
    # Final payments follow acceptance; an advance may not (checked with the kind).
    DISBURSE = ("disburse to", {_S.CONTRACTED, _S.IN_PROGRESS, _S.ACCEPTED})
    RECORD_VISIT = ("record a monitoring visit to", _OPEN | {_S.PAUSED, _S.ACCEPTED})
    # A beneficiary that took no advance is accepted straight from contracted, paid after.
    ACCEPT = ("accept", {_S.CONTRACTED, _S.IN_PROGRESS})
    SETTLE = ("settle", {_S.ACCEPTED})
    PAUSE = ("pause", _OPEN)
    RESUME = ("resume", {_S.PAUSED})
    RESCHEDULE = ("reschedule", {_S.PROPOSED, _S.APPRAISED, _S.PAUSED} | _OPEN)
    CANCEL = ("cancel", {_S.PROPOSED, _S.APPRAISED, _S.PAUSED} | _OPEN)
    RETURN_FUNDS = ("return funds of", {_S.IN_PROGRESS, _S.PAUSED, _S.ACCEPTED})

    @property
    def what(self) -> str:
        return "project"

    @property
    def refused(self) -> type[Conflict]:
        return IllegalTransition


CLOSED = frozenset({_S.SETTLED, _S.CANCELLED, _S.REJECTED})
"""Statuses in which nothing more may be drawn on the project's approval."""


@dataclass(frozen=True)
class Money:
    """A project's money, whole đồng."""

    approved_vnd: int
    """The support the approval decision granted; 0 before approval."""
    disbursed_vnd: int
    """Paid to the beneficiary in all, advances and payments, before any return."""
    settled_vnd: int
    """Recognised as spent by the settlement (quyết toán); 0 before it, and for a cancelled
    project."""
    returned_vnd: int
    """Paid back to the budget in all (trả lại vốn)."""
    remaining_vnd: int
    """What may still be disbursed: approved − disbursed while the approval is open; 0 once
    the project is settled or cancelled, when the undrawn rest goes back to the plan. A
    return does not add to it: returned money goes back to the budget, not to the project."""

    @property
    def held_vnd(self) -> int:
        """Disbursed and neither settled nor returned: what the beneficiary must account for."""
        return self.disbursed_vnd - self.settled_vnd - self.returned_vnd


def check_order(day: date, earlier: date | None, *, field: str, what: str) -> None:
    """A project's dates follow its lifecycle: refuse `day` before an earlier step's date."""
    if earlier is not None and day < earlier:
        raise InvalidInput(f"{field} {day} is before {what} ({earlier})", field=field)


def check_positive(amount_vnd: int, *, field: str) -> None:
    if amount_vnd <= 0:
        raise InvalidInput(f"{field} must be more than 0 VND; got {amount_vnd}", field=field)
