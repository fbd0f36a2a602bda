"""Who may do what in the registry: the permit each command needs for each record it touches."""

from __future__ import annotations

from shared.principal import APPROVERS, WRITERS, Agency, Grant, Permit, Place


def writing(place: Place) -> Permit:
    """Sở Công Thương officers write the records of their province."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, WRITERS),))


def approving(place: Place) -> Permit:
    """Establishing, expanding and removing a cluster is a Sở Công Thương approver's decision."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, APPROVERS),))


def reporting_construction(place: Place) -> Permit:
    """Sở Công Thương officers, or UBND officers for the clusters of their own communes."""
    return Permit(
        place,
        (
            Grant(Agency.SO_CONG_THUONG, WRITERS),
            Grant(Agency.UBND, WRITERS, in_own_communes=True),
        ),
    )
