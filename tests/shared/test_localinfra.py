"""The project's own infrastructure scripts: status through `ccn`, loud failures when parts lack."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.localinfra import KAFKA_SCRIPT, KafkaBroker, PostgresServer, free_port, new_cluster_id
from shared.throwaway import clean_up, sweep_abandoned, throwaway_dir


def test_ccn_infra_status_sees_the_running_broker_and_server(
    kafka_broker: KafkaBroker, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_DATA_DIR", str(kafka_broker.data_dir))
    monkeypatch.setenv("KAFKA_PORT", str(kafka_broker.port))
    monkeypatch.setenv("PG_DATA_DIR", str(postgres_server.data_dir))
    monkeypatch.setenv("PG_PORT", str(postgres_server.port))
    result = subprocess.run(
        [shutil.which("ccn") or ".venv/bin/ccn", "infra", "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kafka: running" in result.stdout
    assert f"127.0.0.1:{kafka_broker.port}" in result.stdout
    assert "postgres: running" in result.stdout


def test_ccn_infra_status_reports_what_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_DATA_DIR", str(tmp_path / "kafka"))
    monkeypatch.setenv("PG_DATA_DIR", str(tmp_path / "pg"))
    result = CliRunner().invoke(app, ["infra", "status"])
    assert result.exit_code == 3


def test_starting_kafka_without_a_jdk_fails_saying_how_to_install_one(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    result = subprocess.run(
        ["bash", str(KAFKA_SCRIPT), "start"],
        env={**os.environ, "PATH": str(bin_dir), "KAFKA_DATA_DIR": str(tmp_path / "k")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "java not found: install a JDK 17+" in result.stderr


def test_what_a_killed_run_left_running_the_next_run_stops_and_removes(run_dir: Path) -> None:
    left = throwaway_dir("killed")
    server = PostgresServer(data_dir=left / "pg", port=free_port())
    server.start()
    ended = subprocess.Popen(["true"])  # a process that is gone, as a killed run is
    ended.wait()
    (left / "owner.pid").write_text(str(ended.pid))
    assert (left / "pg" / "cluster").is_dir()

    swept = sweep_abandoned()

    assert left in swept and not left.exists()
    assert run_dir not in swept and run_dir.exists(), "a live run's servers were swept"
    refused = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", str(server.port)], capture_output=True, check=False
    )
    assert refused.returncode != 0, "the abandoned PostgreSQL still answers"


def test_clean_up_stops_a_clusters_nodes(tmp_path: Path) -> None:
    """What a killed run leaves of a cluster is stopped, node by node, like a single broker."""
    stand_in = subprocess.Popen(["sleep", "600"])  # a node's process, as far as its pid file says
    reaped = threading.Thread(target=stand_in.wait)  # so that it is gone once it ends
    reaped.start()
    node = tmp_path / "run" / "kafka-cluster" / "node-2"
    node.mkdir(parents=True)
    (node / "kafka.pid").write_text(str(stand_in.pid))

    clean_up(tmp_path / "run")

    reaped.join(timeout=30)
    assert stand_in.returncode == -signal.SIGTERM
    assert not (tmp_path / "run").exists()


def test_a_benchmark_stopped_by_sigterm_stops_its_servers_and_removes_them() -> None:
    """`timeout` or `kill` on a benchmark leaves nothing running, as Ctrl-C does."""
    script = (
        "import time\n"
        "from shared.throwaway import throwaway_servers\n"
        "with throwaway_servers('sigterm') as (broker, pg):\n"
        "    print('ready', broker.bootstrap, pg.port, flush=True)\n"
        "    time.sleep(600)\n"
    )
    bench = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    assert bench.stdout is not None
    started = bench.stdout.readline()
    root = Path(started.split(" in ", 1)[1].strip())
    ready = bench.stdout.readline().split()
    assert ready[0] == "ready", started + " ".join(ready)
    bench.send_signal(signal.SIGTERM)
    assert bench.wait(timeout=120) != 0
    assert not root.exists(), "the benchmark's throwaway directory was left behind"
    refused = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", ready[2]], capture_output=True, check=False
    )
    assert refused.returncode != 0, "the benchmark's PostgreSQL still answers"


def test_a_cluster_id_never_reads_as_an_option() -> None:
    """One random id in 64 would start with "-", and `kafka-storage format` refused it."""
    made = [new_cluster_id() for _ in range(2000)]
    assert not [m for m in made if m.startswith("-")]
    assert len(set(made)) == len(made) and all(len(m) == 22 for m in made)
