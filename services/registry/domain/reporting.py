"""Half-year and annual reports of the producers in a cluster (Circular 14/2024/TT-BCT, Art. 3):
production value, workers, money paid to the budget, and whether the wastewater reaches the
cluster's treatment plant. Each tenant's row is kept in every revision: a correction adds one.

The half-year's data are cut 15 Dec (of the year before) to 14 Jun and the year's 15 Dec to
14 Dec; the reports are due before 20 Jun and before 20 Dec, so one filed on the 20th or later
is late. A tenant that has filed nothing once its report is due is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain import event_of, new_id
from shared.events import registry as ev
from shared.periods import Period
from shared.principal import Place


class TenantFigures:
    """What a tenant reports for a period (a request row satisfies it)."""

    facility_id: str
    production_value_vnd: int
    workers: int
    budget_paid_vnd: int
    wastewater_to_plant: bool


@dataclass
class ReportRow:
    """One tenant's figures for one period, in one revision (1 first; the highest current)."""

    id: str
    cluster_id: str
    facility_id: str
    enterprise_id: str
    province_code: str
    commune_code: str | None
    period: str
    revision: int
    production_value_vnd: int
    workers: int
    budget_paid_vnd: int
    wastewater_to_plant: bool
    filed_on: date
    late: bool
    filed_by: str
    filed_by_agency: str
    current: bool = True

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    @classmethod
    def filed(
        cls,
        figures: Any,
        *,
        previous: ReportRow | None,
        period: Period,
        **facts: Any,
    ) -> ReportRow:
        """A new row, or the next revision of `previous` (which the repository then retires)."""
        return cls(
            id=new_id(),
            facility_id=figures.facility_id,
            production_value_vnd=figures.production_value_vnd,
            workers=figures.workers,
            budget_paid_vnd=figures.budget_paid_vnd,
            wastewater_to_plant=figures.wastewater_to_plant,
            period=str(period),
            revision=previous.revision + 1 if previous else 1,
            late=period.late(facts["filed_on"]),
            **facts,
        )


def report_filed(rows: list[ReportRow], *, cluster_id: str, period: Period) -> ev.Event:
    """The event of one filing: the rows it added, each in its revision."""
    first = rows[0]
    return ev.ClusterPeriodReportFiled(
        cluster_id=cluster_id,
        province_code=first.province_code,
        commune_code=first.commune_code,
        period=str(period),
        filed_on=first.filed_on,
        late=first.late,
        filed_by_agency=first.filed_by_agency,
        rows=[ev.TenantReportRow.model_validate(vars(row), from_attributes=False) for row in rows],
    )


@dataclass
class ProvinceStatistics:
    """The statistics office's small-industry output for a province (or, before the 2025
    reorganisation, one of its districts) in a year: what cluster output is a share of."""

    id: str
    province_code: str
    year: int
    area: str
    """The district (pre-2025) the figure is for; empty for the whole province."""
    small_industry_output_vnd: int
    statistics_source: str
    cluster_ids: list[str]
    version: int = 1

    @classmethod
    def recorded(
        cls, previous: ProvinceStatistics | None, **facts: Any
    ) -> tuple[ProvinceStatistics, ev.ProvinceStatisticsRecorded]:
        """The figure, new or replacing the one recorded before for the same year and area."""
        if previous is None:
            statistics = cls(id=new_id(), **facts)
        else:
            statistics = cls(id=previous.id, version=previous.version, **facts)
        return statistics, event_of(ev.ProvinceStatisticsRecorded, statistics)
