"""Loading a service's sample data through its own handlers, each command once: a second load
replays every command under its fixed idempotency key and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from shared.commands import Commands, bind
from shared.principal import Principal

S = TypeVar("S")


class SampleLoader(Generic[S]):
    """Runs sample commands as the agency of their province; `count` says how many ran."""

    def __init__(self, commands: Commands[S], callers: Mapping[str, Principal]) -> None:
        self.commands = commands
        self.callers = callers
        self.count = 0

    async def run(
        self,
        province: str,
        key: str,
        handler: Callable[..., Awaitable[BaseModel]],
        **inputs: Any,
    ) -> dict[str, Any]:
        """Run `handler` as the caller of `province`, once: later loads replay it."""
        outcome = await self.commands.execute(
            self.callers[province], bind(handler, **inputs), key=f"sample:{key}", fingerprint=key
        )
        self.count += 1
        body: dict[str, Any] = outcome.body
        return body

    async def query(
        self, province: str, handler: Callable[..., Awaitable[Any]], **inputs: Any
    ) -> Any:
        """Read as the caller of `province`."""
        return await self.commands.query(self.callers[province], bind(handler, **inputs))
