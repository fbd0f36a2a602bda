"""The HTTP contract of placement applications and the provinces' priority criteria."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, field_validator

from services.registry.domain import (
    PlacementApplication,
    PlacementCriteria,
    PlacementGroup,
    PlacementStatus,
    Ranked,
    TieBreaker,
)
from services.registry.schemas.records import RegisterEnterprise
from shared.events.registry import PlacementPurpose
from shared.pagination import PageQuery
from shared.schemas import AreaHa, Body, Located, LongText, ProvinceQuery, Versioned, Vnd

T = TypeVar("T")


def _once(items: list[T], what: str) -> list[T]:
    repeated = sorted({str(i) for i in items if items.count(i) > 1})
    if repeated:
        raise ValueError(f"each {what} once: {', '.join(repeated)} repeated")
    return items


ClusterIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(min_length=1, max_length=5, description="preferred clusters, most wanted first"),
]


class NewEnterprise(RegisterEnterprise, Located):
    """A new enterprise without premises: who it is, where it is registered today, and what
    it will produce."""

    commune_code: str
    address: LongText
    sector: Annotated[str, Field(min_length=1, max_length=200)]


class ApplyForPlacement(Body):
    """A facility of the province, or a new enterprise, asks for land in a cluster."""

    facility_id: str | None = Field(None, min_length=1, max_length=100)
    new_enterprise: NewEnterprise | None = None
    purpose: PlacementPurpose
    requested_area_ha: AreaHa
    cluster_ids: ClusterIds
    applied_on: date
    annual_output_vnd: Vnd | None = Field(
        None, description="planned, for a new enterprise; a facility's is on its record"
    )
    workers: int | None = Field(None, ge=0, le=1_000_000)
    facts: LongText | None = Field(None, description="what else supports the application")

    @field_validator("cluster_ids")
    @classmethod
    def _each_cluster_once(cls, ids: list[str]) -> list[str]:
        return _once(ids, "cluster")


class ApprovePlacement(Versioned):
    cluster_id: str = Field(min_length=1, max_length=100)
    leased_area_ha: AreaHa | None = Field(None, description="the area requested, if not given")
    approved_on: date


class RejectPlacement(Versioned):
    rejected_on: date
    reason: LongText


class WithdrawPlacement(Versioned):
    withdrawn_on: date
    reason: LongText | None = None


class PlacementQuery(PageQuery, ProvinceQuery):
    cluster_id: str | None = Field(None, max_length=100, description="preferred or allocated")
    status: PlacementStatus = PlacementStatus.APPLIED


class PlacementView(BaseModel):
    id: str
    province_code: str
    commune_code: str | None
    facility_id: str | None
    applicant_name: str
    applicant_tax_code: str | None
    purpose: PlacementPurpose
    requested_area_ha: Decimal
    cluster_ids: list[str]
    applied_on: date
    annual_output_vnd: int | None
    workers: int | None
    facts: str | None
    status: PlacementStatus
    rank: int | None = Field(description="its place in the province's queue; none once closed")
    group: PlacementGroup | None
    why: list[str] = Field(description="the criteria that place it where it is")
    decided_on: date | None
    cluster_id: str | None = Field(description="the cluster it was given land in")
    tenancy_id: str | None
    reason: str | None
    version: int

    @classmethod
    def of(cls, application: PlacementApplication, ranked: Ranked | None) -> PlacementView:
        return cls.model_validate(
            {
                **vars(application),
                "rank": ranked.rank if ranked else None,
                "group": ranked.group if ranked else None,
                "why": ranked.why if ranked else [],
            }
        )


class SetCriteria(Versioned):
    """A province's priority criteria, as its People's Committee approved them."""

    groups: list[PlacementGroup] = Field(
        min_length=len(PlacementGroup), max_length=len(PlacementGroup), description="in order"
    )
    tie_breakers: list[TieBreaker] = Field(min_length=1, max_length=len(TieBreaker))
    basis: LongText = Field(description="the decision that approved them")

    @field_validator("groups", "tie_breakers")
    @classmethod
    def _each_once(cls, items: list[T]) -> list[T]:
        return _once(items, "item")


class CriteriaView(BaseModel):
    province_code: str = Field(description="00: the default, for provinces without their own")
    groups: list[PlacementGroup]
    tie_breakers: list[TieBreaker]
    basis: str
    version: int

    @classmethod
    def of(cls, criteria: PlacementCriteria) -> CriteriaView:
        return cls.model_validate(vars(criteria))
