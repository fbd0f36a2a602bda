"""Hà Nội's clusters as the sample data lays them out, to the totals the city published. Its
2018 plan lists 159 clusters on 3,204.31 ha (Decision 1292/QĐ-UBND, 14 March 2018); since
2018, 31 new clusters were established and 12 expanded in a second phase, 753.3 ha with 16,150
billion VND of infrastructure investment; 70 operate, with 3,864 households and enterprises
and over 60,000 workers (60,480 here); 68 planned clusters are listed in calls for investors.

Pure figures: which clusters, phases and tenants add up to those totals beside what the rest
of the sample data already put in Hà Nội (`Sampled`). Names, decision numbers, dates and each
cluster's figures are made up; `seed_ha_noi.py` loads them through the handlers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from shared import geo
from shared.events.registry import ClusterStatus, EnterpriseKind

HA_NOI = "01"

PLANNED = 159
PLANNED_AREA_HA = Decimal("3204.31")
OPERATING = 70
TENANTS = 3_864
WORKERS = 60_480
SINCE = date(2018, 1, 1)
NEW_SINCE_2018 = 31
EXPANSIONS = 12
SINCE_2018_AREA_HA = Decimal("753.3")
SINCE_2018_INVESTMENT_VND = 16_150_000_000_000
IN_CALLS = 68

EXPANSION_AREA_HA = Decimal("150.3")
"""Of the 753.3 ha, what the twelve second phases added; the new clusters cover the rest."""
OLDER_AREA_HA = Decimal("1180")
"""The first phases of the clusters operating since before 2018."""
INFRASTRUCTURE_REPORTED_ON = date(2024, 12, 14)
LEASES_UNTIL = date(2025, 6, 14)

# Rural communes and outer wards of Hà Nội (2025 codes); the sample's own clusters lie in
# Ngọc Hồi, Thạch Thất, Quốc Oai, Thường Tín, Phú Xuyên and Đông Anh, left out here.
# fmt: off
COMMUNES = (
    "00640", "00664", "00685", "10231", "10237", "10210", "10279", "10330", "10333", "10114",
    "10141", "10144", "10180", "10354", "10369", "10417", "10402", "10441", "10465", "10459",
    "10489", "10030", "10018", "10081", "10108", "10084", "09661", "09619", "09664", "09634",
    "09676", "09694", "09700", "09706", "09616", "09715", "09739", "09772", "10009", "10006",
    "09988", "09931", "09928", "09922", "09832", "09838", "09859", "09877", "09784", "09817",
    "09793", "00565", "00562", "00583", "00541", "00484", "00466", "00493", "00508", "09022",
    "08980", "08995", "08974", "00376", "00424", "00433", "00385", "00382", "00613", "00598",
    "00622", "09886", "09562", "09568", "09604", "10015", "04936",
)
# fmt: on
NAMES = ("Cụm công nghiệp {}", "Cụm công nghiệp làng nghề {}", "Cụm công nghiệp {} 2")
SECTORS = (
    "cơ khí",
    "chế biến gỗ",
    "chế biến nông sản",
    "vật liệu xây dựng",
    "may mặc",
    "mộc dân dụng",
    "in ấn bao bì",
    "dệt nhuộm",
    "gốm sứ",
    "mây tre đan",
)
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN_NAMES = ("Văn An", "Thị Hoa", "Văn Bình", "Thị Lan", "Đức Minh", "Thị Hương", "Quang Huy")
KINDS = (EnterpriseKind.HOUSEHOLD, EnterpriseKind.COOPERATIVE, EnterpriseKind.COMPANY)
KIND_SHARES = (55, 15, 30)
"""Of a hundred tenants: households, cooperatives, companies."""
KIND_SIZE = {EnterpriseKind.HOUSEHOLD: 1, EnterpriseKind.COOPERATIVE: 3, EnterpriseKind.COMPANY: 5}
"""How much land and how many workers each kind has, relative to a household."""


@dataclass(frozen=True)
class Sampled:
    """What the rest of the sample data adds to Hà Nội's totals."""

    clusters: int = 0
    planned_area_ha: Decimal = Decimal(0)
    operating: int = 0
    tenants: int = 0
    workers: int = 0
    new_since_2018: int = 0
    new_area_ha: Decimal = Decimal(0)
    investment_vnd: int = 0

    @classmethod
    def of(
        cls, clusters: Sequence[Mapping[str, Any]], tenants: Sequence[Mapping[str, Any]]
    ) -> Sampled:
        """From the sample's Hà Nội clusters, as their last lifecycle command answered, and
        the facilities leasing land in them."""
        recent = [
            c
            for c in clusters
            if c["decision_date"] and date.fromisoformat(c["decision_date"]) >= SINCE
        ]
        return cls(
            clusters=len(clusters),
            planned_area_ha=sum((Decimal(c["planned_area_ha"]) for c in clusters), Decimal(0)),
            operating=sum(c["status"] == ClusterStatus.OPERATING for c in clusters),
            tenants=len(tenants),
            workers=sum(f["workers"] for f in tenants),
            new_since_2018=len(recent),
            new_area_ha=sum((Decimal(c["area_ha"]) for c in recent), Decimal(0)),
            investment_vnd=sum(c["infrastructure_investment_vnd"] for c in recent),
        )


@dataclass(frozen=True)
class Phase:
    """A decision that establishes or expands a cluster, and the construction it paid for."""

    decided: date
    area_ha: Decimal
    land_ha: Decimal
    investment_vnd: int = 0
    built: date | None = None


@dataclass
class Planned:
    """One cluster of the plan and how far it has come."""

    name: str
    commune: str
    status: ClusterStatus
    planned_area_ha: Decimal
    first: Phase | None = None
    second: Phase | None = None
    opened: date | None = None
    call_for_investors: bool = False
    number: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        """What its commands' idempotency keys start with (a key holds at most 64 characters,
        so not its name)."""
        return f"ha-noi {self.number}"


@dataclass(frozen=True)
class Tenant:
    kind: EnterpriseKind
    workers: int
    sector: str
    leased_area_ha: Decimal


def names() -> list[str]:
    """A name for each cluster the plan may need, first one a commune, then the second..."""
    places = [place_name(code) for code in COMMUNES]
    return [pattern.format(place) for pattern in NAMES for place in places]


def place_name(commune: str) -> str:
    name = geo.commune_name(commune)
    assert name is not None, commune
    return name.removeprefix("Xã ").removeprefix("Phường ")


# -- the plan's clusters ---------------------------------------------------------------------


def layout(names: list[str], sampled: Sampled, rng: random.Random) -> list[Planned]:
    """The clusters this plan adds, with areas, dates and investment that make the totals."""
    recent = NEW_SINCE_2018 - sampled.new_since_2018
    older = OPERATING - sampled.operating - (recent + 2) // 3
    calls = PLANNED - sampled.clusters - recent - older
    if min(recent, older, calls) < 0 or calls != IN_CALLS or older < EXPANSIONS:
        raise ValueError(f"the sample's Hà Nội clusters leave no room for its plan: {sampled}")
    recent_ha = SINCE_2018_AREA_HA - sampled.new_area_ha - EXPANSION_AREA_HA
    calls_ha = (
        PLANNED_AREA_HA - sampled.planned_area_ha - recent_ha - OLDER_AREA_HA - EXPANSION_AREA_HA
    )
    owed = SINCE_2018_INVESTMENT_VND - sampled.investment_vnd
    millions = _split(owed // 1_000_000, recent - recent // 3 + EXPANSIONS, rng)
    paid = iter(
        [millions[0] * 1_000_000 + owed % 1_000_000, *(m * 1_000_000 for m in millions[1:])]
    )
    plan = [
        *_older(older, _hectares(OLDER_AREA_HA, older, rng), paid, rng),
        *_recent(_hectares(recent_ha, recent, rng), paid, rng),
        *(
            Planned("", "", ClusterStatus.PLANNED, area, call_for_investors=True)
            for area in _hectares(calls_ha, calls, rng)
        ),
    ]
    order = list(range(len(plan)))
    rng.shuffle(order)  # the kinds of cluster mixed across the communes
    for cluster, index in zip(plan, order, strict=True):
        cluster.name, cluster.number = names[index], index
        cluster.commune = COMMUNES[index % len(COMMUNES)]
    return sorted(plan, key=lambda c: c.number)


def _older(
    count: int, areas: list[Decimal], paid: Iterator[int], rng: random.Random
) -> Iterator[Planned]:
    """Clusters operating since before 2018; the first `EXPANSIONS` of them expanded since."""
    added = _hectares(EXPANSION_AREA_HA, EXPANSIONS, rng)
    for i, area in enumerate(areas):
        decided = date(2004 + i % 12, 1 + i * 5 % 12, 3 + i % 25)
        first = Phase(
            decided,
            area,
            _land(area, rng),
            rng.randint(30, 150) * 1_000_000_000,
            decided + timedelta(days=200),
        )
        second = None
        if i < EXPANSIONS:
            expanded = date(2019 + i % 6, 2 + i % 10, 5 + i)
            second = Phase(
                expanded,
                added[i],
                _land(added[i], rng),
                next(paid),
                expanded + timedelta(days=150),
            )
        planned = area + (second.area_ha if second else 0)
        opened = decided + timedelta(days=600)
        yield Planned("", "", ClusterStatus.OPERATING, planned, first, second, opened)
    assert len(areas) == count


def _recent(areas: list[Decimal], paid: Iterator[int], rng: random.Random) -> Iterator[Planned]:
    """Clusters established since 2018: a third operating, a third building, a third not yet."""
    for i, area in enumerate(areas):
        stage = i % 3
        year = (2018, 2019, 2020)[stage] + i // 3 % (3, 5, 5)[stage]
        decided = date(year, 3 + i % 9, 1 + i % 28)
        status = (
            ClusterStatus.OPERATING,
            ClusterStatus.UNDER_CONSTRUCTION,
            ClusterStatus.ESTABLISHED,
        )[stage]
        built = decided + timedelta(days=150) if stage < 2 else None
        first = Phase(decided, area, _land(area, rng), next(paid) if built else 0, built)
        opened = decided + timedelta(days=540) if stage == 0 else None
        yield Planned("", "", status, area, first, opened=opened)


def _land(area: Decimal, rng: random.Random) -> Decimal:
    """The industrial land of an area: about seven tenths of it."""
    return (area * Decimal(rng.randint(68, 78)) / 100).quantize(Decimal("0.01"), ROUND_DOWN)


def _hectares(total: Decimal, count: int, rng: random.Random) -> list[Decimal]:
    """`total` ha in `count` uneven parts, to the hundredth, that add up to it exactly."""
    return [Decimal(part) / 100 for part in _split(int(total * 100), count, rng)]


def _split(total: int, count: int, rng: random.Random) -> list[int]:
    """`total` in `count` uneven whole parts (within three tenths of the average either way)
    that add up to it exactly."""
    weights = [rng.randint(7, 13) for _ in range(count)]
    parts = [total * w // sum(weights) for w in weights]
    for i in range(total - sum(parts)):
        parts[i % count] += 1
    return parts


# -- their tenants ---------------------------------------------------------------------------


def tenants_of(
    plan: list[Planned], sampled: Sampled, rng: random.Random
) -> dict[str, list[Tenant]]:
    """The tenants of the plan's operating clusters, in proportion to their industrial land,
    with the workers that make the published total."""
    operating = [c for c in plan if c.status is ClusterStatus.OPERATING and c.first]
    land = [c.first.land_ha for c in operating if c.first]
    counts = _proportional(TENANTS - sampled.tenants, land)
    kinds = [rng.choices(KINDS, KIND_SHARES)[0] for _ in range(sum(counts))]
    weights = [KIND_SIZE[k] * rng.randint(4, 8) for k in kinds]
    workers = _weighted(WORKERS - sampled.workers, weights)
    found: dict[str, list[Tenant]] = {}
    start = 0
    for cluster, count in zip(operating, counts, strict=True):
        assert cluster.first is not None
        theirs = range(start, start + count)
        areas = _areas(cluster.first.land_ha, [kinds[i] for i in theirs], rng)
        found[cluster.name] = [
            Tenant(kinds[i], workers[i], rng.choice(SECTORS), area)
            for i, area in zip(theirs, areas, strict=True)
        ]
        start += count
    return found


def _areas(land_ha: Decimal, kinds: list[EnterpriseKind], rng: random.Random) -> list[Decimal]:
    """Land for tenants of these kinds: together at most nine tenths of the cluster's
    industrial land, and more than the 60 % an expansion needs."""
    sizes = sum(KIND_SIZE[k] for k in kinds)
    return [
        (land_ha * Decimal("0.9") * KIND_SIZE[k] * rng.randint(75, 100) / 100 / sizes).quantize(
            Decimal("0.0001"), ROUND_DOWN
        )
        for k in kinds
    ]


def _proportional(total: int, shares: list[Decimal]) -> list[int]:
    """`total` in whole parts proportional to `shares` (largest remainders get the rest)."""
    exact = [total * share / sum(shares) for share in shares]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _weighted(total: int, weights: list[int]) -> list[int]:
    """`total` in whole parts of at least one, in proportion to `weights`."""
    parts = [max(1, total * w // sum(weights)) for w in weights]
    step = 1 if sum(parts) < total else -1
    i = 0
    while sum(parts) != total:
        if parts[i % len(parts)] + step >= 1:
            parts[i % len(parts)] += step
        i += 1
    return parts


# -- loading ---------------------------------------------------------------------------------
