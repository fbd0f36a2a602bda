"""Who acts and what they may touch: agencies, roles, jurisdictions, permits. Pure Python.

A command names every object it touches and asks, for each, the `Permit` that object's rules
require; the caller's `Principal` either satisfies it or the command is refused (403). Permits
are plain data, so an idempotent replay can check the same permits against the caller's
current token before it hands back a stored response.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared import geo
from shared.errors import Forbidden, InvalidInput


class Agency(StrEnum):
    """The agencies a token may act for (DESIGN.md, Security)."""

    SO_CONG_THUONG = "so-cong-thuong"
    SO_TNMT = "so-tnmt"
    SO_KHDT = "so-khdt"
    UBND = "ubnd"
    BO_CONG_THUONG = "bo-cong-thuong"
    DATA_TEAM = "data-team"
    DOANH_NGHIEP = "doanh-nghiep"
    """An enterprise (a tenant of a cluster) acting for itself: its token names its tax code,
    and it reaches only what a permit grants it by that tax code."""


class Role(StrEnum):
    VIEWER = "viewer"
    OFFICER = "officer"
    APPROVER = "approver"
    ADMIN = "admin"
    """Holds every other role, within the agency and jurisdiction of the token."""


NATIONAL_AGENCIES = frozenset({Agency.BO_CONG_THUONG, Agency.DATA_TEAM})
"""The Ministry acts for the whole country, and the national data team reads all of it (no
permit to write names it); every other agency acts in a province."""

WRITERS = frozenset({Role.OFFICER, Role.APPROVER})
APPROVERS = frozenset({Role.APPROVER})


@dataclass(frozen=True, slots=True)
class Place:
    """Where a record is filed: a province and, for most records, one of its communes."""

    province_code: str
    commune_code: str | None = None

    def describe(self) -> str:
        if self == NATIONWIDE:
            return "the whole country"
        if self.commune_code is None:
            return f"province {self.province_code}"
        return f"commune {self.commune_code} of province {self.province_code}"


NATIONWIDE = Place("00")
"""Where a record of the whole country is filed (a national regulation): no province has the
code 00, so only a national jurisdiction covers it."""


class Jurisdiction(BaseModel):
    """Where a principal may act: the whole country, one province, or some of its communes."""

    model_config = ConfigDict(frozen=True)

    national: bool = False
    province: str | None = None
    communes: tuple[str, ...] = ()

    @field_validator("province")
    @classmethod
    def _province_exists(cls, code: str | None) -> str | None:
        return geo.check_province_code(code) if code is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.national and (self.province or self.communes):
            raise ValueError("a national jurisdiction names no province or commune")
        if not self.national and self.province is None:
            raise ValueError("jurisdiction needs a province, or national=true")
        for commune in self.communes:
            geo.check_commune_code(commune, province_code=self.province)
        return self

    def covers(self, place: Place) -> bool:
        """True if a record filed at `place` is inside the jurisdiction."""
        if self.national:
            return True
        if place.province_code != self.province:
            return False
        return not self.communes or place.commune_code in self.communes

    def describe(self) -> str:
        if self.national:
            return "national"
        if self.communes:
            return f"province {self.province}, communes {', '.join(self.communes)}"
        return f"province {self.province}"


class Principal(BaseModel):
    """The verified caller."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=200)
    agency: Agency
    roles: frozenset[Role]
    jurisdiction: Jurisdiction
    tax_code: str | None = Field(
        None, pattern=r"^\d{10}(-\d{3})?$", description="an enterprise's own (doanh-nghiep)"
    )

    @field_validator("agency", mode="before")
    @classmethod
    def _known_agency(cls, agency: object) -> object:
        if agency not in set(Agency):
            known = ", ".join(Agency)
            raise ValueError(f"unknown agency {agency!r}; expected one of {known}")
        return agency

    @field_validator("roles", mode="before")
    @classmethod
    def _known_roles(cls, roles: Iterable[object]) -> object:
        unknown = sorted(str(r) for r in roles if r not in set(Role))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; expected some of {', '.join(Role)}")
        return roles

    @model_validator(mode="after")
    def _only_the_ministry_is_national(self) -> Self:
        if self.jurisdiction.national and self.agency not in NATIONAL_AGENCIES:
            raise ValueError(
                f"only {', '.join(sorted(NATIONAL_AGENCIES))} has a national jurisdiction; "
                f"a {self.agency} token must name its province"
            )
        return self

    @model_validator(mode="after")
    def _an_enterprise_names_its_tax_code(self) -> Self:
        if (self.agency is Agency.DOANH_NGHIEP) != (self.tax_code is not None):
            raise ValueError("a doanh-nghiep token names its tax_code, and only such a token")
        return self

    @property
    def is_enterprise(self) -> bool:
        return self.agency is Agency.DOANH_NGHIEP

    def has_role(self, roles: Iterable[Role]) -> bool:
        wanted = frozenset(roles)
        return not wanted or Role.ADMIN in self.roles or bool(self.roles & wanted)

    def require_role(self, roles: Iterable[Role]) -> None:
        if not self.has_role(roles):
            held = ", ".join(sorted(self.roles)) or "none"
            raise Forbidden(f"this needs the role {' or '.join(sorted(roles))}; you have {held}")


@dataclass(frozen=True, slots=True)
class Grant:
    """One way to be allowed: act for `agency` (None: any) holding one of `roles` (empty: any).

    `in_own_communes`: the token must name the record's commune (commune-level officers).
    `tax_code`: the token must carry this tax code (an enterprise acting on its own records).
    An enterprise never holds a grant that names no agency: it reaches only what names it.
    """

    agency: Agency | None = None
    roles: frozenset[Role] = frozenset()
    in_own_communes: bool = False
    tax_code: str | None = None


@dataclass(frozen=True, slots=True)
class Permit:
    """What acting on one record needs: one of the grants, and the record inside the caller's
    jurisdiction."""

    place: Place
    grants: tuple[Grant, ...] = (Grant(),)

    def check(self, principal: Principal) -> None:
        """Return if `principal` holds this permit; raise Forbidden saying what is missing."""
        grants = [g for g in self.grants if _applies(g, principal)]
        if not grants:
            agencies = ", ".join(sorted(str(g.agency) for g in self.grants))
            raise Forbidden(f"only {agencies} may do this; you act for {principal.agency}")
        if not principal.jurisdiction.covers(self.place):
            raise Forbidden(
                f"{self.place.describe()} is outside your jurisdiction "
                f"({principal.jurisdiction.describe()})"
            )
        for grant in grants:
            if principal.has_role(grant.roles):
                _check_communes(grant, principal, self.place)
                _check_tax_code(grant, principal)
                return
        principal.require_role({r for g in grants for r in g.roles})

    def to_json(self) -> dict[str, Any]:
        return {
            "province_code": self.place.province_code,
            "commune_code": self.place.commune_code,
            "grants": [
                {
                    "agency": g.agency,
                    "roles": sorted(g.roles),
                    "in_own_communes": g.in_own_communes,
                    "tax_code": g.tax_code,
                }
                for g in self.grants
            ],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Permit:
        return cls(
            Place(doc["province_code"], doc["commune_code"]),
            tuple(
                Grant(
                    agency=Agency(g["agency"]) if g["agency"] else None,
                    roles=frozenset(Role(r) for r in g["roles"]),
                    in_own_communes=g["in_own_communes"],
                    tax_code=g.get("tax_code"),
                )
                for g in doc["grants"]
            ),
        )


def _applies(grant: Grant, principal: Principal) -> bool:
    if grant.agency is None:
        return not principal.is_enterprise
    return grant.agency is principal.agency


def _check_tax_code(grant: Grant, principal: Principal) -> None:
    if grant.tax_code is not None and grant.tax_code != principal.tax_code:
        raise Forbidden("an enterprise acts only on its own records (its tax code's)")


def _check_communes(grant: Grant, principal: Principal, place: Place) -> None:
    if grant.in_own_communes and place.commune_code not in principal.jurisdiction.communes:
        raise Forbidden(
            f"{principal.agency} officers act only on records of the communes their token "
            f"names ({principal.jurisdiction.describe()}); this one is filed under "
            f"{place.describe()}"
        )


def province_place(province_code: str, *, nationwide: bool = False) -> Place:
    """The province a path names (with `nationwide`, 00 for the whole country too), or a 422
    naming `province_code`."""
    if not (nationwide and province_code == NATIONWIDE.province_code):
        try:
            geo.check_province_code(province_code)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="province_code") from None
    return Place(province_code)


def reading(place: Place) -> Permit:
    """Anyone whose jurisdiction covers the record may read it."""
    return Permit(place)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which records a list may show a caller: one province (or all), optionally some communes."""

    province_code: str | None
    commune_codes: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, principal: Principal, province_code: str | None, *, by_commune: bool = True
    ) -> Scope:
        """The asked province (all, for the Ministry), if inside the caller's jurisdiction."""
        if principal.is_enterprise:
            raise Forbidden("an enterprise reads only its own records, not the agencies' lists")
        jurisdiction = principal.jurisdiction
        if jurisdiction.national:
            return cls(province_code)
        if province_code is not None and province_code != jurisdiction.province:
            raise Forbidden(
                f"province {province_code} is outside your jurisdiction ({jurisdiction.describe()})"
            )
        return cls(jurisdiction.province, jurisdiction.communes if by_commune else ())

    def covers(self, place: Place) -> bool:
        """Whether a record filed at `place` is in the scope (as `in_scope` filters rows)."""
        if self.province_code is not None and place.province_code != self.province_code:
            return False
        return not self.commune_codes or place.commune_code in self.commune_codes
