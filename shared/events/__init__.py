"""The published event contract: envelope, base model, catalog, and each service's events."""

from shared.events.base import Event
from shared.events.catalog import EventCatalog, InvalidEventData, UnknownEventType
from shared.events.envelope import Envelope, UndecodableEvent

catalog = EventCatalog()
"""Every event type the platform publishes; the producing services' modules register here."""

__all__ = [
    "Envelope",
    "Event",
    "EventCatalog",
    "InvalidEventData",
    "UndecodableEvent",
    "UnknownEventType",
    "catalog",
]
