"""The service an operator's command names (`ccn migrate registry`), as its spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from shared.service import ServiceSpec

ServiceArg = Annotated[str, typer.Argument(help="a service: registry, ...")]


def load_service(name: str) -> ServiceSpec[Any]:
    """The spec of one of the platform's services (`services.SERVICES`) or of the console, by
    name."""
    import importlib

    from services import CONSOLE, SERVICES

    apps = (*SERVICES, CONSOLE)
    if name not in apps:
        raise LookupError(f"no service named {name!r}; the platform has {', '.join(apps)}")
    spec: ServiceSpec[Any] = importlib.import_module(f"services.{name}.app").service
    return spec


def service_named(name: str, *, keeps_data: bool = True) -> ServiceSpec[Any]:
    """The named spec; with `keeps_data`, refused (exit 2) if it keeps no database."""
    try:
        spec = load_service(name)
    except LookupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if keeps_data and not spec.owns_data:
        typer.echo(f"{name} keeps no database: it calls the services' APIs", err=True)
        raise typer.Exit(2)
    return spec
