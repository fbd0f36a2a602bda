"""Startup hooks that run a service's background work (topics, outbox relay, consumers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI

from shared.consumer import EventConsumer
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay

Cleanup = Callable[[], Awaitable[None]]


def topics_hook(bootstrap_servers: str, topics: Iterable[str]) -> Callable[..., Awaitable[None]]:
    """Create the service's topics and their DLQs before anything publishes to them."""
    names = list(topics)

    async def hook(_app: FastAPI) -> None:
        await ensure_topics(bootstrap_servers, names)

    return hook


def relay_hook(relay: OutboxRelay) -> Callable[[FastAPI], Awaitable[Cleanup]]:
    """Run the outbox relay for as long as the app runs."""

    async def hook(_app: FastAPI) -> Cleanup:
        relay.start()
        return relay.stop

    return hook


def consumer_hook(consumer: EventConsumer) -> Callable[[FastAPI], Awaitable[Cleanup]]:
    """Run a consumer for as long as the app runs; it stops after the message in hand."""

    async def hook(_app: FastAPI) -> Cleanup:
        consumer.start()
        return consumer.stop

    return hook
