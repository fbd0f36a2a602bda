"""`ccn infra`: local Apache Kafka (one broker or a cluster) and PostgreSQL for runs and tests,
through the deploy/ scripts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shared.settings import Settings

if TYPE_CHECKING:
    from shared.localinfra import KafkaCluster

REPO_ROOT = Path(__file__).resolve().parents[1]
KAFKA_SCRIPT = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"
POSTGRES_SCRIPT = REPO_ROOT / "deploy" / "postgres" / "postgres.sh"

infra = typer.Typer(
    help="Local Apache Kafka (KRaft) and PostgreSQL for runs and tests.", no_args_is_help=True
)

KafkaOpt = Annotated[bool, typer.Option("--kafka/--no-kafka", help="Include the Kafka broker.")]
PostgresOpt = Annotated[
    bool, typer.Option("--postgres/--no-postgres", help="Include the PostgreSQL server.")
]
BrokersOpt = Annotated[
    int,
    typer.Option(
        "--brokers",
        min=1,
        help="Kafka nodes: 1, or 3 for a cluster that loses no acknowledged write when a node "
        "dies (replication factor 3, min.insync.replicas 2), on $KAFKA_PORT and the ports "
        "after it.",
    ),
]


def _infra_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("KAFKA_DATA_DIR", str(var_dir / "kafka"))
    env.setdefault("PG_DATA_DIR", str(var_dir / "postgres"))
    return env


def _run_script(script: Path, action: str, var_dir: Path) -> int:
    return subprocess.run(
        ["bash", str(script), action], env=_infra_env(var_dir), check=False
    ).returncode


def var_dir() -> Path:
    return Settings().var_dir.resolve()


def _kafka_port() -> int:
    return int(os.environ.get("KAFKA_PORT", "9092"))


def _cluster(var_dir: Path, brokers: int) -> KafkaCluster:
    """The local cluster's nodes: their data in var/kafka-cluster/node-<n>, node n listening on
    $KAFKA_PORT + 2(n-1) and its controller on the port after it."""
    from shared.localinfra import KafkaCluster

    return KafkaCluster.from_port(var_dir / "kafka-cluster", _kafka_port(), brokers)


def _found_cluster(var_dir: Path) -> KafkaCluster | None:
    """The cluster `ccn infra up --brokers N` made in var/, if there is one."""
    nodes = list((var_dir / "kafka-cluster").glob("node-*"))
    return _cluster(var_dir, len(nodes)) if nodes else None


def start_kafka(var_dir: Path, brokers: int) -> str | None:
    """Start the broker, or a cluster of `brokers` nodes; the address clients bootstrap from
    (None: it did not start, and the output says why)."""
    if brokers == 1:
        if _run_script(KAFKA_SCRIPT, "start", var_dir) != 0:
            return None
        return f"127.0.0.1:{_kafka_port()}"
    from shared.localinfra import MissingComponent

    found = _found_cluster(var_dir)
    if found is not None and len(found.members) != brokers:
        typer.echo(
            f"{found.data_dir} holds a cluster of {len(found.members)} nodes: start that many, "
            "or stop it (ccn infra down) and remove the directory",
            err=True,
        )
        return None
    cluster = _cluster(var_dir, brokers)
    try:
        cluster.start()
    except MissingComponent as exc:
        typer.echo(str(exc), err=True)
        return None
    typer.echo(f"kafka: {brokers} brokers running, data in {cluster.data_dir}")
    typer.echo(f"export CCN_KAFKA_BOOTSTRAP_SERVERS={cluster.bootstrap}")
    return cluster.bootstrap


def _cluster_status(cluster: KafkaCluster) -> bool:
    """Print each node's state; whether every node runs."""
    for member in cluster.members:
        subprocess.run(
            ["bash", str(KAFKA_SCRIPT), "status"], env={**os.environ, **member.env}, check=False
        )
    typer.echo(f"kafka: bootstrap {cluster.bootstrap}")
    return all(member.running for member in cluster.members)


@infra.command("up")
def infra_up(kafka: KafkaOpt = True, postgres: PostgresOpt = True, brokers: BrokersOpt = 1) -> None:
    """Start the broker (port $KAFKA_PORT, default 9092), or a cluster of --brokers nodes, and
    PostgreSQL ($PG_PORT, default 5433)."""
    var = var_dir()
    if kafka and start_kafka(var, brokers) is None:
        raise typer.Exit(1)
    if postgres and _run_script(POSTGRES_SCRIPT, "start", var) != 0:
        raise typer.Exit(1)


@infra.command("down")
def infra_down(kafka: KafkaOpt = True, postgres: PostgresOpt = True) -> None:
    """Stop what `ccn infra up` started, a cluster's nodes too (data stays in var/)."""
    var = var_dir()
    codes = [_run_script(KAFKA_SCRIPT, "stop", var)] if kafka else []
    cluster = _found_cluster(var) if kafka else None
    if cluster is not None:
        cluster.stop()
        typer.echo(
            f"kafka: the cluster's {len(cluster.members)} nodes in {cluster.data_dir} stopped"
        )
    if postgres:
        codes.append(_run_script(POSTGRES_SCRIPT, "stop", var))
    raise typer.Exit(max(codes, default=0))


@infra.command("status")
def infra_status() -> None:
    """Print whether the broker (or the cluster's nodes, while one runs) and PostgreSQL run."""
    var = var_dir()
    cluster = _found_cluster(var)
    if cluster is not None and any(member.running for member in cluster.members):
        kafka_runs = _cluster_status(cluster)
    else:
        kafka_runs = _run_script(KAFKA_SCRIPT, "status", var) == 0
    postgres_runs = _run_script(POSTGRES_SCRIPT, "status", var) == 0
    raise typer.Exit(0 if kafka_runs and postgres_runs else 3)
