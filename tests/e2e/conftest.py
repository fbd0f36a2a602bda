"""A service as operators run it: `ccn serve <service>` in its own process, on a fresh PostgreSQL
database and the session's Kafka broker, reached over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.auth import mint_token
from shared.localinfra import NotReady, PostgresServer, free_port, wait_until_ready

JWT_SECRET = "e2e-secret-0123456789abcdef0123456789"
READY_WITHIN_S = 60


@dataclass(frozen=True)
class ServedService:
    """A running `ccn serve` process: its name, its base URL, the secret that signs its tokens,
    the file its output goes to, the Kafka broker it talks to, and the environment it runs in
    (for `ccn` commands on the same database)."""

    name: str
    url: str
    jwt_secret: str
    log: Path
    kafka_bootstrap: str
    env: dict[str, str]

    def client(self, agency: str) -> httpx.AsyncClient:
        """A client of its `/api/v1` as an officer and approver of `agency` in Sơn La."""
        token = mint_token(
            self.jwt_secret,
            subject="e2e",
            agency=agency,
            roles=["officer", "approver"],
            province="14",
        )
        return httpx.AsyncClient(
            base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
        )


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(server: subprocess.Popen[bytes], name: str, url: str, log: Path) -> None:
    try:
        wait_until_ready(url, [server], timeout_s=READY_WITHIN_S)
    except NotReady as exc:
        raise AssertionError(f"`ccn serve {name}`: {exc}:\n{_tail(log)}") from None


@contextmanager
def serving(
    name: str,
    postgres_server: PostgresServer,
    kafka_bootstrap: str,
    log_dir: Path,
    settings: Mapping[str, str] | None = None,
) -> Iterator[ServedService]:
    """`ccn serve <name>` on a fresh database, stopped (cleanly) and dropped afterwards; more
    `CCN_*` `settings` where a test needs them (an identity provider's JWKS)."""
    port = free_port()
    database = postgres_server.create_database()
    env = {
        **os.environ,
        "CCN_DATABASE_URL": postgres_server.url(database),
        "CCN_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CCN_JWT_SECRET": JWT_SECRET,
        "CCN_LOG_LEVEL": "WARNING",
        **(settings or {}),
    }
    log = log_dir / f"{name}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", name, "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, name, url, log)
        yield ServedService(
            name=name,
            url=url,
            jwt_secret=JWT_SECRET,
            log=log,
            kafka_bootstrap=kafka_bootstrap,
            env=env,
        )
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        postgres_server.drop_database(database)
    # uvicorn finishes the lifespan (relay and consumers stop), then re-raises SIGTERM.
    assert code in (0, -signal.SIGTERM), f"`ccn serve {name}` exited with {code}:\n{_tail(log)}"


@pytest.fixture
def served_service(
    request: pytest.FixtureRequest,
    postgres_server: PostgresServer,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> Iterator[ServedService]:
    """`ccn serve <service>` on a fresh database; name the service by indirect parametrization:
    `@pytest.mark.parametrize("served_service", ["registry"], indirect=True)`."""
    name = getattr(request, "param", None)
    if not isinstance(name, str):
        raise pytest.UsageError(
            'served_service needs a service name: @pytest.mark.parametrize("served_service", '
            '["registry"], indirect=True)'
        )
    with serving(name, postgres_server, kafka_bootstrap, tmp_path) as served:
        yield served


@pytest.fixture
def with_registry(
    request: pytest.FixtureRequest,
    postgres_server: PostgresServer,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> Iterator[tuple[ServedService, ServedService]]:
    """The registry and the service named by indirect parametrization, each served in its own
    process on its own database: `@pytest.mark.parametrize("with_registry", ["promotion"],
    indirect=True)`."""
    with (
        serving("registry", postgres_server, kafka_bootstrap, tmp_path) as registry,
        serving(request.param, postgres_server, kafka_bootstrap, tmp_path) as other,
    ):
        yield registry, other
