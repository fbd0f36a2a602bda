"""Fixtures shared by every test: a real Kafka broker, a real PostgreSQL server, databases."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.db import Database
from shared.localinfra import KafkaBroker, PostgresServer, free_port
from tests.apis import Templates


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
