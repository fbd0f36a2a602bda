"""The operator's `ccn` command and the administrative-unit codes."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from shared import geo
from shared.auth import TokenVerifier
from shared.cli import app
from shared.settings import Settings

runner = CliRunner()


def test_ccn_token_mints_a_token_the_services_accept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCN_JWT_SECRET", "cli-test-secret-0123456789abcdef")
    result = runner.invoke(
        app,
        [
            "token",
            "--agency",
            "ubnd",
            "--roles",
            "officer,viewer",
            "--province",
            "14",
            "--communes",
            "03646",
            "--ttl",
            "120",
        ],
    )
    assert result.exit_code == 0, result.output
    principal = asyncio.run(TokenVerifier(Settings()).verify(result.output.strip()))
    assert principal.agency == "ubnd"
    assert principal.roles == {"officer", "viewer"}
    assert principal.jurisdiction.communes == ("03646",)


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--agency", "so-x", "--roles", "viewer", "--province", "14"], "unknown agency"),
        (["--agency", "ubnd", "--roles", "boss", "--province", "14"], "unknown roles"),
        (["--agency", "ubnd", "--roles", "viewer", "--province", "99"], "34 provinces"),
        (
            ["--agency", "ubnd", "--roles", "viewer", "--province", "14", "--communes", "00004"],
            "belongs to province 01",
        ),
    ],
)
def test_ccn_token_refuses_nonsense(args: list[str], why: str) -> None:
    result = runner.invoke(app, ["token", *args])
    assert result.exit_code == 2
    assert why in result.output


def test_ccn_schemas_check_passes_on_the_committed_snapshots() -> None:
    result = runner.invoke(app, ["schemas", "--check"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_ccn_serve_names_the_services_it_knows() -> None:
    result = runner.invoke(app, ["serve", "nonexistent"])
    assert result.exit_code == 2
    assert "no service named 'nonexistent'" in result.output


def test_province_and_commune_codes_follow_the_2025_units() -> None:
    assert geo.province_name("14") == "Sơn La"
    assert geo.commune_name("03646") == "Phường Tô Hiệu"
    assert geo.province_of_commune("03646") == "14"
    assert geo.check_commune_code("03646", province_code="14") == "03646"
    for bad, why in (("4", "2 digits"), ("02", "34 provinces")):
        with pytest.raises(ValueError, match=why):
            geo.check_province_code(bad)
    with pytest.raises(ValueError, match="belongs to province 14"):
        geo.check_commune_code("03646", province_code="01")
