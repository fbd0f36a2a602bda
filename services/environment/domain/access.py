"""Who may do what in the environment service: the permit each command needs per record."""

from __future__ import annotations

from shared.principal import APPROVERS, WRITERS, Agency, Grant, Permit, Place


def inspecting(place: Place) -> Permit:
    """The environment department's officers inspect the facilities of their province."""
    return Permit(place, (Grant(Agency.SO_TNMT, WRITERS),))


def classifying(place: Place) -> Permit:
    """Classifying a facility as polluting, or lifting it, is an approver's decision."""
    return Permit(place, (Grant(Agency.SO_TNMT, APPROVERS),))


def setting_limits(place: Place) -> Permit:
    """A province's limit table is its environment approvers' to set; a national one (filed
    at `NATIONWIDE`) only a national approver's."""
    return Permit(
        place, (Grant(Agency.SO_TNMT, APPROVERS), Grant(Agency.BO_CONG_THUONG, APPROVERS))
    )
