"""The event catalog: every published event type by `ce_type`, with its JSON Schema and AsyncAPI."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic.json_schema import models_json_schema

from shared.events.base import Event
from shared.events.envelope import Envelope

E = TypeVar("E", bound=type[Event])

ASYNCAPI_VERSION = "3.0.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class UnknownEventType(LookupError):
    """A `ce_type` the catalog does not hold."""


class InvalidEventData(ValueError):
    """Event data that does not match its type's schema."""


class EventCatalog:
    """Registry of event models, looked up by `ce_type`."""

    def __init__(self, title: str = "ccn-platform events") -> None:
        self.title = title
        self._types: dict[str, type[Event]] = {}

    def register(self, cls: E) -> E:
        """Class decorator: add an event model to the catalog."""
        for attr in ("service", "aggregate", "subject_field"):
            if not getattr(cls, attr, None):
                raise TypeError(f"{cls.__name__} must set the ClassVar {attr!r}")
        model: type[Event] = cls
        if cls.subject_field not in model.model_fields:
            raise TypeError(f"{cls.__name__}.subject_field names no field: {cls.subject_field!r}")
        type_name = cls.type_name()
        if type_name in self._types and self._types[type_name] is not cls:
            raise TypeError(f"event type {type_name} is registered twice")
        self._types[type_name] = cls
        return cls

    def __iter__(self) -> Iterator[type[Event]]:
        return iter(sorted(self._types.values(), key=lambda c: c.type_name()))

    def __len__(self) -> int:
        return len(self._types)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._types

    def get(self, type_name: str) -> type[Event]:
        try:
            return self._types[type_name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {type_name!r}") from None

    def topics(self) -> list[str]:
        return sorted({cls.topic() for cls in self})

    def decode(self, envelope: Envelope) -> Event:
        """The typed event inside an envelope; raises UnknownEventType or InvalidEventData."""
        cls = self.get(envelope.type)
        try:
            return cls.model_validate(envelope.data)
        except ValidationError as exc:
            raise InvalidEventData(f"{envelope.type} data is invalid: {exc}") from exc

    def json_schema(self, cls: type[Event]) -> dict[str, Any]:
        """A standalone JSON Schema (2020-12) of one event's data, as published."""
        schema = cls.model_json_schema(mode="serialization")
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": f"urn:ccn:event:{cls.type_name()}",
            **schema,
            "x-ce-type": cls.type_name(),
            "x-topic": cls.topic(),
            "x-subject-field": cls.subject_field,
        }

    def asyncapi(self, *, servers: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
        """An AsyncAPI 3.0 document of every topic and message the platform sends."""
        models = list(self)
        _, defs = models_json_schema(
            [(cls, "serialization") for cls in models],
            ref_template="#/components/schemas/{model}",
        )
        schemas: dict[str, Any] = {**defs.get("$defs", {}), "CloudEventHeaders": CLOUDEVENT_HEADERS}
        channels = _channels(models)
        return {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {
                "title": self.title,
                "version": "1.0.0",
                "description": "Events published by ccn-platform services as CloudEvents 1.0 in "
                "Kafka binary mode: attributes in ce_* headers, JSON data in the value, "
                "message key = aggregate id. Types evolve backward- and forward-compatibly; a "
                "breaking change is a new .vN type.",
            },
            "defaultContentType": "application/json",
            "servers": servers or {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
            "channels": channels,
            "operations": _send_operations(channels),
            "components": {
                "messages": {_message_id(cls): _message(cls) for cls in models},
                "schemas": schemas,
            },
        }


def _channels(models: list[type[Event]]) -> dict[str, Any]:
    """One channel per topic, listing the messages sent on it."""
    channels: dict[str, Any] = {}
    for cls in models:
        channel = channels.setdefault(
            _channel_id(cls.topic()),
            {
                "address": cls.topic(),
                "description": f"Events of the {cls.service} service's "
                f"{cls.aggregate} aggregates, keyed by aggregate id.",
                "messages": {},
            },
        )
        msg_id = _message_id(cls)
        channel["messages"][msg_id] = {"$ref": f"#/components/messages/{msg_id}"}
    return channels


def _send_operations(channels: dict[str, Any]) -> dict[str, Any]:
    return {
        f"send{channel_id[0].upper()}{channel_id[1:]}": {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channel["messages"]
            ],
        }
        for channel_id, channel in channels.items()
    }


def _message_id(cls: type[Event]) -> str:
    return f"{cls.service}.{cls.short_name()}.v{cls.version}"


def _channel_id(topic: str) -> str:
    head, *rest = topic.split(".")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _message(cls: type[Event]) -> dict[str, Any]:
    return {
        "name": cls.type_name(),
        "title": cls.short_name(),
        "summary": (inspect.getdoc(cls) or cls.short_name()).splitlines()[0],
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        "correlationId": {"location": "$message.header#/ce_correlationid"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"aggregate id ({cls.subject_field})"},
                "bindingVersion": "0.5.0",
            }
        },
    }


CLOUDEVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary content mode.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "event id (unique)"},
        "ce_source": {"type": "string", "description": "/ccn/<service>"},
        "ce_type": {"type": "string", "description": "vn.ccn.<service>.<EventName>.v<N>"},
        "ce_subject": {"type": "string", "description": "aggregate id, also the message key"},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": "application/json"},
        "ce_correlationid": {
            "type": "string",
            "description": "id shared by all work of one request",
        },
        "ce_causationid": {"type": "string", "description": "id of the event that caused this one"},
        "ce_actor": {"type": "string", "description": "subject of the user who made the change"},
        "ce_actoragency": {"type": "string", "description": "agency of that user"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
    },
}
