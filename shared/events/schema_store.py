"""The committed schema snapshots: every published revision of every event type.

Layout: `schemas/events/<ce_type>/<NNNN>.json`, one file per revision (the highest is the
current one), and `schemas/asyncapi.json`. A change to an event model must be compatible with
every committed revision, not only the last (FULL_TRANSITIVE).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.events.catalog import EventCatalog
from shared.events.compat import breaking_changes

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA_DIR = REPO_ROOT / "schemas"


@dataclass
class SchemaReport:
    """What comparing the catalog with the snapshots found."""

    breaking: dict[str, list[str]] = field(default_factory=dict)
    missing_types: list[str] = field(default_factory=list)
    new_revisions: list[str] = field(default_factory=list)
    asyncapi_stale: bool = False

    @property
    def compatible(self) -> bool:
        return not self.breaking and not self.missing_types

    @property
    def up_to_date(self) -> bool:
        return self.compatible and not self.new_revisions and not self.asyncapi_stale

    def describe(self) -> str:
        lines = []
        for type_name, changes in sorted(self.breaking.items()):
            lines.append(f"{type_name}: breaking change against a published revision:")
            lines += [f"  - {c}" for c in changes]
        for type_name in self.missing_types:
            lines.append(f"{type_name}: published before but no longer in the catalog")
        for type_name in self.new_revisions:
            lines.append(f"{type_name}: schema changed compatibly; run `ccn schemas` to record it")
        if self.asyncapi_stale:
            lines.append("asyncapi.json is out of date; run `ccn schemas`")
        return "\n".join(lines) or "schemas are up to date"


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class SchemaStore:
    """Reads and writes the snapshot directory."""

    def __init__(self, root: Path = DEFAULT_SCHEMA_DIR) -> None:
        self.root = root
        self.events_dir = root / "events"
        self.asyncapi_path = root / "asyncapi.json"

    def revisions(self, type_name: str) -> list[dict[str, Any]]:
        folder = self.events_dir / type_name
        if not folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]

    def published_types(self) -> list[str]:
        if not self.events_dir.is_dir():
            return []
        return sorted(p.name for p in self.events_dir.iterdir() if p.is_dir())

    def check(self, catalog: EventCatalog) -> SchemaReport:
        report = SchemaReport()
        for cls in catalog:
            current = catalog.json_schema(cls)
            revisions = self.revisions(cls.type_name())
            problems = [c for old in revisions for c in breaking_changes(old, current)]
            if problems:
                report.breaking[cls.type_name()] = sorted(set(problems))
            elif not revisions or revisions[-1] != current:
                report.new_revisions.append(cls.type_name())
        report.missing_types = [t for t in self.published_types() if t not in catalog]
        expected = _dump(catalog.asyncapi())
        actual = self.asyncapi_path.read_text() if self.asyncapi_path.exists() else ""
        report.asyncapi_stale = expected != actual
        return report

    def write(self, catalog: EventCatalog) -> SchemaReport:
        """Record new compatible revisions and the AsyncAPI document; refuse breaking changes."""
        report = self.check(catalog)
        if not report.compatible:
            return report
        for type_name in report.new_revisions:
            cls = catalog.get(type_name)
            folder = self.events_dir / type_name
            folder.mkdir(parents=True, exist_ok=True)
            number = len(list(folder.glob("*.json"))) + 1
            (folder / f"{number:04d}.json").write_text(_dump(catalog.json_schema(cls)))
        self.root.mkdir(parents=True, exist_ok=True)
        self.asyncapi_path.write_text(_dump(catalog.asyncapi()))
        return report
