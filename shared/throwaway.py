"""Throwaway servers for tests and benchmarks: a directory per run, marked with the run's
process id, whose servers are stopped and data removed when the run ends, or by a later run if
this one was killed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from shared.localinfra import (
    KafkaBroker,
    KafkaCluster,
    MissingComponent,
    PostgresServer,
    free_port,
)

THROWAWAY_ROOT = Path(tempfile.gettempdir()) / "ccn-throwaway"
"""Where test runs and benchmarks keep their servers' data, a directory per run."""


def throwaway_dir(purpose: str) -> Path:
    """A directory for one run's servers, marked with the run's process id: a later run stops
    and removes what a run that was killed left behind (see `sweep_abandoned`)."""
    sweep_abandoned()
    THROWAWAY_ROOT.mkdir(exist_ok=True)
    THROWAWAY_ROOT.chmod(0o755)  # PostgreSQL runs as its own user when started by root
    path = Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=THROWAWAY_ROOT))
    path.chmod(0o755)
    (path / "owner.pid").write_text(str(os.getpid()))
    return path


def sweep_abandoned() -> list[Path]:
    """Stop the servers of runs whose process is gone, and remove their directories."""
    swept = [path for path in _throwaway_dirs() if not _owner_alive(path / "owner.pid")]
    for path in swept:
        clean_up(path)
        print(f"removed what an earlier run left in {path}", flush=True)
    return swept


def own_throwaway_dirs() -> list[Path]:
    """The throwaway directories this process made."""
    return [p for p in _throwaway_dirs() if _owner(p / "owner.pid") == os.getpid()]


def clean_up(path: Path) -> None:
    """Stop every server whose data is under `path`, and remove it."""
    for pid_file in path.glob("**/kafka.pid"):
        with contextlib.suppress(MissingComponent):
            KafkaBroker(data_dir=pid_file.parent, port=0, controller_port=0).stop()
    for pg_dir in path.glob("**/pg"):
        with contextlib.suppress(MissingComponent):
            PostgresServer(data_dir=pg_dir, port=0).stop()
    shutil.rmtree(path, ignore_errors=True)


def _throwaway_dirs() -> list[Path]:
    return sorted(THROWAWAY_ROOT.glob("*")) if THROWAWAY_ROOT.is_dir() else []


def _owner(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text())
    except (OSError, ValueError):
        return None


def _owner_alive(pid_file: Path) -> bool:
    owner = _owner(pid_file)
    if owner is None:
        # Another run may have made the directory a moment ago and not yet marked it.
        return time.time() - pid_file.parent.stat().st_mtime < 60
    try:
        os.kill(owner, 0)
    except OSError:
        return False
    return True


def discard(path: Path) -> None:
    """Remove a throwaway directory whose servers are stopped."""
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def throwaway_broker(root: Path | None = None) -> Iterator[KafkaBroker]:
    """A broker of its own (under `root`, or a throwaway directory removed afterwards),
    stopped when the block ends."""
    own = root is None
    where = throwaway_dir("kafka") if root is None else root
    broker = KafkaBroker(data_dir=where / "kafka", port=free_port(), controller_port=free_port())
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()
        if own:
            discard(where)


@contextmanager
def throwaway_cluster(root: Path | None = None, *, brokers: int = 3) -> Iterator[KafkaCluster]:
    """A cluster of its own (under `root`, or a throwaway directory removed afterwards), every
    node stopped when the block ends."""
    own = root is None
    where = throwaway_dir("kafka-cluster") if root is None else root
    cluster = KafkaCluster.on_free_ports(where / "kafka-cluster", brokers)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if own:
            discard(where)


@contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """While the block runs, SIGTERM (a timeout's, `kill`'s) stops the process as Ctrl-C does,
    so what the block started is stopped and removed on the way out."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def throwaway_servers(purpose: str) -> Iterator[tuple[KafkaBroker, PostgresServer]]:
    """A Kafka broker and a PostgreSQL cluster of their own in a throwaway directory, for a
    benchmark; both stopped and their data removed when the block ends."""
    root = throwaway_dir(purpose)
    pg = PostgresServer(data_dir=root / "pg", port=free_port())
    print(f"starting Kafka and PostgreSQL in {root}", flush=True)
    with ExitStack() as stack:
        stack.enter_context(_terminated_as_interrupted())
        stack.callback(discard, root)
        broker = stack.enter_context(throwaway_broker(root))
        pg.start()
        stack.callback(pg.stop)
        yield broker, pg
