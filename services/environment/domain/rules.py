"""The numbers a province may set for its inspections: remediation time and what counts as
polluting. Kept as data (settings), read by the handlers as `uow.rules`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.settings import Settings


@dataclass(frozen=True)
class EnvironmentRules:
    """Defaults: an exceedance of 2× its limit or more is serious and gets 30 days to be put
    right, a lesser one 90, a finding 60; two inspections with exceedances within 24 months
    make a facility polluting."""

    remediation_days_serious: int = 30
    remediation_days_exceedance: int = 90
    remediation_days_finding: int = 60
    serious_ratio: Decimal = Decimal(2)
    repeat_inspections: int = 2
    repeat_window_months: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> EnvironmentRules:
        return cls(
            remediation_days_serious=settings.remediation_days_serious,
            remediation_days_exceedance=settings.remediation_days_exceedance,
            remediation_days_finding=settings.remediation_days_finding,
            serious_ratio=settings.serious_pollution_ratio,
            repeat_inspections=settings.pollution_repeat_inspections,
            repeat_window_months=settings.pollution_window_months,
        )

    def remediation_deadline(self, inspected_on: date, ratio: Decimal | None) -> date:
        """When a violation found on `inspected_on` must be put right; `ratio` is None for a
        finding, else how many times its limit the sample was."""
        if ratio is None:
            days = self.remediation_days_finding
        elif ratio >= self.serious_ratio:
            days = self.remediation_days_serious
        else:
            days = self.remediation_days_exceedance
        return inspected_on + timedelta(days=days)

    def window_start(self, day: date) -> date:
        """The first day of the window of repeat inspections that ends on `day`."""
        months = day.year * 12 + day.month - 1 - self.repeat_window_months
        year, month = divmod(months, 12)
        last_day = 28 if month + 1 == 2 else 30 if month + 1 in (4, 6, 9, 11) else 31
        return date(year, month + 1, min(day.day, last_day))
