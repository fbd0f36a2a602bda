"""`ccn`, the operator's command: local infrastructure, tokens, event schemas, services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.dlq_cli import dlq
from shared.infra_cli import BrokersOpt, infra, start_kafka, var_dir
from shared.interpreter import settle
from shared.named_services import ServiceArg, service_named
from shared.report_cli import report
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.service import ServiceSpec

app = typer.Typer(
    help="Operate ccn-platform: infrastructure, tokens, schemas, services.", no_args_is_help=True
)
app.add_typer(infra, name="infra")
app.add_typer(report, name="report")
app.add_typer(dlq, name="dlq")


@app.command()
def token(
    agency: Annotated[
        str,
        typer.Option(
            help="so-cong-thuong, so-tnmt, so-khdt, ubnd, bo-cong-thuong, data-team or "
            "doanh-nghiep (an enterprise: give its --tax-code)"
        ),
    ],
    roles: Annotated[str, typer.Option(help="comma-separated: viewer,officer,approver,admin")],
    province: Annotated[
        str | None,
        typer.Option(
            help="province code, e.g. 14; omitted only for bo-cong-thuong or data-team (national)"
        ),
    ] = None,
    communes: Annotated[str, typer.Option(help="comma-separated commune codes")] = "",
    tax_code: Annotated[
        str | None, typer.Option(help="an enterprise's tax code (doanh-nghiep tokens)")
    ] = None,
    subject: Annotated[str, typer.Option(help="the user's id (sub)")] = "local-user",
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 3600,
) -> None:
    """Mint a signed token (HS256, $CCN_JWT_SECRET) for local runs."""
    from shared.auth import mint_token
    from shared.errors import Unauthorized

    settings = Settings()
    try:
        minted = mint_token(
            settings.jwt_secret.get_secret_value(),
            subject=subject,
            agency=agency,
            roles=[r.strip() for r in roles.split(",") if r.strip()],
            province=province,
            communes=[c.strip() for c in communes.split(",") if c.strip()],
            tax_code=tax_code,
            ttl_s=ttl,
            issuer=settings.jwt_issuer or None,
            audience=settings.jwt_audience or None,
        )
    except Unauthorized as exc:
        typer.echo(f"cannot mint that token: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(minted)


@app.command()
def schemas(
    check: Annotated[bool, typer.Option("--check", help="Only verify; write nothing.")] = False,
    directory: Annotated[Path | None, typer.Option("--dir", help="Snapshot directory.")] = None,
) -> None:
    """Write the events' JSON Schemas and the AsyncAPI document; refuse breaking changes."""
    from shared.events import catalog
    from shared.events.schema_store import DEFAULT_SCHEMA_DIR, SchemaStore

    store = SchemaStore(directory or DEFAULT_SCHEMA_DIR)
    report = store.check(catalog) if check else store.write(catalog)
    if not report.compatible or (check and not report.up_to_date):
        typer.echo(report.describe(), err=True)
        raise typer.Exit(1)
    for type_name in [] if check else report.new_revisions:
        typer.echo(f"recorded a new revision of {type_name}")
    typer.echo(
        f"{len(catalog)} event types; schemas and asyncapi.json "
        f"{'up to date' if check else 'written'} in {store.root}"
    )


@app.command()
def migrate(service: ServiceArg) -> None:
    """Apply a service's database migrations ($CCN_DATABASE_URL, default SQLite in var/)."""
    import asyncio

    from shared.db import Database

    spec = service_named(service)
    url = spec.settings().resolved_database_url()

    async def apply() -> None:
        db = Database(url)
        try:
            await spec.migrate(db)
        finally:
            await db.dispose()

    asyncio.run(apply())
    typer.echo(f"{service}: migrations applied to {url.split('@')[-1]}")


@app.command()
def revision(
    service: ServiceArg,
    message: Annotated[str, typer.Option("-m", "--message", help="what the migration does")],
) -> None:
    """Write a service's next migration from its tables (review it before you commit it)."""
    from shared.migrations import revision as new_revision
    from shared.migrations import upgrade

    spec = service_named(service)
    url = spec.settings().resolved_database_url()
    upgrade(spec, url)
    new_revision(spec, url, message)


@app.command()
def seed(service: ServiceArg) -> None:
    """Load a service's sample data (idempotent: a second run changes nothing)."""
    import asyncio

    spec = service_named(service, keeps_data=False)
    commands = asyncio.run(spec.load_sample_data(spec.settings(), progress=typer.echo))
    if commands is None:
        typer.echo(f"{service} has no sample data")
    else:
        typer.echo(f"{service}: sample data loaded ({commands} commands, replays included)")


@app.command()
def serve(
    service: ServiceArg,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="default: the service's own port")] = None,
) -> None:
    """Run one service's HTTP API, outbox relay and consumers (or the console)."""
    import uvicorn

    from shared.logs import configure_logging

    spec = service_named(service, keeps_data=False)
    settings = spec.settings()
    configure_logging(service, level=settings.log_level, as_json=settings.log_json)
    api = spec.create_app(settings)
    settle()
    # libuv's event loop and a C parser of HTTP: a request costs a quarter less CPU.
    uvicorn.run(
        api,
        host=host,
        port=port or spec.port,
        log_config=None,
        loop="uvloop",
        http="httptools",
    )


@app.command()
def run(brokers: BrokersOpt = 1) -> None:
    """Start Kafka, every service on SQLite (with sample data) and the console; Ctrl-C stops
    them. It ends by printing the console's address."""
    from services import CONSOLE, SERVICES

    bootstrap = start_kafka(var_dir(), brokers)
    if bootstrap is None:
        raise typer.Exit(1)
    # The services started here, and the sample data loaded from this process, use this Kafka.
    os.environ.setdefault("CCN_KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    specs = [service_named(name) for name in SERVICES]
    console = service_named(CONSOLE, keeps_data=False)
    children = [
        subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", spec.name])
        for spec in [*specs, console]
    ]
    # Seeded while they run: a service's sample data may build on another's events.
    for spec in specs:
        _wait_until_ready(spec.name, spec.port, children)
        seed(spec.name)
    _wait_until_ready(console.name, console.port, children)
    for spec in specs:
        typer.echo(f"{spec.name}: API docs at http://127.0.0.1:{spec.port}/docs")
    typer.echo(
        f"Kafka on {bootstrap}. Ctrl-C stops the services; `make stop` stops Kafka.\n"
        "Try: TOKEN=$(.venv/bin/ccn token --agency so-cong-thuong --roles viewer --province 14)"
        '; curl -H "Authorization: Bearer $TOKEN" '
        "'http://127.0.0.1:8004/api/v1/reports/clusters?province_code=14'\n"
        "The console (sign in with the development login):"
    )
    typer.echo(f"http://127.0.0.1:{console.port}/")
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)


def _wait_until_ready(
    name: str, port: int, children: list[subprocess.Popen[bytes]], timeout_s: float = 120
) -> None:
    """Wait for a started service's /readyz; stop everything if one exits first."""
    from shared.localinfra import NotReady, wait_until_ready

    try:
        wait_until_ready(f"http://127.0.0.1:{port}", children, timeout_s=timeout_s)
    except NotReady as exc:
        for child in children:
            child.terminate()
        typer.echo(f"{name} did not start: {exc}; see the output above")
        raise typer.Exit(1) from None


@app.command()
def rebuild(
    service: ServiceArg,
    helping: Annotated[
        int | None,
        typer.Option(hidden=True, help="help the rebuild of this generation, as its helper"),
    ] = None,
) -> None:
    """Rebuild a service's projections from every topic's first event into a new generation
    while the live one serves, then swap it in (for a service whose database is all
    projections: reporting). Progress goes to stderr; Ctrl-C stops it, changing nothing.
    On PostgreSQL it reads the topics with $CCN_REBUILD_WORKERS processes (2)."""
    import asyncio
    import getpass

    from shared.db import Database
    from shared.generations import Generations
    from shared.rebuild import describe

    spec = service_named(service)
    table = spec.generations
    if table is None:
        typer.echo(f"{service} keeps facts of its own: it cannot be rebuilt from events", err=True)
        raise typer.Exit(2)
    settings = spec.settings()
    if helping is not None:
        _help_rebuild(spec, settings, helping)
        return

    async def run() -> str:
        db = Database(settings.resolved_database_url())
        generations = Generations(db, table)
        progress = spec.rebuild(
            settings, generations, progress=lambda g: typer.echo(describe(g), err=True)
        )
        try:
            await spec.migrate(db)
            live = await progress.run(f"ccn rebuild ({getpass.getuser()})")
        finally:
            await generations.dispose()
            await db.dispose()
        return live.name

    settle()
    name = asyncio.run(run())
    typer.echo(f"{service}: rebuilt; generation {name} serves")


def _help_rebuild(spec: ServiceSpec[Any], settings: Settings, generation_id: int) -> None:
    """Run the consumers of the generation a rebuild fills, beside the rebuild's own, until
    the rebuild closes this process's standard input."""
    import asyncio

    from shared.db import Database
    from shared.generations import Generations, State
    from shared.rebuild_workers import help_rebuild

    assert spec.generations is not None

    async def run() -> None:
        db = Database(settings.resolved_database_url())
        generations = Generations(db, spec.generations)  # type: ignore[arg-type]
        try:
            generation = await generations.get(generation_id)
            if generation.state is not State.BUILDING:
                typer.echo(f"generation {generation_id} is {generation.state}", err=True)
                raise typer.Exit(1)
            database = generations.database(generation)
            await help_rebuild(spec.rebuild_consumers(settings, database, generation))
        finally:
            await generations.dispose()
            await db.dispose()

    settle()
    asyncio.run(run())


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":
    main()
