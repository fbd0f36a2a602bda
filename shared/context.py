"""Per-request and per-event context (correlation, causation, trace, actor) in contextvars."""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from shared.ids import new_id


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: the token's subject and agency (or a service acting on an event)."""

    subject: str
    agency: str


correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)
actor: ContextVar[Actor | None] = ContextVar("actor", default=None)


def current_correlation_id() -> str:
    """The correlation id in force, or a fresh one when work starts outside any request."""
    return correlation_id.get() or new_id()


def new_traceparent() -> str:
    """A W3C trace context header for work that arrives without one."""
    return f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"


class bound:
    """Set the context for a block of work and restore the previous one afterwards. A class,
    not a generator: a replay enters one for each event it applies."""

    __slots__ = ("_tokens", "_values")

    def __init__(
        self,
        *,
        correlation: str | None = None,
        causation: str | None = None,
        trace: str | None = None,
        who: Actor | None = None,
    ) -> None:
        self._values = (correlation, causation, trace, who)
        self._tokens: tuple[Token[Any], ...] = ()

    def __enter__(self) -> None:
        correlation, causation, trace, who = self._values
        self._tokens = (
            correlation_id.set(correlation),
            causation_id.set(causation),
            traceparent.set(trace),
            actor.set(who),
        )

    def __exit__(self, *_exc: object) -> None:
        correlation_token, causation_token, trace_token, actor_token = self._tokens
        actor.reset(actor_token)
        traceparent.reset(trace_token)
        causation_id.reset(causation_token)
        correlation_id.reset(correlation_token)
