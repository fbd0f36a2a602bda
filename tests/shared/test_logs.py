"""The services' logs: JSON lines whose ERROR is for what someone must look at, and whose
WARNING is for what the platform rides out, the Kafka client's retried errors included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    GroupCoordinatorNotAvailableError,
    KafkaConnectionError,
)

from shared.localinfra import free_port
from shared.logs import configure_logging


@contextmanager
def logging_as_served() -> Iterator[None]:
    """The logging `ccn serve` sets up, to the test's stderr; the test run's own after."""
    root, kafka = logging.getLogger(), logging.getLogger("aiokafka")
    handlers, level, kafka_level = root.handlers[:], root.level, kafka.level
    configure_logging("registry")
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        kafka.setLevel(kafka_level)


async def test_errors_the_kafka_client_retries_are_warnings_and_the_rest_stay_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    address = f"127.0.0.1:{free_port()}"
    with logging_as_served():
        admin = AIOKafkaAdminClient(bootstrap_servers=address, request_timeout_ms=1000)
        with pytest.raises(KafkaConnectionError):
            await admin.start()
        await admin.close()
        logging.getLogger("aiokafka").error("Unable to update metadata from %s", [1])
        coordination = logging.getLogger("aiokafka.consumer.group_coordinator")
        # The first as the client logs it on a broker that has never held a group.
        coordination.error(
            "Group Coordinator Request failed: %s", GroupCoordinatorNotAvailableError()
        )
        coordination.error(
            "Attempt to join group failed due to fatal error: %s", GroupAuthorizationFailedError()
        )
        logging.getLogger("shared.consumer").error("consumer %s failed", "c", exc_info=OSError())

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    def level(beginning: str) -> set[str]:
        return {line["level"] for line in lines if line["message"].startswith(beginning)}

    # The client's own line for a broker it could not reach, which it tries again.
    assert level(f'Unable connect to "{address}"') == {"WARNING"}
    assert level("Group Coordinator Request failed") == {"WARNING"}
    assert level("Unable to update metadata") == {"WARNING"}
    # A refusal no retry mends, and the platform's own errors, stay errors.
    assert level("Attempt to join group failed due to fatal error") == {"ERROR"}
    assert level("consumer c failed") == {"ERROR"}
