"""Who may do what in the promotion service: the permit each command needs per record."""

from __future__ import annotations

from shared.principal import APPROVERS, WRITERS, Agency, Grant, Permit, Place


def writing(place: Place) -> Permit:
    """Sở Công Thương officers (its khuyến công centre) write the plans and projects of their
    province: proposals, appraisals, contracts, payments, visits, acceptance, pauses."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, WRITERS),))


def approving(place: Place) -> Permit:
    """Approving a project, settling its money and cancelling it is a Sở Công Thương
    approver's decision."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, APPROVERS),))


def setting_caps(place: Place) -> Permit:
    """A province's support caps are its Sở Công Thương approvers' to record; a national one
    (filed at `NATIONWIDE`) only a Ministry approver's."""
    return Permit(
        place,
        (Grant(Agency.SO_CONG_THUONG, APPROVERS), Grant(Agency.BO_CONG_THUONG, APPROVERS)),
    )
