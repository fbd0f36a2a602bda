"""The registry's facilities and clusters as this service knows them, and each facility's
standing (classification)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update

from services.environment import tables as t
from services.environment.domain import (
    Classification,
    ClusterOnRecord,
    FacilityOnRecord,
)
from services.environment.schemas import (
    FacilityQuery,
)
from shared.db import insert_ignoring_duplicates, upsert
from shared.errors import InvalidInput
from shared.pagination import Keyset
from shared.principal import Scope
from shared.repository import RepositoryBase, in_scope

# -- facilities, as the registry's events describe them --------------------------------------


class Facilities(RepositoryBase[FacilityOnRecord]):
    table = t.facilities
    entity = FacilityOnRecord
    what = "facility"

    async def known(self, facility_id: str, *, field: str = "facility_id") -> FacilityOnRecord:
        """The facility, or a 422 naming `field` if the registry has not told us of it."""
        found = await self.first(select(self.table).where(self.table.c.id == facility_id))
        if found is None:
            raise InvalidInput(
                f"facility {facility_id} is not known here: the registry has not published "
                "it (register it there first, or wait a moment for its event)",
                field=field,
            )
        return found

    async def listed(self, scope: Scope, query: FacilityQuery) -> tuple[list[Any], str | None]:
        """Facilities in scope with their standing, by name."""
        c, k = self.table.c, t.classifications.c
        found = in_scope(
            select(self.table, k.severity, k.relocation_priority).outerjoin(
                t.classifications, k.id == c.id
            ),
            self.table,
            scope,
        )
        if query.in_cluster is not None:
            found = found.where(c.cluster_id.is_not(None) == query.in_cluster)
        if query.classified is not None:
            found = found.where(k.severity.is_not(None) == query.classified)
        keyset = Keyset((c.name, c.id))
        rows = (await self.session.execute(keyset.page(found, query.cursor, query.limit))).all()
        return keyset.split(rows, query.limit)

    async def registered(self, facility: FacilityOnRecord) -> None:
        """The first fact of a facility, with any move that came before it."""
        values = vars(facility) | {"updated_at": datetime.now(UTC)}
        await insert_ignoring_duplicates(self.session, self.table, **values)
        early = t.early_moves.c
        query = select(t.early_moves).where(early.facility_id == facility.id)
        move = (await self.session.execute(query)).first()
        if move is not None:
            await self.moved(facility.id, move.cluster_id, on=move.located_on)
            await self.session.execute(
                t.early_moves.delete().where(early.facility_id == facility.id)
            )

    async def moved(self, facility_id: str, cluster_id: str | None, *, on: date) -> None:
        """The facility leased land in a cluster (or left it) on `on`; an older move arriving
        late changes nothing, and a move before the facility's registration waits for it."""
        c = self.table.c
        if await self.first(select(self.table).where(c.id == facility_id)) is None:
            await self._kept_early(facility_id, cluster_id, on)
            return
        await self.session.execute(
            update(self.table)
            .where(c.id == facility_id, c.located_on.is_(None) | (c.located_on <= on))
            .values(cluster_id=cluster_id, located_on=on, updated_at=datetime.now(UTC))
        )

    async def _kept_early(self, facility_id: str, cluster_id: str | None, on: date) -> None:
        early = t.early_moves.c
        query = select(t.early_moves).where(early.facility_id == facility_id).with_for_update()
        kept = (await self.session.execute(query)).first()
        if kept is None or kept.located_on <= on:
            values = {"cluster_id": cluster_id, "located_on": on}
            await upsert(
                self.session, t.early_moves, key="facility_id", facility_id=facility_id, **values
            )


class Clusters(RepositoryBase[ClusterOnRecord]):
    table = t.clusters
    entity = ClusterOnRecord
    what = "cluster"

    async def known(self, cluster_id: str | None) -> ClusterOnRecord | None:
        if cluster_id is None:
            return None
        return await self.first(select(self.table).where(self.table.c.id == cluster_id))

    async def known_or_422(self, cluster_id: str | None) -> ClusterOnRecord:
        """The cluster, or a 422 naming `treatment_plant_of` if the registry has not told
        us of it."""
        found = await self.known(cluster_id)
        if found is None:
            raise InvalidInput(
                f"cluster {cluster_id} is not known here: the registry has not published it "
                "(or its event is on its way)",
                field="treatment_plant_of",
            )
        return found

    async def planned(self, cluster: ClusterOnRecord) -> None:
        values = vars(cluster) | {"updated_at": datetime.now(UTC)}
        await insert_ignoring_duplicates(self.session, self.table, **values)

    async def equipped(self, cluster_id: str, reported_on: date, **facts: Any) -> None:
        """The cluster's infrastructure as reported on `reported_on`; an older report arriving
        late changes nothing."""
        c = self.table.c
        newer = c.infrastructure_reported_on.is_(None) | (
            c.infrastructure_reported_on <= reported_on
        )
        await self.session.execute(
            update(self.table)
            .where(c.id == cluster_id, newer)
            .values(**facts, infrastructure_reported_on=reported_on, updated_at=datetime.now(UTC))
        )


class Classifications(RepositoryBase[Classification]):
    table = t.classifications
    entity = Classification
    what = "classification"

    async def standing(self, facility: FacilityOnRecord, *, lock: bool = False) -> Classification:
        """The facility's standing; a new, unclassified one if it never had any. To lock one it
        never had, its row is made first and then locked: two inspections of the facility
        closing at once take turns on that row, where each would have inserted its own."""
        query = select(self.table).where(self.table.c.id == facility.id)
        found = await self.first(query.with_for_update() if lock else query)
        if found is not None:
            return found
        standing = Classification(facility.id, facility.province_code, facility.commune_code)
        if not lock:
            return standing
        await self.add_unless_there(standing)
        return await self.lock(facility.id)
