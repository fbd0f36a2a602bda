"""The console's tests run against the four services as operators run them (`ccn serve`, each
on its own PostgreSQL database and the session's broker), started once for the package, with
Sơn La's clusters made through the registry's API; the khuyến công projects and inspections
each test needs are made through the promotion and environment APIs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from services.console.app import service as console
from services.reporting.app import service as reporting_spec
from shared.auth import mint_token
from shared.localinfra import NotReady, PostgresServer, free_port, wait_until_ready
from shared.settings import Settings
from tests.apis import Templates, drain_reporting
from tests.e2e.conftest import JWT_SECRET, ServedService, serving
from tests.environment.factory import Environment
from tests.promotion.factory import Promotion
from tests.registry.factory import CHIENG_AN, SON_LA, TO_HIEU, Registry


@dataclass(frozen=True)
class Platform:
    """The four services, served; the clusters made in the registry."""

    registry: ServedService
    promotion: ServedService
    environment: ServedService
    reporting: ServedService
    pho_moi: dict[str, Any]
    duyen_hai: dict[str, Any]
    planned: dict[str, Any]
    log_dir: Path

    def console_settings(self, **overrides: Any) -> Settings:
        return console.settings(
            **{
                "environment": "test",
                "jwt_secret": JWT_SECRET,
                "registry_url": self.registry.url,
                "promotion_url": self.promotion.url,
                "environment_url": self.environment.url,
                "reporting_url": self.reporting.url,
                **overrides,
            }
        )

    def console_env(self) -> dict[str, str]:
        """The environment `ccn serve console` runs in, to reach these services."""
        return {
            **os.environ,
            "CCN_ENVIRONMENT": "test",
            "CCN_JWT_SECRET": JWT_SECRET,
            "CCN_REGISTRY_URL": self.registry.url,
            "CCN_PROMOTION_URL": self.promotion.url,
            "CCN_ENVIRONMENT_URL": self.environment.url,
            "CCN_REPORTING_URL": self.reporting.url,
            "CCN_LOG_LEVEL": "WARNING",
        }

    @asynccontextmanager
    async def registry_api(self, **claims: Any) -> AsyncIterator[Registry]:
        """The registry's API as a Sơn La officer and approver (or as `claims` say)."""
        token = mint_token(
            JWT_SECRET,
            subject="console-tests",
            **{
                "agency": "so-cong-thuong",
                "roles": ["officer", "approver"],
                "province": SON_LA,
                **claims,
            },
        )
        async with httpx.AsyncClient(base_url=self.registry.url) as http:
            yield Registry(http, cast(FastAPI, None), lambda **_: token)

    @asynccontextmanager
    async def promotion_api(self, **claims: Any) -> AsyncIterator[Promotion]:
        """The promotion API as a Sơn La officer (or as `claims` say); its `approver` adds the
        approver's role. Served, it has no database to reach: no `Promotion.beneficiary`."""

        def mint(**asked: Any) -> str:
            who = {"agency": "so-cong-thuong", "roles": ["officer"], "province": SON_LA}
            return mint_token(JWT_SECRET, subject="console-tests", **{**who, **claims, **asked})

        async with httpx.AsyncClient(base_url=self.promotion.url) as http:
            yield Promotion(http, cast(FastAPI, None), mint)

    @asynccontextmanager
    async def environment_api(self, **claims: Any) -> AsyncIterator[Environment]:
        """The environment service's API as a Sơn La environment officer (or as `claims` say)."""
        token = mint_token(
            JWT_SECRET,
            subject="console-tests",
            **{"agency": "so-tnmt", "roles": ["officer"], "province": SON_LA, **claims},
        )
        async with httpx.AsyncClient(base_url=self.environment.url) as http:
            yield Environment(http, cast(FastAPI, None), lambda **_: token)


async def _sample(platform_registry: ServedService) -> dict[str, dict[str, Any]]:
    token = mint_token(
        JWT_SECRET,
        subject="console-tests",
        agency="so-cong-thuong",
        roles=["officer", "approver"],
        province=SON_LA,
    )
    async with httpx.AsyncClient(base_url=platform_registry.url) as http:
        registry = Registry(http, cast(FastAPI, None), lambda **_: token)
        return {
            "pho_moi": await registry.operating_cluster(name="Cụm công nghiệp Phố Mới"),
            "duyen_hai": await registry.operating_cluster(
                name="Cụm công nghiệp Duyên Hải", commune_code=CHIENG_AN
            ),
            "planned": await registry.planned_cluster(
                name="Cụm công nghiệp Mai Sơn", commune_code=TO_HIEU
            ),
        }


@pytest.fixture(scope="package")
def platform(
    postgres_server: PostgresServer,
    kafka_bootstrap: str,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Platform]:
    log_dir = tmp_path_factory.mktemp("console-platform")
    with templates.database(reporting_spec) as scratch:
        asyncio.run(drain_reporting(scratch, kafka_bootstrap))
    with (
        serving("registry", postgres_server, kafka_bootstrap, log_dir) as registry,
        serving("promotion", postgres_server, kafka_bootstrap, log_dir) as promotion,
        serving("environment", postgres_server, kafka_bootstrap, log_dir) as environment,
        serving("reporting", postgres_server, kafka_bootstrap, log_dir) as reporting,
    ):
        made = asyncio.run(_sample(registry))
        yield Platform(
            registry=registry,
            promotion=promotion,
            environment=environment,
            reporting=reporting,
            log_dir=log_dir,
            **made,
        )


@contextmanager
def console_process(platform: Platform) -> Iterator[str]:
    """`ccn serve console` in its own process, reaching the platform's services; its URL."""
    port = free_port()
    log = platform.log_dir / "console.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", "console", "--port", str(port)],
            env=platform.console_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_ready(url, [server], timeout_s=60)
        except NotReady as exc:
            raise AssertionError(f"`ccn serve console`: {exc}:\n{log.read_text()}") from None
        yield url
    finally:
        server.terminate()
        code = server.wait(timeout=30)
    assert code in (0, -signal.SIGTERM), f"`ccn serve console` exited with {code}"
