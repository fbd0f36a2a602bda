"""Imports every producing service's event module, so that the catalog holds every type."""

from shared.events import environment, registry  # noqa: F401
