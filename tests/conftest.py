"""Fixtures shared by every test: a real Kafka broker, a real PostgreSQL server, databases."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.reporting.app import service as reporting
from shared.db import Database
from shared.localinfra import KafkaBroker, PostgresServer, free_port
from shared.throwaway import clean_up, discard, own_throwaway_dirs, throwaway_broker, throwaway_dir
from tests.apis import Templates, drain_reporting


def pytest_configure(config: pytest.Config) -> None:
    """A run stopped by SIGTERM (a timeout's) tears its fixtures down as Ctrl-C does: its
    servers stop and their directories go. What a SIGKILL leaves, the next run removes."""

    def interrupt(signum: int, _frame: object) -> None:
        # Stop the servers first: a teardown interrupted mid-test may wait on them forever.
        last_resort = threading.Timer(30, os._exit, args=(128 + signum,))
        last_resort.daemon = True
        last_resort.start()
        for path in own_throwaway_dirs():
            clean_up(path)
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session")
def run_dir() -> Iterator[Path]:
    """This run's servers' data (and a sweep of what killed runs left)."""
    path = throwaway_dir("tests")
    yield path
    discard(path)


@pytest.fixture(scope="session")
def kafka_broker(run_dir: Path) -> Iterator[KafkaBroker]:
    with throwaway_broker(run_dir) as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def postgres_server(run_dir: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(data_dir=run_dir / "pg", port=free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()


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
    await drain_reporting(drain_database_url, kafka_bootstrap)
