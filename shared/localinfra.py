"""Real Kafka and PostgreSQL on free local ports, for tests and benchmarks, via deploy/ scripts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
KAFKA_SCRIPT = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"
POSTGRES_SCRIPT = REPO_ROOT / "deploy" / "postgres" / "postgres.sh"


class MissingComponent(RuntimeError):
    """A component (JDK, Maven, PostgreSQL) is not installed; the message says how to get it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NotReady(RuntimeError):
    """A started service exited, or did not answer /readyz in time."""


def wait_until_ready(
    url: str, processes: Sequence[subprocess.Popen[bytes]], *, timeout_s: float = 60
) -> None:
    """Poll `{url}/readyz` until it answers 200; NotReady if one of `processes` exits first
    or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        exited = [p for p in processes if p.poll() is not None]
        if exited:
            raise NotReady(f"a process exited with {exited[0].returncode} before {url} was ready")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise NotReady(f"{url} was not ready in {timeout_s:.0f} s")


def require(tool: str, how: str) -> None:
    if shutil.which(tool) is None:
        raise MissingComponent(f"{tool} is required: {how}")


def _run(script: Path, action: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", str(script), action],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise MissingComponent(f"{script.name} {action} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class KafkaBroker:
    """One KRaft broker on free ports, with its data in a temp dir; can be stopped and restarted."""

    data_dir: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def _env(self) -> dict[str, str]:
        return {
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.data_dir),
            "KAFKA_HEAP": "384m",
        }

    def start(self) -> None:
        require("java", "install a JDK 17+ (Debian: apt-get install default-jdk-headless)")
        require("mvn", "install Maven (Debian: apt-get install maven)")
        _run(KAFKA_SCRIPT, "start", self._env)

    def stop(self) -> None:
        _run(KAFKA_SCRIPT, "stop", self._env)


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster; each test gets a database of its own."""

    data_dir: Path
    port: int

    @property
    def _env(self) -> dict[str, str]:
        return {
            "PG_PORT": str(self.port),
            "PG_DATA_DIR": str(self.data_dir),
            "PG_DATABASES": "",
            "PG_FSYNC": "off",
        }

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://ccn:ccn@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _run(POSTGRES_SCRIPT, "start", self._env)

    def stop(self) -> None:
        _run(POSTGRES_SCRIPT, "destroy", self._env)

    def _psql(self, sql: str) -> None:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "ccn",
                "-d",
                "postgres",
                "-qc",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": "ccn"},
            check=True,
            capture_output=True,
        )

    def create_database(self, *, template: str | None = None, name: str | None = None) -> str:
        """A new database, empty or copied from `template` (fast: no migrations to rerun)."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        source = f' TEMPLATE "{template}"' if template else ""
        self._psql(f'CREATE DATABASE "{name}"{source}')
        return name

    def drop_database(self, name: str) -> None:
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_broker(root: Path) -> Iterator[KafkaBroker]:
    """A broker of its own under `root`, stopped when the block ends."""
    broker = KafkaBroker(data_dir=root / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@contextmanager
def throwaway_servers(purpose: str) -> Iterator[tuple[KafkaBroker, PostgresServer]]:
    """A Kafka broker and a PostgreSQL cluster of their own in a temporary directory, for a
    benchmark; both stopped and their data removed when the block ends."""
    root = Path(tempfile.mkdtemp(prefix=f"ccn-{purpose}-"))
    root.chmod(0o755)  # PostgreSQL runs as its own user when started by root
    pg = PostgresServer(data_dir=root / "pg", port=free_port())
    print(f"starting Kafka and PostgreSQL in {root}", flush=True)
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        broker = stack.enter_context(throwaway_broker(root))
        pg.start()
        stack.callback(pg.stop)
        yield broker, pg
