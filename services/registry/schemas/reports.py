"""The HTTP contract of tenants' periodic reports, their compliance, and output statistics."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from services.registry.domain import Period, ProvinceStatistics, ReportRow
from shared.schemas import Body, LongText, ProvinceQuery, Vnd

PeriodText = Annotated[
    str,
    Field(
        pattern=r"^\d{4}(-H1)?$",
        description="2025-H1: 15 Dec 2024 – 14 Jun 2025; 2025: 15 Dec 2024 – 14 Dec 2025",
    ),
]


class TenantFigures(Body):
    facility_id: str = Field(min_length=1, max_length=100)
    production_value_vnd: Vnd
    workers: int = Field(ge=0, le=1_000_000)
    budget_paid_vnd: Vnd = Field(description="money paid to the state budget in the period")
    wastewater_to_plant: bool = Field(description="its wastewater goes to the cluster's plant")


class FilePeriodReport(Body):
    """Tenants' figures for a period: a row for a tenant that has one already corrects it."""

    period: PeriodText
    filed_on: date | None = Field(
        None, description="the day the report arrived (today if not given; an enterprise: today)"
    )
    rows: list[TenantFigures] = Field(min_length=1, max_length=2000)

    @field_validator("rows")
    @classmethod
    def _each_facility_once(cls, rows: list[TenantFigures]) -> list[TenantFigures]:
        ids = [r.facility_id for r in rows]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"one row a facility: {', '.join(repeated)} repeated")
        return rows


class ReportRowView(BaseModel):
    facility_id: str
    enterprise_id: str
    revision: int
    production_value_vnd: int
    workers: int
    budget_paid_vnd: int
    wastewater_to_plant: bool
    filed_on: date
    late: bool
    filed_by_agency: str
    current: bool

    @classmethod
    def of(cls, row: ReportRow) -> ReportRowView:
        return cls.model_validate(vars(row))


class PeriodReportView(BaseModel):
    """A cluster's report for a period: each tenant's current row, and their totals."""

    cluster_id: str
    period: str
    starts_on: date
    ends_on: date
    due_on: date = Field(description="the last day a report is on time")
    rows: list[ReportRowView]
    production_value_vnd: int
    workers: int
    budget_paid_vnd: int

    @classmethod
    def of(cls, cluster_id: str, period: Period, rows: list[ReportRow]) -> PeriodReportView:
        return cls(
            cluster_id=cluster_id,
            period=str(period),
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            due_on=period.due_on,
            rows=[ReportRowView.of(r) for r in rows],
            production_value_vnd=sum(r.production_value_vnd for r in rows),
            workers=sum(r.workers for r in rows),
            budget_paid_vnd=sum(r.budget_paid_vnd for r in rows),
        )


class PeriodQuery(BaseModel):
    period: PeriodText


class ComplianceQuery(ProvinceQuery):
    period: PeriodText


class Standing(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_YET_DUE = "not_yet_due"


class TenantStanding(BaseModel):
    facility_id: str
    facility_name: str
    standing: Standing
    filed_on: date | None


class ClusterCompliance(BaseModel):
    cluster_id: str
    cluster_name: str
    province_code: str
    tenants: int
    on_time: int
    late: int
    missing: int
    not_yet_due: int
    standings: list[TenantStanding]


class ComplianceView(BaseModel):
    period: str
    due_on: date
    clusters: list[ClusterCompliance] = Field(description="those with a tenant in the period")


class RecordStatistics(Body):
    """The statistics office's small-industry output for the province (area empty) or one
    of its pre-2025 districts; `cluster_ids` names the clusters inside that district."""

    year: int = Field(ge=2000, le=2100)
    area: str = Field("", max_length=200, description="a pre-2025 district; empty: province")
    small_industry_output_vnd: Vnd = Field(gt=0)
    statistics_source: LongText
    cluster_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list,
        max_length=200,
        description="the clusters in the area (empty: all the province's)",
    )


class StatisticsQuery(BaseModel):
    year: int | None = Field(None, ge=2000, le=2100)


class StatisticsView(BaseModel):
    id: str
    province_code: str
    year: int
    area: str
    small_industry_output_vnd: int
    statistics_source: str
    cluster_ids: list[str]
    cluster_production_value_vnd: int = Field(
        description="the year's reports of the tenants of those clusters, summed"
    )
    cluster_share: Decimal = Field(description="of the small-industry output, 0..1")
    version: int

    @classmethod
    def of(cls, statistics: ProvinceStatistics, cluster_output_vnd: int) -> StatisticsView:
        share = Decimal(cluster_output_vnd) / statistics.small_industry_output_vnd
        return cls.model_validate(
            {
                **vars(statistics),
                "cluster_production_value_vnd": cluster_output_vnd,
                "cluster_share": share.quantize(Decimal("0.0001")),
            }
        )
