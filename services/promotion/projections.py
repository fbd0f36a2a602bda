"""Other services' events the promotion service builds on: the registry's enterprises and
facilities, the beneficiaries a project may name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.promotion import tables
from services.promotion.repository import Beneficiaries
from shared.events import Envelope
from shared.events.registry import EnterpriseRegistered, FacilityRegistered
from shared.service import Projection

beneficiaries = Projection("beneficiaries")


@beneficiaries.on(EnterpriseRegistered)
async def on_enterprise_registered(
    session: AsyncSession, event: EnterpriseRegistered, envelope: Envelope
) -> None:
    await Beneficiaries(session).registered(
        tables.enterprises,
        id=event.enterprise_id,
        name=event.name,
        kind=event.kind,
        province_code=event.province_code,
    )


@beneficiaries.on(FacilityRegistered)
async def on_facility_registered(
    session: AsyncSession, event: FacilityRegistered, envelope: Envelope
) -> None:
    await Beneficiaries(session).registered(
        tables.facilities,
        id=event.facility_id,
        enterprise_id=event.enterprise_id,
        name=event.name,
        province_code=event.province_code,
        commune_code=event.commune_code,
    )
