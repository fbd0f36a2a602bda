"""Request and query types every service's HTTP contract shares: bodies, places, amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared import geo
from shared.pagination import PageQuery
from shared.preconditions import MAX_VERSION
from shared.principal import Place
from shared.text import nfc, no_nul

AreaHa = Annotated[
    Decimal, Field(gt=0, max_digits=12, decimal_places=4, description="hectares, up to 4 decimals")
]
AreaHaOrZero = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]
Vnd = Annotated[int, Field(ge=0, le=10**16, description="Vietnamese đồng, whole")]

RecordId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^[!-~]+$",
        description="the id the API gave the record",
    ),
]


class Body(BaseModel):
    """A request body: unknown fields are refused, text is stored NFC."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value: object) -> object:
        return nfc(no_nul(value)) if isinstance(value, str) else value


class Versioned(Body):
    """A change to a record: it says which version of the record it is based on."""

    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="the version you read; or send If-Match"
    )


class Located(BaseModel):
    """A record filed under a province and, optionally, one of its communes (2025 codes)."""

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

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)


class ProvinceQuery(BaseModel):
    """Records of one province; of every province the caller may see, if none is named."""

    province_code: str | None = Field(
        None, pattern=r"^\d{2}$", description="province code, e.g. 14 (Sơn La)"
    )


class ListQuery(PageQuery, ProvinceQuery):
    """A page of records whose names contain `q` whatever the accents ("pho moi" finds
    "Phố Mới")."""

    q: str | None = Field(None, max_length=100, description="part of the name, accents optional")
