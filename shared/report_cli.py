"""`ccn report`: a report of the running reporting service, saved as a file (for officials who
prefer a workbook to an API), through its public HTTP API with the caller's token."""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

report = typer.Typer(help="Download a report (JSON, CSV or XLSX) from the reporting service.")

Url = Annotated[str, typer.Option(help="the reporting service")]
Token = Annotated[
    str | None,
    typer.Option(help="a bearer token (default $CCN_TOKEN); `ccn token` mints one locally"),
]
Format = Annotated[str, typer.Option("--format", help="json, csv or xlsx")]
Output = Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today)")]
Period = Annotated[str, typer.Option(help="2025-H1, 2025 or 2021-2025")]


@report.command("province")
def province(
    code: Annotated[str, typer.Argument(help="province code, e.g. 14")],
    period: Period,
    format_: Format = "xlsx",
    output: Output = None,
    as_of: AsOf = None,
    url: Url = "http://127.0.0.1:8004",
    token: Token = None,
) -> None:
    """A province over a period: `ccn report province 14 --period 2025 -o bao-cao.xlsx`."""
    _fetch(url, f"/reports/provinces/{code}", period, format_, as_of, token, output)


@report.command("national")
def national(
    period: Period,
    format_: Format = "xlsx",
    output: Output = None,
    as_of: AsOf = None,
    url: Url = "http://127.0.0.1:8004",
    token: Token = None,
) -> None:
    """Every province over a period (a Ministry or data-team token)."""
    _fetch(url, "/reports/national", period, format_, as_of, token, output)


def _fetch(
    url: str,
    path: str,
    period: str,
    format_: str,
    as_of: str | None,
    token: str | None,
    output: Path | None,
) -> None:
    bearer = token or os.environ.get("CCN_TOKEN")
    if not bearer:
        typer.echo(
            "give --token or set CCN_TOKEN, e.g. CCN_TOKEN=$(.venv/bin/ccn token "
            "--agency so-cong-thuong --roles viewer --province 14)",
            err=True,
        )
        raise typer.Exit(2)
    query = {"period": period, "format": format_, **({"as_of": as_of} if as_of else {})}
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v1{path}?{urllib.parse.urlencode(query)}",
        headers={"Authorization": f"Bearer {bearer}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        typer.echo(f"the reporting service answered {exc.code}: {exc.read().decode()}", err=True)
        raise typer.Exit(1) from None
    except urllib.error.URLError as exc:
        typer.echo(f"cannot reach {url}: {exc.reason} (is `make run` up?)", err=True)
        raise typer.Exit(1) from None
    if output is None:
        typer.echo(body.decode("utf-8-sig") if format_ != "xlsx" else body, nl=False)
    else:
        output.write_bytes(body)
        typer.echo(f"{output}: {len(body):,} bytes")
