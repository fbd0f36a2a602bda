"""The lists page back as well as forward: the cursors of the pages seen travel in the address,
bounded, and a trail tampered with is a 400 page, never an error of the console."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.exceptions import HTTPException

from services.console.paging import MAX_TRAIL, Trail, trail
from shared.pagination import encode_cursor
from tests.console.conftest import Platform
from tests.console.test_pages import browsing, cluster_names, sign_in

TUYEN_QUANG = "08"


def _link(html: str, link_id: str) -> str | None:
    found = re.search(rf'href="([^"]+)" id="{link_id}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


async def _follow(http: httpx.AsyncClient, html: str, link_id: str) -> str:
    link = _link(html, link_id)
    assert link, f"no #{link_id}"
    page = await http.get(link)
    assert page.status_code == 200, page.text
    return page.text


async def test_previous_page_links_return_the_pages_seen(platform: Platform) -> None:
    async with platform.registry_api(province=TUYEN_QUANG) as registry:
        for n in range(45):
            await registry.planned_cluster(
                name=f"Cụm công nghiệp Yên Sơn {n:02d}",
                province_code=TUYEN_QUANG,
                commune_code=None,
            )
    async with browsing(platform) as http:
        await sign_in(http, province=TUYEN_QUANG)
        first = (await http.get("/cum-cong-nghiep", params={"q": "yen son"})).text
        assert _link(first, "previous-page") is None and _link(first, "first-page") is None
        second = await _follow(http, first, "next-page")
        third = await _follow(http, second, "next-page")
        assert len(cluster_names(third)) == 5 and _link(third, "next-page") is None
        assert "q=yen+son" in (_link(third, "previous-page") or "")

        back_to_second = await _follow(http, third, "previous-page")
        assert cluster_names(back_to_second) == cluster_names(second)
        back_to_first = await _follow(http, back_to_second, "previous-page")
        assert cluster_names(back_to_first) == cluster_names(first)
        assert _link(back_to_first, "previous-page") is None
        forward_again = await _follow(http, back_to_first, "next-page")
        assert cluster_names(forward_again) == cluster_names(second)


@pytest.mark.parametrize("path", ["/cum-cong-nghiep", "/khuyen-cong", "/thanh-tra"])
async def test_a_tampered_trail_is_a_400_page(platform: Platform, path: str) -> None:
    cursor = encode_cursor("Cụm công nghiệp Yên Sơn 19", "x")
    async with browsing(platform) as http:
        await sign_in(http)
        for truoc in (
            "<script>",
            f".{cursor}.bm90LWpzb24",  # base64 of text that is no cursor
            f"{cursor}..{cursor}",
            ".".join([cursor] * (MAX_TRAIL + 1)),
        ):
            page = await http.get(path, params={"cursor": cursor, "truoc": truoc})
            assert page.status_code == 400, (truoc, page.text)
            assert "danh sách các trang đã xem (truoc) đã bị sửa" in page.text


def test_the_trail_keeps_only_the_latest_pages() -> None:
    cursors = [encode_cursor(f"{n:02d}") for n in range(MAX_TRAIL + 5)]
    at = Trail(cursors[0])
    for cursor in cursors[1:]:
        at = trail(**at.next(cursor))
    assert len(at.before) == MAX_TRAIL and at.before[-1] == cursors[-2]
    while (previous := at.previous()) and previous:
        at = trail(**previous)
    assert at.previous() == {} and at.cursor == cursors[4]  # further back: the first page
    with pytest.raises(HTTPException):
        trail(cursor=cursors[0], truoc="\x00")
