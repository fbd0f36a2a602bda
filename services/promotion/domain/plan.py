"""A province's yearly khuyến công plan (kế hoạch khuyến công): its budget from one funding
source, what approvals have committed of it, and what has been paid out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import promotion as ev
from shared.events.promotion import FundingSource
from shared.principal import Place


class OverBudget(Conflict, problem="over-budget", title="The plan's budget does not cover this"):
    pass


class PlanTerms(Protocol):
    province_code: str
    year: int
    funding_source: FundingSource
    budget_vnd: int


@dataclass
class Plan:
    """A plan's money, whole đồng: `committed_vnd` is the support its approved projects may
    still use (approved, less what was released on settlement, cancellation or return);
    `disbursed_vnd` is what was paid to beneficiaries and not returned."""

    id: str
    province_code: str
    year: int
    funding_source: FundingSource
    budget_vnd: int
    committed_vnd: int = 0
    disbursed_vnd: int = 0
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code)

    @property
    def uncommitted_vnd(self) -> int:
        return self.budget_vnd - self.committed_vnd

    @classmethod
    def create(cls, terms: PlanTerms) -> tuple[Plan, ev.PlanCreated]:
        if terms.budget_vnd <= 0:
            raise InvalidInput("a plan's budget must be more than 0 VND", field="budget_vnd")
        plan = cls(
            new_id(), terms.province_code, terms.year, terms.funding_source, terms.budget_vnd
        )
        return plan, event_of(ev.PlanCreated, plan, plan_id=plan.id)

    def check_funds(self, province_code: str, funding_source: FundingSource) -> None:
        """A plan funds only projects of its own province and funding source."""
        if (self.province_code, self.funding_source) != (province_code, funding_source):
            raise InvalidInput(
                f"plan {self.id} is the {self.funding_source.value} budget of province "
                f"{self.province_code}; it cannot fund a {funding_source.value} project of "
                f"province {province_code}",
                field="plan_id",
            )

    def check_year(self, day: date, *, field: str) -> None:
        """A plan's money is that year's budget: it funds decisions taken in that year."""
        if day.year != self.year:
            raise InvalidInput(
                f"plan {self.id} is the budget of {self.year}; a decision of {day} cannot "
                "draw on it",
                field=field,
            )

    def commit(self, amount_vnd: int) -> None:
        """Set aside support an approval grants; never past the budget."""
        if amount_vnd > self.uncommitted_vnd:
            raise OverBudget(
                f"approving {amount_vnd} VND would exceed plan {self.id}'s budget of "
                f"{self.budget_vnd} VND for {self.year}: {self.uncommitted_vnd} VND remain "
                "uncommitted",
                remaining_vnd=self.uncommitted_vnd,
            )
        self.committed_vnd += amount_vnd

    def release(self, amount_vnd: int) -> None:
        """Give back support an approval will never draw (undrawn when settled or cancelled)."""
        self.committed_vnd -= min(amount_vnd, self.committed_vnd)

    def disburse(self, amount_vnd: int) -> None:
        self.disbursed_vnd += amount_vnd

    def refund(self, amount_vnd: int) -> None:
        """Money paid out and returned to the budget: no longer disbursed, nor committed."""
        self.release(amount_vnd)
        self.disbursed_vnd -= min(amount_vnd, self.disbursed_vnd)
