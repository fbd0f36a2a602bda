"""The least a write costs on this stack: a FastAPI endpoint that inserts one row with asyncpg
and answers 201. `bench/registry_write.py` measures the registry's writes against it.

    BARE_DSN=postgresql://… .venv/bin/python -m uvicorn bench.bare_write_app:app --port 8099
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel


class Lease(BaseModel):
    facility_id: str
    leased_area_ha: Decimal
    start_date: date


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=4, max_size=16)
    await app.state.pool.execute(
        "CREATE TABLE IF NOT EXISTS tenancies (id uuid PRIMARY KEY, cluster_id text NOT NULL, "
        "facility_id text NOT NULL, leased_area_ha numeric NOT NULL, start_date date NOT NULL)"
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/clusters/{cluster_id}/tenancies", status_code=201)
async def lease(cluster_id: str, body: Lease) -> dict[str, str]:
    tenancy_id = uuid.uuid4()
    await app.state.pool.execute(
        "INSERT INTO tenancies VALUES ($1, $2, $3, $4, $5)",
        tenancy_id,
        cluster_id,
        body.facility_id,
        body.leased_area_ha,
        body.start_date,
    )
    return {"id": str(tenancy_id)}
