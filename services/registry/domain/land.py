"""A cluster's land: areas exact to the square metre, industrial land and what is leased of
it, occupancy, and the numbers of Decree 32/2024/NĐ-CP a province may see changed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.registry.domain.procedure import DECREE_32_2024, Procedure
from shared.errors import Conflict, InvalidInput
from shared.settings import Settings

AREA_QUANTUM = Decimal("0.0001")
RATE_QUANTUM = Decimal("0.0001")
NO_AREA = Decimal("0.0000")


class OverLease(Conflict, problem="over-lease", title="Not enough industrial land left to lease"):
    pass


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
        return Land(self.industrial_land_ha, quantize_area(max(NO_AREA, self.leased_ha - area_ha)))

    @property
    def occupancy_rate(self) -> Decimal:
        return occupancy_rate(self.leased_ha, self.industrial_land_ha)


@dataclass(frozen=True)
class ClusterRules:
    """Numbers of Decree 32/2024/NĐ-CP that a province may see changed: kept as data."""

    max_area_ha: Decimal = Decimal(75)
    expansion_min_occupancy: Decimal = Decimal("0.60")
    procedure: Procedure = DECREE_32_2024

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterRules:
        return cls(
            max_area_ha=settings.cluster_max_area_ha,
            expansion_min_occupancy=settings.cluster_expansion_min_occupancy,
        )

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
