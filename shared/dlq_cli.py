"""`ccn dlq`: the events a service's consumers dead-lettered or parked, listed and re-driven."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shared.named_services import ServiceArg, service_named

dlq = typer.Typer(
    help="Dead-lettered and parked events of a service's consumers.", no_args_is_help=True
)


async def _service_consumers(service: str) -> tuple[Any, list[Any]]:
    from shared.db import Database

    spec = service_named(service)
    settings = spec.settings()
    db = Database(settings.resolved_database_url())
    return db, await spec.live_consumers(settings, db)


@dlq.command("list")
def dlq_list(service: ServiceArg) -> None:
    """Show the messages a service's consumers dead-lettered or parked, oldest first."""
    import asyncio

    async def show() -> int:
        db, consumers = await _service_consumers(service)
        count = 0
        try:
            for consumer in consumers:
                for row in await consumer.dead.listed():
                    count += 1
                    typer.echo(
                        f"{row.seq}\t{consumer.name}\t{row.status}\t{row.reason}\t"
                        f"{row.topic}:{row.partition}@{row.offset}\tkey={row.key}\t"
                        f"{row.event_type or '-'}\t{row.error.splitlines()[0][:160]}"
                    )
        finally:
            await db.dispose()
        return count

    count = asyncio.run(show())
    typer.echo(f"{count} dead-lettered or parked message(s) in {service}")


@dlq.command("redrive")
def dlq_redrive(
    service: ServiceArg,
    key: Annotated[str, typer.Option(help="the aggregate id (message key) to re-drive")],
) -> None:
    """Re-apply a key's dead-lettered events in order, after fixing their cause."""
    import asyncio

    async def redrive() -> tuple[int, int]:
        db, consumers = await _service_consumers(service)
        try:
            applied = [await c.redrive(key) for c in consumers]
            left = [r for c in consumers for r in await c.dead.of_key(key)]
        finally:
            await db.dispose()
        return sum(applied), len(left)

    applied, left = asyncio.run(redrive())
    typer.echo(f"{service}: re-applied {applied} event(s) of key {key}; {left} still dead-lettered")
    if left:
        raise typer.Exit(1)
