"""Enterprises and their production facilities, relocation out of residential areas, and
tax codes (mã số thuế)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from services.registry.domain.cluster import Cluster, E, Tenancy
from shared.domain import event_of, new_id
from shared.errors import Conflict, InvalidInput
from shared.events import registry as ev
from shared.events.registry import EnterpriseKind, FacilityLocation
from shared.principal import Place


class EnterpriseRegistration(Protocol):
    name: str
    tax_code: str
    kind: EnterpriseKind
    province_code: str


class FacilityRegistration(Protocol):
    """A facility as it is registered: where it stands today, in a residential area."""

    name: str
    province_code: str
    commune_code: str
    address: str
    sector: str
    workers: int
    annual_output_vnd: int


@dataclass
class Enterprise:
    """A company, cooperative or household business, known by its tax code (mã số thuế)."""

    id: str
    name: str
    tax_code: str
    kind: EnterpriseKind
    province_code: str

    @classmethod
    def register(
        cls, registration: EnterpriseRegistration
    ) -> tuple[Enterprise, ev.EnterpriseRegistered]:
        r = registration
        enterprise = cls(new_id(), r.name, r.tax_code, r.kind, r.province_code)
        return enterprise, event_of(
            ev.EnterpriseRegistered, enterprise, enterprise_id=enterprise.id
        )


@dataclass
class Facility:
    """A production facility (cơ sở sản xuất): in a residential area, or in a cluster."""

    id: str
    enterprise_id: str
    name: str
    province_code: str
    commune_code: str
    address: str
    sector: str
    workers: int
    annual_output_vnd: int
    cluster_id: str | None = None
    relocated_on: date | None = None
    version: int = 1

    @property
    def place(self) -> Place:
        return Place(self.province_code, self.commune_code)

    @property
    def location(self) -> FacilityLocation:
        return FacilityLocation.CLUSTER if self.cluster_id else FacilityLocation.RESIDENTIAL_AREA

    def _event(self, kind: type[E], **facts: Any) -> E:
        return event_of(kind, self, **{"facility_id": self.id, **facts})

    @classmethod
    def register(
        cls, owner: Enterprise, registration: FacilityRegistration
    ) -> tuple[Facility, ev.FacilityRegistered]:
        r = registration
        facility = cls(
            new_id(),
            owner.id,
            r.name,
            r.province_code,
            r.commune_code,
            r.address,
            r.sector,
            r.workers,
            r.annual_output_vnd,
        )
        return facility, facility._event(ev.FacilityRegistered, location=facility.location)

    def check_free(self) -> None:
        """A facility leases land in one cluster at a time."""
        if self.cluster_id is not None:
            raise Conflict(
                f"facility {self.id} already leases land in a cluster; end that tenancy first"
            )

    def check_relocatable_to(self, cluster: Cluster) -> None:
        """Relocation (di dời) moves a facility out of a residential area of its province."""
        if self.cluster_id is not None:
            raise Conflict(
                f"facility {self.id} is already in cluster {self.cluster_id}; "
                "only facilities in residential areas are relocated"
            )
        if cluster.province_code != self.province_code:
            raise InvalidInput(
                f"cluster {cluster.id} is in province {cluster.province_code}, the "
                f"facility in {self.province_code}",
                field="cluster_id",
            )

    def relocate(
        self, cluster: Cluster, *, area_ha: Decimal, on: date
    ) -> tuple[Tenancy, list[ev.Event]]:
        """Move into `cluster` from the residential area: a tenancy starts there."""
        self.check_relocatable_to(cluster)
        tenancy, started = cluster.lease(self, area_ha=area_ha, start_date=on, relocation=True)
        self.relocated_on = on
        relocated = self._event(
            ev.FacilityRelocated,
            cluster_commune_code=cluster.commune_code,
            tenancy_id=tenancy.id,
            leased_area_ha=tenancy.leased_area_ha,
            relocation_date=on,
            from_address=self.address,
        )
        return tenancy, [started, relocated]


# -- tax codes -------------------------------------------------------------------------------

# Mã số thuế: the 10th digit checks the first nine with these weights (mod 11).
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_error(tax_code: str) -> str | None:
    """Why a tax code is invalid, or None: 10 digits, or 10 + '-' + 3 for a branch."""
    head, dash, branch = tax_code.partition("-")
    if not (len(head) == 10 and head.isdigit()):
        return "a tax code has 10 digits, or 10 digits, '-' and 3 digits for a branch"
    if dash and not (len(branch) == 3 and branch.isdigit() and branch != "000"):
        return "a branch suffix is '-' and 3 digits from 001"
    remainder = sum(int(d) * w for d, w in zip(head[:9], _TAX_WEIGHTS, strict=True)) % 11
    check = 10 - remainder
    if check == 10 or int(head[9]) != check:
        return f"check digit does not match: {tax_code} is not a valid tax code"
    return None


def with_check_digit(first_nine: str) -> str | None:
    """The 10-digit tax code completing `first_nine`, if one exists (for sample data)."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else f"{first_nine}{10 - remainder}"
