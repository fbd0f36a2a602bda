"""Who may do what in the registry: the permit each command needs for each record it touches."""

from __future__ import annotations

from collections.abc import Callable

from shared.events.registry import DossierStep
from shared.principal import APPROVERS, NATIONWIDE, WRITERS, Agency, Grant, Permit, Place


def writing(place: Place) -> Permit:
    """Sở Công Thương officers write the records of their province."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, WRITERS),))


def approving(place: Place) -> Permit:
    """Establishing, expanding and removing a cluster is a Sở Công Thương approver's decision."""
    return Permit(place, (Grant(Agency.SO_CONG_THUONG, APPROVERS),))


def writing_locally(place: Place) -> Permit:
    """Sở Công Thương officers, or UBND officers for the clusters of their own communes: a
    cluster's construction and infrastructure, and its procedure's first steps."""
    return Permit(
        place,
        (
            Grant(Agency.SO_CONG_THUONG, WRITERS),
            Grant(Agency.UBND, WRITERS, in_own_communes=True),
        ),
    )


def recording(step: DossierStep) -> Callable[[Place], Permit]:
    """Who records a procedure step: the call for investors and the dossier by the People's
    Committee where the cluster lies (or Sở Công Thương), the appraisal by Sở Công Thương,
    and the province's decision by a Sở Công Thương approver."""
    if step is DossierStep.DECISION:
        return approving
    if step is DossierStep.APPRAISAL:
        return writing
    return writing_locally


def setting_criteria(place: Place) -> Permit:
    """A province's placement criteria are drafted by Sở Kế hoạch và Đầu tư and approved by
    the province: its approvers record them. The default (00) is the Ministry's."""
    if place == NATIONWIDE:
        return Permit(place, (Grant(Agency.BO_CONG_THUONG, APPROVERS),))
    return Permit(place, (Grant(Agency.SO_KHDT, APPROVERS),))


def filing(place: Place, owner_tax_code: str) -> Permit:
    """A tenant's row of a periodic report: Sở Công Thương officers, UBND officers for the
    clusters of their own communes (which many manage), or the tenant itself (a doanh-nghiep
    token carrying the tax code of the facility's owner)."""
    return Permit(
        place,
        (
            Grant(Agency.SO_CONG_THUONG, WRITERS),
            Grant(Agency.UBND, WRITERS, in_own_communes=True),
            Grant(Agency.DOANH_NGHIEP, tax_code=owner_tax_code),
        ),
    )


def reading_reports(place: Place) -> Permit:
    """A cluster's periodic reports: the agencies covering it, or an enterprise of its
    province, which sees only its own rows."""
    return Permit(place, (Grant(), Grant(Agency.DOANH_NGHIEP)))
