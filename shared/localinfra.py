"""Real Kafka and PostgreSQL on free local ports, for tests and benchmarks, via deploy/ scripts."""

from __future__ import annotations

import base64
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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


def free_ports_from(count: int) -> int:
    """The first of `count` consecutive free ports, below the range the system hands out to
    outgoing connections (a port from there can be taken by one before a server binds it)."""
    while True:
        first = random.randrange(20_000, 32_000 - count)
        if all(_is_free(first + i) for i in range(count)):
            return first


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class NotReady(RuntimeError):
    """A started service exited, or did not answer /readyz in time."""


def wait_until_ready(
    url: str,
    processes: Sequence[subprocess.Popen[bytes]],
    *,
    timeout_s: float = 60,
    path: str = "/readyz",
) -> None:
    """Poll `{url}{path}` until it answers 200; NotReady if one of `processes` exits first
    or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        exited = [p for p in processes if p.poll() is not None]
        if exited:
            raise NotReady(f"a process exited with {exited[0].returncode} before {url} was ready")
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
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
    """One KRaft node (broker and controller) on free ports, with its data in a temp dir; alone,
    or a member of a `KafkaCluster`. It can be stopped, SIGKILLed and started again."""

    data_dir: Path
    port: int
    controller_port: int
    node_id: int = 1
    quorum: str = ""
    """Every controller of the cluster, `id@127.0.0.1:port,...` (empty: this node alone)."""
    cluster_id: str = ""
    """The id new storage is formatted with, the same on every node (empty: a new one)."""
    heap: str = "384m"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The settings `deploy/kafka/kafka.sh` runs this node with."""
        env = {
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.data_dir),
            "KAFKA_HEAP": self.heap,
        }
        if self.quorum:
            env |= {"KAFKA_NODE_ID": str(self.node_id), "KAFKA_CONTROLLER_QUORUM": self.quorum}
        if self.cluster_id:
            env["KAFKA_CLUSTER_ID"] = self.cluster_id
        return env

    @property
    def voter(self) -> str:
        """This node as the controller quorum names it."""
        return f"{self.node_id}@127.0.0.1:{self.controller_port}"

    def start(self) -> None:
        require("java", "install a JDK 17+ (Debian: apt-get install default-jdk-headless)")
        require("mvn", "install Maven (Debian: apt-get install maven)")
        _run(KAFKA_SCRIPT, "start", self.env)

    def stop(self) -> None:
        _run(KAFKA_SCRIPT, "stop", self.env)

    def kill(self) -> None:
        """SIGKILL the broker, as a machine that loses power would (start() brings it back)."""
        pid_file = self.data_dir / "kafka.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
        pid_file.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        try:
            os.kill(int((self.data_dir / "kafka.pid").read_text()), 0)
        except (OSError, ValueError):
            return False
        return True


@dataclass
class KafkaCluster:
    """KRaft nodes on 127.0.0.1, each a broker and a controller, that replicate every topic
    three times (fewer nodes: as many times as there are nodes) and acknowledge a write once
    two replicas have it, so one node can die without losing an acknowledged record. Node `n`
    keeps its data in `<data_dir>/node-<n>`."""

    data_dir: Path
    members: list[KafkaBroker]

    @classmethod
    def from_port(
        cls, data_dir: Path, first_port: int, brokers: int, *, heap: str = "256m"
    ) -> KafkaCluster:
        """Node `n` listens on `first_port + 2(n-1)`, its controller on the port after it:
        9092-9097 for three nodes from 9092."""
        members = [
            KafkaBroker(
                data_dir=data_dir / f"node-{n}",
                port=first_port + 2 * (n - 1),
                controller_port=first_port + 2 * (n - 1) + 1,
                node_id=n,
                heap=heap,
            )
            for n in range(1, brokers + 1)
        ]
        quorum = ",".join(m.voter for m in members)
        for member in members:
            member.quorum = quorum
        return cls(data_dir, members)

    @classmethod
    def on_free_ports(cls, data_dir: Path, brokers: int = 3) -> KafkaCluster:
        return cls.from_port(data_dir, free_ports_from(2 * brokers), brokers)

    @property
    def bootstrap(self) -> str:
        """Every node's address: a client finds the cluster through any of them that runs."""
        return ",".join(m.bootstrap for m in self.members)

    def start(self) -> None:
        """Start every node that is not running, together: a node answers only once a majority
        of the controllers has elected a leader."""
        cluster_id = self._cluster_id()
        for member in self.members:
            member.cluster_id = cluster_id
        self._on_each(KafkaBroker.start)

    def stop(self) -> None:
        self._on_each(KafkaBroker.stop)

    def _on_each(self, action: Callable[[KafkaBroker], None]) -> None:
        with ThreadPoolExecutor(len(self.members)) as pool:
            for done in [pool.submit(action, m) for m in self.members]:
                done.result()

    def _cluster_id(self) -> str:
        """The cluster's id, made on its first start and kept beside the nodes' data."""
        kept = self.data_dir / "cluster.id"
        if not kept.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            kept.write_text(new_cluster_id())
        return kept.read_text().strip()


def new_cluster_id() -> str:
    """A KRaft cluster id as Kafka makes one: a random UUID in URL-safe base64, never one that
    starts with "-" (a command line would read it as an option), as Kafka's own never does."""
    while True:
        made = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not made.startswith("-"):
            return made


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

    def restart(self) -> None:
        """Stop the server (its sessions end) and start it again on the same data."""
        _run(POSTGRES_SCRIPT, "stop", self._env)
        _run(POSTGRES_SCRIPT, "start", self._env)

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
