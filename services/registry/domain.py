"""The registry's rules: cluster lifecycle, land and occupancy, tax codes. Pure Python."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from unidecode import unidecode

from shared.errors import Conflict, InvalidInput, StaleVersion
from shared.events.registry import ClusterStatus

AREA_QUANTUM = Decimal("0.0001")
RATE_QUANTUM = Decimal("0.0001")

# Which lifecycle command may follow which status (Decree 32/2024/NĐ-CP's sequence).
ALLOWED_FROM: dict[str, frozenset[ClusterStatus]] = {
    "establish": frozenset({ClusterStatus.PLANNED}),
    "record construction": frozenset({ClusterStatus.ESTABLISHED, ClusterStatus.UNDER_CONSTRUCTION}),
    "start operation": frozenset({ClusterStatus.ESTABLISHED, ClusterStatus.UNDER_CONSTRUCTION}),
    "expand": frozenset(
        {ClusterStatus.ESTABLISHED, ClusterStatus.UNDER_CONSTRUCTION, ClusterStatus.OPERATING}
    ),
    "remove from the plan": frozenset(
        {ClusterStatus.PLANNED, ClusterStatus.ESTABLISHED, ClusterStatus.UNDER_CONSTRUCTION}
    ),
    "lease land in": frozenset({ClusterStatus.OPERATING}),
}


class IllegalTransition(Conflict):
    problem_type = "illegal-transition"
    title = "Not allowed in the cluster's current status"


class OverLease(Conflict):
    problem_type = "over-lease"
    title = "Not enough industrial land left to lease"


def check_transition(command: str, status: ClusterStatus) -> None:
    allowed = ALLOWED_FROM[command]
    if status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise IllegalTransition(
            f"cannot {command} a cluster that is {status.value}; it must be {names}",
            current_status=status.value,
        )


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise StaleVersion(
            f"version {expected} is stale: the record is at version {current}; reload and retry",
            current_version=current,
        )


def quantize_area(value: Decimal) -> Decimal:
    return value.quantize(AREA_QUANTUM, rounding=ROUND_HALF_UP)


def occupancy_rate(leased_ha: Decimal, industrial_land_ha: Decimal | None) -> Decimal:
    """Leased industrial land ÷ industrial land available for lease (tỷ lệ lấp đầy), 0..1."""
    if not industrial_land_ha:
        return Decimal("0.0000")
    return (leased_ha / industrial_land_ha).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Land:
    """A cluster's industrial land and what of it is leased."""

    industrial_land_ha: Decimal
    leased_ha: Decimal

    @property
    def free_ha(self) -> Decimal:
        return self.industrial_land_ha - self.leased_ha

    def lease(self, area_ha: Decimal) -> Land:
        """The land after leasing `area_ha`; occupancy can never pass 100 %."""
        if area_ha > self.free_ha:
            raise OverLease(
                f"leasing {area_ha} ha would push occupancy past 100 %: only {self.free_ha} ha "
                f"of {self.industrial_land_ha} ha industrial land is free",
                free_area_ha=str(self.free_ha),
            )
        return Land(self.industrial_land_ha, quantize_area(self.leased_ha + area_ha))

    def release(self, area_ha: Decimal) -> Land:
        return Land(
            self.industrial_land_ha, quantize_area(max(Decimal(0), self.leased_ha - area_ha))
        )

    @property
    def occupancy_rate(self) -> Decimal:
        return occupancy_rate(self.leased_ha, self.industrial_land_ha)


@dataclass(frozen=True)
class ClusterRules:
    """Numbers of Decree 32/2024/NĐ-CP that a province may see changed: kept as data."""

    max_area_ha: Decimal = Decimal(75)
    expansion_min_occupancy: Decimal = Decimal("0.60")

    def check_area(self, area_ha: Decimal, *, field: str) -> None:
        if area_ha > self.max_area_ha:
            raise InvalidInput(
                f"a cluster may cover at most {self.max_area_ha} ha; this would "
                f"make it {area_ha} ha",
                field=field,
            )

    def check_expansion(self, land: Land) -> None:
        if land.occupancy_rate < self.expansion_min_occupancy:
            raise Conflict(
                f"a cluster expands only once {self.expansion_min_occupancy:.0%} of its "
                f"industrial land is leased; it is at {land.occupancy_rate:.2%}",
                occupancy_rate=str(land.occupancy_rate),
            )


def check_areas(area_ha: Decimal, industrial_land_ha: Decimal, *, field: str) -> None:
    if industrial_land_ha > area_ha:
        raise InvalidInput(
            f"industrial land ({industrial_land_ha} ha) cannot exceed the cluster's area "
            f"({area_ha} ha)",
            field=field,
        )


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


def nfc(text: str) -> str:
    """Vietnamese text as stored: NFC-normalised, trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Text for accent-insensitive search: 'Phố Mới' -> 'pho moi', 'Đồng' -> 'dong'."""
    return " ".join(unidecode(nfc(text)).lower().split())
