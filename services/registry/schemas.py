"""The registry's HTTP contract: request and response bodies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.registry.domain import nfc, tax_code_error
from shared import geo
from shared.events.registry import ClusterStatus, EnterpriseKind, FacilityLocation

T = TypeVar("T")

AreaHa = Annotated[
    Decimal, Field(gt=0, max_digits=12, decimal_places=4, description="hectares, up to 4 decimals")
]
AreaHaOrZero = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]
Vnd = Annotated[int, Field(ge=0, le=10**16, description="Vietnamese đồng, whole")]


class Body(BaseModel):
    """A request body: unknown fields are refused, text is stored NFC."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value: object) -> object:
        return nfc(value) if isinstance(value, str) else value


class Versioned(Body):
    version: int | None = Field(None, ge=1, description="the version you read; or send If-Match")


class PlaceMixin(BaseModel):
    province_code: str
    commune_code: str | None = None

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str) -> str:
        return geo.check_province_code(code)

    @model_validator(mode="after")
    def _commune_in_province(self) -> Self:
        if self.commune_code is not None:
            try:
                geo.check_commune_code(self.commune_code, province_code=self.province_code)
            except ValueError as exc:
                raise ValueError(f"commune_code: {exc}") from None
        return self


# -- clusters -------------------------------------------------------------------------------


class PlanCluster(Body, PlaceMixin):
    name: Text
    planned_area_ha: AreaHa
    sectors: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=30
    )


class EstablishCluster(Versioned):
    decision_number: Annotated[str, Field(min_length=1, max_length=100)]
    decision_date: date
    investor_name: Text
    area_ha: AreaHa
    industrial_land_area_ha: AreaHa


class RecordConstruction(Versioned):
    investment_vnd: Vnd
    report_date: date
    note: LongText | None = None


class StartOperation(Versioned):
    start_date: date


class ExpandCluster(Versioned):
    decision_number: Annotated[str, Field(min_length=1, max_length=100)]
    decision_date: date
    added_area_ha: AreaHa
    added_industrial_land_area_ha: AreaHaOrZero


class RemoveCluster(Versioned):
    reason: LongText


class ClusterView(BaseModel):
    id: str
    name: str
    province_code: str
    commune_code: str | None
    status: ClusterStatus
    planned_area_ha: Decimal
    sectors: list[str]
    decision_number: str | None
    decision_date: date | None
    investor_name: str | None
    area_ha: Decimal | None
    industrial_land_area_ha: Decimal | None
    leased_area_ha: Decimal
    occupancy_rate: Decimal
    tenant_count: int
    workers: int
    infrastructure_investment_vnd: int
    operation_start_date: date | None
    removal_reason: str | None
    version: int


# -- enterprises and facilities ------------------------------------------------------------


class RegisterEnterprise(Body):
    name: Text
    tax_code: Annotated[str, Field(min_length=10, max_length=14)]
    kind: EnterpriseKind
    province_code: str

    @field_validator("tax_code")
    @classmethod
    def _tax_code(cls, code: str) -> str:
        problem = tax_code_error(code)
        if problem:
            raise ValueError(problem)
        return code

    @field_validator("province_code")
    @classmethod
    def _province(cls, code: str) -> str:
        return geo.check_province_code(code)


class EnterpriseView(BaseModel):
    id: str
    name: str
    tax_code: str
    kind: EnterpriseKind
    province_code: str


class RegisterFacility(Body, PlaceMixin):
    enterprise_id: str
    name: Text
    commune_code: str  # required for a facility
    address: LongText
    sector: Annotated[str, Field(min_length=1, max_length=200)]
    workers: int = Field(ge=0, le=1_000_000)
    annual_output_vnd: Vnd


class FacilityView(BaseModel):
    id: str
    enterprise_id: str
    name: str
    province_code: str
    commune_code: str
    address: str
    sector: str
    workers: int
    annual_output_vnd: int
    location: FacilityLocation
    cluster_id: str | None
    relocated_on: date | None
    version: int


# -- tenancies and relocations -------------------------------------------------------------


class StartTenancy(Body):
    facility_id: str
    leased_area_ha: AreaHa
    start_date: date


class EndTenancy(Body):
    end_date: date


class TenancyView(BaseModel):
    id: str
    cluster_id: str
    facility_id: str
    leased_area_ha: Decimal
    start_date: date
    end_date: date | None
    relocation: bool
    cluster_leased_area_ha: Decimal
    cluster_occupancy_rate: Decimal


class RelocateFacility(Body):
    cluster_id: str
    leased_area_ha: AreaHa
    date: date


class RelocationView(BaseModel):
    facility: FacilityView
    tenancy: TenancyView


class RelocationCandidateView(BaseModel):
    facility_id: str
    facility_name: str | None
    province_code: str
    commune_code: str | None
    severity: str
    relocation_priority: int
    classified_on: date
    reasons: list[str]
    relocated: bool
    cluster_id: str | None
    relocated_on: date | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )
