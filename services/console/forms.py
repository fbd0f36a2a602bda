"""Command forms, declared rather than written: each field named as the API names it, how an
official's input becomes the API's body, and what the form shows before anything is typed.
One template (`_fields.html`) draws every form from these declarations, for every service:
which commands are offered stays with the service's own permits and lifecycle steps."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from services.console import formats
from shared import labels
from shared.domain import today

Record = dict[str, Any]
Form = Mapping[str, str]


def today_typed(_record: Record) -> str:
    """Today as the official would type it: the default of a form's day."""
    return formats.day(today())


@dataclass(frozen=True)
class Field:
    """One field of a form, named as the API names it. `kind` says how it is typed and read:
    `day` (dd/mm/yyyy), `vnd` (whole đồng), `ha` (hectares, 1,5), `count` (a whole number),
    `text`, `long`, `choice` or `outputs` (one count per output, sent as an object)."""

    name: str
    label: str
    kind: str = "text"
    choices: Mapping[str, str] = field(default_factory=dict)
    required: bool = True
    default: Callable[[Record], Any] | None = None

    def inputs(self) -> list[str]:
        """The names of the inputs the official fills in for it."""
        if self.kind == "outputs":
            return [f"{self.name}.{output}" for output in labels.OUTPUT_VI]
        return [self.name]

    def read(self, form: Form) -> Any:
        """What the API gets for what the official typed (None: left out)."""
        if self.kind == "outputs":
            return {o: form.get(f"{self.name}.{o}", "").strip() or "0" for o in labels.OUTPUT_VI}
        typed = form.get(self.name, "").strip()
        if not typed and not self.required:
            return None
        return READERS.get(self.kind, str.strip)(typed)

    def start(self, record: Record) -> dict[str, str]:
        """What its inputs hold before the official types anything."""
        if self.default is None:
            return {}
        value = self.default(record)
        if self.kind == "outputs":
            return {f"{self.name}.{o}": str(n) for o, n in value.items()}
        return {self.name: str(value)}


def _count(typed: str) -> str:
    """`1.200` or `1 200` as `1200`; anything else as typed, for the API to judge."""
    return formats.read_vnd(typed)


READERS: dict[str, Callable[[str], str]] = {
    "day": formats.read_day,
    "vnd": formats.read_vnd,
    "ha": formats.read_decimal,
    "count": _count,
}
"""How a kind of field turns what was typed into what the API takes."""


def body_of(fields: tuple[Field, ...], form: Form) -> dict[str, Any]:
    """The request body a form makes: every field read, those left empty left out."""
    read = {f.name: f.read(form) for f in fields}
    return {name: value for name, value in read.items() if value is not None}


def entered(fields: tuple[Field, ...], form: Form) -> dict[str, str]:
    """What the official typed, kept to show the form again as it was sent."""
    return {name: form.get(name, "") for f in fields for name in f.inputs()}


def version_of(form: Form) -> int | str:
    """The version the official read, as the API takes it (a number; else as sent, for the
    API to refuse and name)."""
    version = form.get("version", "")
    return int(version) if version.isdigit() else version


@dataclass(frozen=True)
class Command:
    """A command as a form: `step` the service's own lifecycle step, `slug` in the console's
    address, `api` the service's path after the record, `notice` what the page says once it
    is done."""

    step: Enum
    slug: str
    api: str
    title: str
    fields: tuple[Field, ...]
    notice: str
    hint: str = ""

    def start(self, record: Record) -> dict[str, str]:
        return {k: v for f in self.fields for k, v in f.start(record).items()}


def offered(
    commands: tuple[Command, ...],
    steps: Collection[Enum],
    record: Record,
    refused_slug: str | None,
    typed: Form,
) -> tuple[list[Command], dict[str, dict[str, str]]]:
    """The commands whose steps are among `steps`, each with what its form starts from: the
    one refused (`refused_slug`) as the official sent it."""
    shown = [c for c in commands if c.step in steps]
    values = {c.slug: c.start(record) for c in shown}
    if refused_slug in values:
        values[refused_slug] = {**values[refused_slug], **typed}
    return shown, values
