"""The published event contract: envelope, base model, catalog, and each service's events."""

from shared.events import environment, promotion, registry
from shared.events.base import Event
from shared.events.catalog import EventCatalog, InvalidEventData, UnknownEventType
from shared.events.catalog_instance import catalog
from shared.events.envelope import Envelope, UndecodableEvent

__all__ = [
    "Envelope",
    "Event",
    "EventCatalog",
    "InvalidEventData",
    "UndecodableEvent",
    "UnknownEventType",
    "catalog",
    "environment",
    "promotion",
    "registry",
]
