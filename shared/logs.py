"""Structured JSON logs that carry the correlation id of the work in hand.

ERROR is for what someone must look at: a bug, an event that cannot be applied. A condition the
platform rides out by trying again (Kafka or PostgreSQL away, a partition between leaders) is a
WARNING, and its metrics and alerts say when it lasts. The Kafka client logs some conditions it
retries by itself as errors (a broker that does not answer, a group coordinator not elected
yet, a partition whose leader moved): the platform's logs give those as warnings."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import KafkaError

from shared import context

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (cid := context.correlation_id.get()) is not None:
            doc["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


_METADATA_RETRIED = "Unable to update metadata from %s"
"""The Kafka client's error for a metadata refresh it tries again: it names no error."""


class RetriedKafkaErrors(logging.Filter):
    """Gives as warnings the errors the Kafka client logs for conditions it retries by itself:
    those whose error is a retriable Kafka error or a failed connection, and the metadata
    refreshes it tries again."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno == logging.ERROR
            and record.name.startswith("aiokafka")
            and (record.msg == _METADATA_RETRIED or any(map(_retried, _arguments(record))))
        ):
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
        return True


def _arguments(record: logging.LogRecord) -> tuple[object, ...]:
    return record.args if isinstance(record.args, tuple) else ()


def _retried(argument: object) -> bool:
    if isinstance(argument, KafkaError):
        return bool(argument.retriable)
    return isinstance(argument, OSError)


def configure_logging(service: str, *, level: str = "INFO", as_json: bool = True) -> None:
    """Send the root logger to stderr, as JSON lines or plain text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RetriedKafkaErrors())
    if as_json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
