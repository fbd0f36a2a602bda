"""What a consumer runs: handlers by event type, and how it retries them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.settings import Settings

E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, Any, Envelope], Awaitable[None]]


class TransientError(Exception):
    """Raised by a handler for a failure that may pass (a dependency briefly unavailable)."""


class RetryLater(Exception):
    """A message still failed transiently after every attempt: fetch it again later."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.consumer_max_attempts,
            initial_backoff_s=settings.consumer_backoff_initial_s,
            max_backoff_s=settings.consumer_backoff_max_s,
        )

    def delay(self, attempt: int) -> float:
        return min(self.initial_backoff_s * 2 ** (attempt - 1), self.max_backoff_s)


@dataclass
class HandlerRegistry:
    """Handlers by event type; a consumer subscribes to the topics of the types it handles.
    Several handlers of one type run in the order they were registered, in one transaction."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    topics: set[str] = field(default_factory=set)
    _chains: dict[str, list[Handler]] = field(default_factory=dict)

    def on(self, event_type: type[E]) -> Callable[[Handler], Handler]:
        """Decorator: `fn` applies events of `event_type` (once, if registered twice)."""

        def register(fn: Handler) -> Handler:
            name = event_type.type_name()
            chain = self._chains.setdefault(name, [])
            if fn not in chain:
                chain.append(fn)
            self.handlers[name] = chain[0] if len(chain) == 1 else _in_turn(tuple(chain))
            self.topics.add(event_type.topic())
            return fn

        return register

    def knows_earlier_revision(self, ce_type: str) -> bool:
        """Whether `ce_type` is a later revision of a type handled here (`….v3` when `….v2`
        is): an event this consumer must not skip, but cannot read until it is upgraded."""
        base, _, revision = ce_type.rpartition(".v")
        if not base or not revision.isdigit():
            return False
        return any(
            known.rpartition(".v")[0] == base and int(known.rpartition(".v")[2]) < int(revision)
            for known in self.handlers
        )


def _in_turn(chain: tuple[Handler, ...]) -> Handler:
    async def each(session: AsyncSession, event: Any, envelope: Envelope) -> None:
        for handler in chain:
            await handler(session, event, envelope)

    return each
