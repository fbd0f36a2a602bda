"""Record and event ids are UUID version 7: later ones sort after earlier ones."""

from __future__ import annotations

import time
import uuid

from shared import context, domain
from shared.ids import new_id


def test_an_id_is_a_version_7_uuid_that_carries_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_id())
    after = time.time_ns() // 1_000_000
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_later_and_never_repeat() -> None:
    earlier = [new_id() for _ in range(1_000)]
    time.sleep(0.002)
    later = [new_id() for _ in range(1_000)]
    assert max(earlier) < min(later)
    assert len(set(earlier + later)) == 2_000


def test_records_and_events_take_their_ids_from_it() -> None:
    assert uuid.UUID(domain.new_id()).version == 7
    assert uuid.UUID(context.new_id()).version == 7
