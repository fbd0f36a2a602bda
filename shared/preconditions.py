"""Optimistic concurrency: the version a change is based on (If-Match or `version`), and ETags.

A route turns what the caller sent into a `Precondition`; the handler checks it only after it
has authorized the caller, so a caller without the right gets 403 whether or not it sent a
version. A missing version is 428, a stale one 409.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header

from shared.errors import InvalidInput, PreconditionRequired, StaleVersion
from shared.openapi import answers

MAX_VERSION = 2**31 - 1
_ETAG = re.compile(r'(?:W/)?"?([0-9]{1,10})"?')


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True, slots=True)
class Precondition:
    """The version of the record the caller read, if it said."""

    expected: int | None

    @classmethod
    def of(cls, if_match: int | None, body_version: int | None) -> Precondition:
        """Combine If-Match and a body's `version`; when both are sent they must agree."""
        if if_match is not None and body_version is not None and if_match != body_version:
            raise InvalidInput(
                f"If-Match says version {if_match}, the body {body_version}", field="version"
            )
        return cls(if_match if if_match is not None else body_version)

    def check_if_sent(self, current: int) -> None:
        """As `check`, for a change whose rules hold whatever the caller read (a lease never
        passes full occupancy): a version is optional, but one sent must be current."""
        if self.expected is not None:
            self.check(current)

    def check(self, current: int) -> None:
        """Return if the change is based on `current`; 428 if no version was sent, else 409."""
        if self.expected is None:
            raise PreconditionRequired("send the version you read, as If-Match or `version`")
        if self.expected != current:
            raise StaleVersion(
                f"version {self.expected} is stale: the record is at version {current}; "
                "reload and retry",
                current_version=current,
            )


@answers(409, 428)
async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='the ETag you read, e.g. "3" (or send `version` in the body)',
        ),
    ] = None,
) -> int | None:
    """FastAPI dependency: the version in If-Match, if sent; 422 naming If-Match if malformed.
    (A coroutine, as every dependency on a write's path: FastAPI runs a plain function in a
    worker thread, a hop per request for no gain.)"""
    if value is None:
        return None
    found = _ETAG.fullmatch(value.strip())
    if found is None or not 1 <= int(found.group(1)) <= MAX_VERSION:
        raise InvalidInput(
            f'If-Match must be an ETag this API gave out, like "3"; got {value[:40]!r}',
            field="If-Match",
        )
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]
