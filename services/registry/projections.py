"""Other services' events the registry builds on: the facilities the environment agency
classified as polluting become its relocation candidates, until it declassifies them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.repository import RelocationCandidates
from shared.events import Envelope
from shared.events.environment import FacilityClassifiedPolluting, FacilityDeclassified
from shared.service import Projection

relocation_candidates = Projection("relocation-candidates")


@relocation_candidates.on(FacilityClassifiedPolluting)
async def on_facility_classified_polluting(
    session: AsyncSession, event: FacilityClassifiedPolluting, envelope: Envelope
) -> None:
    await RelocationCandidates(session).classified(event, event_id=envelope.id)


@relocation_candidates.on(FacilityDeclassified)
async def on_facility_declassified(
    session: AsyncSession, event: FacilityDeclassified, envelope: Envelope
) -> None:
    await RelocationCandidates(session).declassified(event, event_id=envelope.id)
