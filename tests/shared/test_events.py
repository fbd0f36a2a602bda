"""The envelope, the catalog, the schema compatibility check and the committed snapshots."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest

from shared import context
from shared.events import Envelope, Event, EventCatalog, UndecodableEvent, catalog
from shared.events.compat import breaking_changes
from shared.events.schema_store import DEFAULT_SCHEMA_DIR, SchemaStore


def _catalog_with(model: type[Event]) -> EventCatalog:
    c = EventCatalog()
    c.register(model)
    return c


class PlotLeased(Event, service="test", aggregate="plot", subject="plot_id"):
    """A plot of land in a cluster was leased (test contract, first revision)."""

    event_name: ClassVar[str] = "PlotLeased"
    plot_id: str
    area_ha: Decimal
    rent_vnd: int
    start_date: date
    note: str | None = None


def test_envelope_round_trips_through_kafka_headers() -> None:
    event = PlotLeased(
        plot_id="p1", area_ha=Decimal("1.25"), rent_vnd=120_000_000, start_date=date(2025, 7, 1)
    )
    with context.bound(
        correlation="corr-1",
        causation="cause-1",
        who=context.Actor(subject="officer-7", agency="so-cong-thuong"),
    ):
        env = Envelope.wrap(event)
    back = Envelope.decode(env.headers(), env.value())
    assert back == env
    assert back.type == "vn.ccn.test.PlotLeased.v1" and back.source == "/ccn/test"
    assert back.subject == "p1" and env.key == b"p1"
    assert (back.correlation_id, back.causation_id) == ("corr-1", "cause-1")
    assert (back.actor, back.actor_agency) == ("officer-7", "so-cong-thuong")
    assert back.traceparent and back.traceparent.startswith("00-")
    assert PlotLeased.model_validate(back.data) == event
    assert back.data["area_ha"] == "1.25"  # decimals travel as strings, never floats


@pytest.mark.parametrize(
    ("headers", "value", "why"),
    [
        ([], b"{}", "missing CloudEvents headers"),
        (
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"0.3")],
            b"{}",
            "unsupported ce_specversion",
        ),
        (
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"1.0")],
            b"[1, 2]",
            "not a JSON object",
        ),
        (
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"1.0")],
            b"\xff",
            "not JSON",
        ),
        (
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"1.0")],
            b'{"a": ' * 100_000,
            "not JSON",
        ),
        (
            [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s"), ("ce_specversion", b"1.0")],
            b'{"name": "\\ud800"}',
            "not JSON",
        ),
        (
            [
                ("ce_id", b"\xff"),
                ("ce_type", b"t"),
                ("ce_source", b"s"),
                ("ce_specversion", b"1.0"),
            ],
            b"{}",
            "not UTF-8",
        ),
    ],
)
def test_undecodable_messages_are_refused_with_the_reason(headers, value, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UndecodableEvent, match=why):
        Envelope.decode(headers, value)


def test_catalog_refuses_a_model_without_its_contract() -> None:
    class Nameless(Event):
        thing_id: str

    with pytest.raises(TypeError, match="service"):
        EventCatalog().register(Nameless)


def test_asyncapi_document_describes_channels_messages_and_payloads() -> None:
    doc = _catalog_with(PlotLeased).asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    channel = doc["channels"]["ccnTestPlot"]
    assert channel["address"] == "ccn.test.plot"
    message = doc["components"]["messages"]["test.PlotLeased.v1"]
    assert message["payload"] == {"$ref": "#/components/schemas/PlotLeased"}
    assert doc["components"]["schemas"]["PlotLeased"]["required"] == [
        "plot_id",
        "area_ha",
        "rent_vnd",
        "start_date",
    ]
    assert doc["operations"]["sendCcnTestPlot"]["action"] == "send"


# Revisions of PlotLeased, each one change away from the first.
def _variant(**fields: object) -> type[Event]:
    namespace: dict[str, object] = {
        "__annotations__": {
            "plot_id": str,
            "area_ha": Decimal,
            "rent_vnd": int,
            "start_date": date,
            "note": str | None,
        },
        "note": None,
        "service": "test",
        "aggregate": "plot",
        "subject_field": "plot_id",
        "event_name": "PlotLeased",
        "__doc__": PlotLeased.__doc__,
    }
    annotations = namespace["__annotations__"]
    assert isinstance(annotations, dict)
    annotations.update(
        {
            "service": ClassVar[str],
            "aggregate": ClassVar[str],
            "subject_field": ClassVar[str],
            "event_name": ClassVar[str],
        }
    )
    for name, spec in fields.items():
        if spec is None:
            annotations.pop(name, None)
            namespace.pop(name, None)
        else:
            annotation, default = spec  # type: ignore[misc]
            annotations[name] = annotation
            if default is ...:
                namespace.pop(name, None)
            else:
                namespace[name] = default
    return type("PlotLeased", (Event,), namespace)


def _schema(model: type[Event]) -> dict:
    return EventCatalog().json_schema(model)


BREAKING = {
    "required field removed": {"rent_vnd": None},
    "field renamed": {"rent_vnd": None, "rent_amount_vnd": (int, ...)},
    "type changed": {"rent_vnd": (str, ...)},
    "optional made required": {"note": (str | None, ...)},
    "required made optional": {"rent_vnd": (int | None, None)},
    "new required field": {"leased_by": (str, ...)},
    "format changed": {"start_date": (str, ...)},
}


@pytest.mark.parametrize("change", sorted(BREAKING))
def test_a_breaking_change_is_detected(change: str) -> None:
    assert breaking_changes(_schema(PlotLeased), _schema(_variant(**BREAKING[change])))


def test_adding_or_removing_an_optional_field_is_compatible() -> None:
    added = _variant(contract_no=(str | None, None))
    removed = _variant(note=None)
    assert breaking_changes(_schema(PlotLeased), _schema(added)) == []
    assert breaking_changes(_schema(PlotLeased), _schema(removed)) == []


def test_snapshot_check_fails_on_a_breaking_copy_against_any_earlier_revision(
    tmp_path: Path,
) -> None:
    store = SchemaStore(tmp_path / "schemas")
    assert store.write(_catalog_with(PlotLeased)).compatible
    # Revision 2 drops the optional note; compatible with revision 1.
    assert store.write(_catalog_with(_variant(note=None))).compatible
    assert len(store.revisions("vn.ccn.test.PlotLeased.v1")) == 2
    # Bringing note back as a required int is compatible with neither... and revision 1 knows.
    broken = _variant(note=(int, ...))
    report = store.check(_catalog_with(broken))
    assert not report.compatible
    assert any("note" in line for line in report.breaking["vn.ccn.test.PlotLeased.v1"])
    assert not store.write(_catalog_with(broken)).compatible
    assert len(store.revisions("vn.ccn.test.PlotLeased.v1")) == 2  # nothing written


def test_a_published_type_removed_from_the_catalog_is_breaking(tmp_path: Path) -> None:
    store = SchemaStore(tmp_path / "schemas")
    store.write(_catalog_with(PlotLeased))
    report = store.check(EventCatalog())
    assert report.missing_types == ["vn.ccn.test.PlotLeased.v1"]


def test_committed_snapshots_match_the_catalog(tmp_path: Path) -> None:
    """The repository's schemas/ is what `ccn schemas` would write: nothing changed silently."""
    report = SchemaStore(DEFAULT_SCHEMA_DIR).check(catalog)
    assert report.up_to_date, report.describe()


def test_the_committed_snapshots_reject_a_deliberately_broken_copy(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMA_DIR, copy)
    published = SchemaStore(copy).published_types()
    if not published:  # the catalog is still empty: publish a type to break
        SchemaStore(copy).write(_catalog_with(PlotLeased))
        published = ["vn.ccn.test.PlotLeased.v1"]
    target = copy / "events" / published[0]
    latest = sorted(target.glob("*.json"))[-1]
    schema = json.loads(latest.read_text())
    field = schema["required"][0]
    schema["properties"][field] = {"type": "boolean"}  # the code now disagrees with this type
    (target / "9999.json").write_text(json.dumps(schema))
    checking = EventCatalog()
    source = catalog if published[0] in catalog else _catalog_with(PlotLeased)
    checking.register(source.get(published[0]))
    report = SchemaStore(copy).check(checking)
    assert not report.compatible
    assert any(field in line for line in report.breaking[published[0]])
