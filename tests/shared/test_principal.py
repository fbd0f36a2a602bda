"""Permits and scopes for an enterprise acting for itself: it holds only what names it by its
tax code, and never the agencies' lists."""

from __future__ import annotations

import pytest

from shared.errors import Forbidden
from shared.principal import (
    Agency,
    Grant,
    Jurisdiction,
    Permit,
    Place,
    Principal,
    Role,
    Scope,
    reading,
)

SON_LA = Place("14", "03646")
OWN, OTHER = "0100109106", "0101243150"


def _enterprise(tax_code: str = OWN, province: str = "14") -> Principal:
    return Principal(
        subject="dn-1",
        agency=Agency.DOANH_NGHIEP,
        roles=frozenset({Role.OFFICER}),
        jurisdiction=Jurisdiction(province=province),
        tax_code=tax_code,
    )


def test_an_enterprise_holds_no_permit_that_names_no_agency() -> None:
    with pytest.raises(Forbidden):
        reading(SON_LA).check(_enterprise())
    with pytest.raises(Forbidden):
        Scope.of(_enterprise(), "14")


def test_an_enterprise_holds_a_permit_for_its_own_tax_code_in_its_province_only() -> None:
    own = Permit(SON_LA, (Grant(Agency.DOANH_NGHIEP, tax_code=OWN),))
    own.check(_enterprise())
    with pytest.raises(Forbidden):
        own.check(_enterprise(OTHER))
    with pytest.raises(Forbidden):
        own.check(_enterprise(province="01"))
    assert Permit.from_json(own.to_json()) == own  # idempotent replays check the same


def test_only_an_enterprise_token_carries_a_tax_code() -> None:
    with pytest.raises(ValueError, match="tax_code"):
        _enterprise(tax_code=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tax_code"):
        Principal(
            subject="o-1",
            agency=Agency.SO_CONG_THUONG,
            roles=frozenset({Role.OFFICER}),
            jurisdiction=Jurisdiction(province="14"),
            tax_code=OWN,
        )
