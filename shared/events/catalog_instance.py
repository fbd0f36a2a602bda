"""The platform's one event catalog, which the producing services' event modules fill."""

from shared.events.catalog import EventCatalog

catalog = EventCatalog()
