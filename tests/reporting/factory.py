"""A thin client of the reporting API for tests, and the registry's events published to the
real broker with the dates a test chooses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.events import Envelope
from shared.events.base import Event
from tests.apis import Api
from tests.kafka_tools import produce_raw, wait_until


@dataclass
class Reporting(Api):
    """Reports are read as a Sở Công Thương officer of Sơn La unless a call says otherwise."""

    bootstrap: str = ""

    async def publish(self, *events: Event, recorded: str = "2019-01-05") -> None:
        """The events as the registry's relay would send them, recorded on `recorded`."""
        time = datetime.fromisoformat(recorded).replace(tzinfo=UTC)
        by_topic: dict[str, list[tuple[bytes | None, bytes | None, list[Any]]]] = {}
        for event in events:
            envelope = Envelope.wrap(event, time=time)
            record = (envelope.key, envelope.value(), envelope.headers())
            by_topic.setdefault(event.topic(), []).append(record)
        for topic, records in by_topic.items():
            await produce_raw(self.bootstrap, topic, *records)

    async def report_once(
        self,
        path: str,
        ready: Any,
        headers: dict[str, str] | None = None,
        *,
        timeout_s: float = 60,
        every_s: float = 0.1,
    ) -> dict[str, Any]:
        """The report at `path` once `ready(report)` holds (the events have been applied),
        asked for every `every_s` seconds."""
        found: dict[str, Any] = {}

        async def applied() -> bool:
            response = await self.get(path, headers)
            if response.status_code != 200:
                return False
            found.update(response.json())
            return bool(ready(found))

        assert await wait_until(applied, timeout_s=timeout_s, every_s=every_s), (
            f"{path} never showed the events"
        )
        return found
