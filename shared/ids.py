"""Identifiers of records and events: UUID version 7 (RFC 9562).

Its first 48 bits are the Unix time in milliseconds, the rest random; so ids made later sort
later. A table keyed by them (the inbox, the outbox, every projection keyed by event) grows at
the right edge of its index, a few pages hot in memory, instead of touching a random page of a
large index at every insert. Ids made before this stay valid: an id is only ever compared,
never read for its time.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62
_RAND_A = 0xFFF << 64
_RAND_B = (1 << 62) - 1


def new_id() -> str:
    """A new UUID version 7, as its 36-character text."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10))
    value = (ms << 80) | _VERSION_7 | ((rand << 2) & _RAND_A) | _VARIANT_RFC | (rand & _RAND_B)
    return str(uuid.UUID(int=value))
