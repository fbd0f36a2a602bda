"""What operators are given: every metric the alert rules and the dashboard name is one the
services export."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import REGISTRY

import shared.metrics  # noqa: F401  (registers the platform's metrics)
from shared.localinfra import REPO_ROOT

WATCHED = [
    REPO_ROOT / "deploy" / "prometheus" / "rules.yml",
    REPO_ROOT / "deploy" / "grafana" / "dashboards" / "ccn-platform.json",
]


def exported() -> set[str]:
    """Every series name the platform's metrics export (a histogram's _bucket, _sum, …)."""
    names: set[str] = set()
    for metric in REGISTRY.collect():
        if metric.name.startswith("ccn_"):
            names.update(sample.name for sample in metric.samples)
            names.add(metric.name)
            names.update(f"{metric.name}{suffix}" for suffix in ("_total", "_bucket", "_count"))
    return names


def test_every_metric_the_alerts_and_the_dashboard_name_is_exported() -> None:
    known = exported()
    for path in WATCHED:
        named = set(re.findall(r"ccn_[a-z_]+", Path(path).read_text()))
        assert named, path
        assert named <= known, f"{path.name} names metrics nobody exports: {named - known}"
