"""Fixtures shared by every test: a real Kafka broker, a real PostgreSQL server, databases."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.reporting.app import service as reporting
from shared.db import Database
from shared.localinfra import KafkaBroker, PostgresServer, free_port
from tests.apis import Templates, live
from tests.kafka_tools import unread, wait_until


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[KafkaBroker]:
    data_dir = Path(tempfile.mkdtemp(prefix="ccn-kafka-"))
    broker = KafkaBroker(data_dir=data_dir, port=free_port(), controller_port=free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="ccn-pg-"))
    server = PostgresServer(data_dir=data_dir, port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def templates(postgres_server: PostgresServer) -> Templates:
    """Each service's migrated database, made once, to copy per test."""
    return Templates(postgres_server)


@pytest.fixture
def registry_db_url(templates: Templates) -> Iterator[str]:
    """A fresh copy of the registry's migrated database (the other services build on it)."""
    from services.registry.app import service

    with templates.database(service) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Both databases the platform supports: PostgreSQL in production, SQLite embedded."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def pg_db(postgres_url: str) -> AsyncIterator[Database]:
    db = Database(postgres_url)
    yield db
    await db.dispose()


async def _unread(bootstrap: str) -> int:
    """How many events the reporting service's consumer groups have not yet committed."""
    return await unread(bootstrap, reporting)


@pytest.fixture
def drain_database_url(templates: Templates) -> Iterator[str]:
    """A scratch reporting database, made before any event loop runs (a template's first
    copy migrates it synchronously)."""
    with templates.database(reporting) as url:
        yield url


@pytest.fixture
async def reporting_drained(drain_database_url: str, kafka_bootstrap: str) -> None:
    """What earlier tests left unread of the reporting service's topics, read into a scratch
    database and committed: the consumer groups are shared by every test of the run, so a test
    that starts the reporting service then reads its own events only."""
    if await _unread(kafka_bootstrap) == 0:
        return
    async with live(kafka_bootstrap, (reporting, drain_database_url)):

        async def caught_up() -> bool:
            return await _unread(kafka_bootstrap) == 0

        assert await wait_until(caught_up, timeout_s=300), "earlier events never drained"
