"""Going back through a list the APIs page forward only: the console carries the cursors of
the pages already seen in the address (`truoc`, the first page an empty entry), so a
"previous page" link is the last of them. The trail is input like any other: it keeps at
most `MAX_TRAIL` pages (further back, the previous page is the first), and anything but
cursors the APIs could have given out is refused with a 400 page before an API is asked."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends
from starlette.exceptions import HTTPException

from shared.pagination import CURSOR_MAX_LENGTH

MAX_TRAIL = 20
SEPARATOR = "."
_CURSOR = re.compile(r"[A-Za-z0-9_-]+")
TAMPERED = (
    "Địa chỉ trang không hợp lệ: danh sách các trang đã xem (truoc) đã bị sửa. "
    "Quay lại trang đầu của danh sách."
)


def _looks_given_out(cursor: str) -> bool:
    """Whether `cursor` is what the APIs give out: base64url of a JSON list of strings."""
    if len(cursor) > CURSOR_MAX_LENGTH or not _CURSOR.fullmatch(cursor):
        return False
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        keys = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(keys, list) and all(isinstance(k, str) for k in keys)


@dataclass(frozen=True)
class Trail:
    """Where the official is in a list: this page's cursor (None: the first page) and the
    cursors of the pages seen before it, oldest first ("" for the first page)."""

    cursor: str | None = None
    before: tuple[str, ...] = ()

    def next(self, next_cursor: str) -> dict[str, str]:
        """The query of the next page."""
        seen = (*self.before, self.cursor or "")[-MAX_TRAIL:]
        return {"cursor": next_cursor, "truoc": SEPARATOR.join(seen)}

    def previous(self) -> dict[str, str] | None:
        """The query of the previous page; None on the first."""
        if self.cursor is None:
            return None
        if not self.before or not self.before[-1]:
            return {}
        return {"cursor": self.before[-1], "truoc": SEPARATOR.join(self.before[:-1])}


def trail(cursor: str | None = None, truoc: str | None = None) -> Trail:
    """The trail the address carries, or a 400 page if it was tampered with."""
    if not truoc:
        return Trail(cursor or None)
    before = tuple(truoc.split(SEPARATOR))
    well_formed = len(before) <= MAX_TRAIL and not any(not c for c in before[1:])
    if not well_formed or not all(_looks_given_out(c) for c in before if c):
        raise HTTPException(400, TAMPERED)
    return Trail(cursor or None, before)


PageTrail = Annotated[Trail, Depends(trail)]


def pager(
    path: str, chosen: Mapping[str, str], at: Trail, next_cursor: str | None
) -> dict[str, str | None]:
    """The list's first, previous and next pages' addresses, its filters kept (None: no
    such page from here)."""

    def url(page: Mapping[str, str]) -> str:
        return f"{path}?{urlencode({**chosen, **page})}"

    previous = at.previous()
    return {
        "first_url": None if at.cursor is None else url({}),
        "previous_url": None if previous is None else url(previous),
        "next_url": url(at.next(next_cursor)) if next_cursor else None,
    }
