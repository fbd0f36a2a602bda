"""Caps on khuyến công support, kept as data per province (or national), content group and
period: which cap is in force for a project, and whether an amount of support keeps to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from shared.domain import event_of, new_id
from shared.errors import InvalidInput
from shared.events import promotion as ev
from shared.events.promotion import ContentGroup
from shared.principal import NATIONWIDE, Place

SHARE_QUANTUM = Decimal("0.0001")


class OverCap(InvalidInput, problem="over-support-cap", title="More support than the cap allows"):
    pass


class CapTerms(Protocol):
    province_code: str | None
    content_group: ContentGroup
    valid_from: date
    valid_to: date | None
    max_share: Decimal
    max_vnd: int
    description: str


@dataclass(frozen=True)
class SupportCap:
    """At most `max_share` (0..1) of a project's cost and at most `max_vnd` đồng of support,
    for one content group, from `valid_from` to `valid_to` inclusive (None: until a successor).

    `province_code` is set for a province's own cap (set by its People's Council resolution),
    which applies in its province instead of the national one; None for a national cap."""

    id: str
    province_code: str | None
    content_group: ContentGroup
    valid_from: date
    valid_to: date | None
    max_share: Decimal
    max_vnd: int
    description: str = ""

    @property
    def place(self) -> Place:
        return Place(self.province_code) if self.province_code else NATIONWIDE

    @classmethod
    def set(cls, terms: CapTerms) -> tuple[SupportCap, ev.SupportCapSet]:
        share = terms.max_share
        if not Decimal(0) < share <= Decimal(1) or share != share.quantize(SHARE_QUANTUM):
            raise InvalidInput(
                f"a cap's share is more than 0 and at most 1, to 4 decimals; got {share}",
                field="max_share",
            )
        if terms.max_vnd <= 0:
            raise InvalidInput("a cap must allow more than 0 VND", field="max_vnd")
        if terms.valid_to is not None and terms.valid_to < terms.valid_from:
            raise InvalidInput(
                f"a cap cannot end ({terms.valid_to}) before it starts ({terms.valid_from})",
                field="valid_to",
            )
        cap = cls(
            new_id(),
            terms.province_code,
            terms.content_group,
            terms.valid_from,
            terms.valid_to,
            share,
            terms.max_vnd,
            terms.description,
        )
        return cap, cap.recorded()

    def recorded(self) -> ev.SupportCapSet:
        """The event that publishes this cap (also for the caps the service ships with)."""
        return event_of(ev.SupportCapSet, self, support_cap_id=self.id)

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def allowed_vnd(self, total_cost_vnd: int) -> int:
        """The most support a project of this cost may get: the share, rounded down to the
        đồng, and never past `max_vnd`."""
        share = (Decimal(total_cost_vnd) * self.max_share).to_integral_value(ROUND_FLOOR)
        return min(int(share), self.max_vnd)


def cap_in_force(
    caps: Iterable[SupportCap], province_code: str, content_group: ContentGroup, on_date: date
) -> SupportCap | None:
    """The cap that applies to a project of a province and content group on a day: the
    province's own if it has one in force, else the national one; None if neither is.

    Where two caps of one scope are in force on the day, the later one (by `valid_from`)
    wins: a new resolution supersedes the old without having to end it first."""
    in_force = [c for c in caps if c.content_group == content_group and c.in_force_on(on_date)]
    for scope in (province_code, None):
        own = [c for c in in_force if c.province_code == scope]
        if own:
            return max(own, key=lambda c: c.valid_from)
    return None


def check_support(cap: SupportCap, total_cost_vnd: int, approved_support_vnd: int) -> None:
    """Refuse support past the cap (422 naming `approved_support_vnd`)."""
    allowed = cap.allowed_vnd(total_cost_vnd)
    if approved_support_vnd > allowed:
        where = f"province {cap.province_code}" if cap.province_code else "the whole country"
        raise OverCap(
            f"{approved_support_vnd} VND is more than the cap for {cap.content_group.value} in "
            f"{where} from {cap.valid_from} allows: at most {cap.max_share:.2%} of the "
            f"{total_cost_vnd} VND cost and at most {cap.max_vnd} VND, so {allowed} VND "
            f"({cap.description})",
            field="approved_support_vnd",
        )
