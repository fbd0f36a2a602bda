"""The relocation pages in-process, over the registry, the environment and the reporting
service served as their own processes: a facility the environment department classifies
reaches the registry's list through Kafka, its page shows its history from reporting, and the
relocation form (offered only to who may relocate it) takes it off the list."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.console.conftest import Platform
from tests.console.test_inspection_pages import published_facility
from tests.console.test_pages import browsing, sign_in, texts
from tests.environment.factory import sample
from tests.kafka_tools import wait_until


def listed(html: str) -> list[str]:
    """The facilities the relocation list links to, in order."""
    return re.findall(r'data-facility="([^"]+)"', html)


async def polluting(platform: Platform, facility: dict[str, Any]) -> None:
    """An inspection finds COD at 400 mg/L (about 2,7× its limit): seriously polluting."""
    async with platform.environment_api() as environment:
        inspection = await environment.inspection(facility["id"], operating_since="2019-03-01")
        await environment.measured(inspection, sample("cod", "400"))
        await environment.completed(inspection)


async def everyone_listed(http: httpx.AsyncClient) -> list[str]:
    """The facilities on every page of the relocation list."""
    found: list[str] = []
    for number in range(1, 100):
        page = await http.get("/di-doi", params={"trang": number})
        found += listed(page.text)
        if 'id="next-page"' not in page.text:
            return found
    raise AssertionError("the relocation list never ends")


async def on_the_list(http: httpx.AsyncClient, facility_id: str, *, timeout_s: float) -> bool:
    async def there() -> bool:
        return facility_id in await everyone_listed(http)

    return await wait_until(there, timeout_s=timeout_s, every_s=0.5)


async def test_a_polluting_facility_is_listed_shows_its_history_and_is_relocated(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Lò gạch thủ công Chiềng Xôm")
    await polluting(platform, facility)
    path = f"/co-so/{facility['id']}"
    async with browsing(platform) as http:
        await sign_in(http, roles=["officer"])
        assert await on_the_list(http, facility["id"], timeout_s=120), "never on the list"
        row = texts((await http.get("/di-doi")).text, "relocations")
        assert "Lò gạch thủ công Chiềng Xôm" in row and "Gây ô nhiễm nghiêm trọng" in row

        async def told() -> bool:
            page = await http.get(path)
            return 'id="history"' in page.text and "Phân loại cơ sở gây ô nhiễm" in page.text

        assert await wait_until(told, timeout_s=120, every_s=0.5), "the history never came"
        page = await http.get(path)
        history = texts(page.text, "history")
        assert "06/05/2024 Sở Nông nghiệp và Môi trường Lên lịch kiểm tra môi trường" in history
        assert "Kết thúc kiểm tra: 1 vi phạm" in history and "Đăng ký cơ sở" in history

        hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        move = {**hidden, "cluster_id": platform.pho_moi["id"], "date": "01/07/2024"}
        refused = await http.post(f"{path}/di-doi", data={**move, "leased_area_ha": "0"})
        assert refused.status_code == 422
        assert texts(refused.text, "leased_area_ha-error") == "Phải lớn hơn 0"
        assert texts(refused.text, "cluster_id") and 'value="01/07/2024"' in refused.text
        stale = await http.post(
            f"{path}/di-doi", data={**move, "leased_area_ha": "1", "version": "7"}
        )
        assert stale.status_code == 409 and "bạn đọc phiên bản 7" in texts(
            stale.text, "refused-relocation"
        )

        moved = await http.post(f"{path}/di-doi", data={**move, "leased_area_ha": "1,5"})
        assert moved.status_code == 303
        shown = await http.get(moved.headers["location"])
        assert "Đã ghi nhận việc di dời" in texts(shown.text, "notice")
        assert "di dời ngày 01/07/2024" in texts(shown.text, "location")
        assert 'id="relocation-form"' not in shown.text
        assert facility["id"] not in await everyone_listed(http)


async def test_the_relocation_form_is_offered_only_to_who_may_relocate(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Cơ sở sơ chế măng Chiềng Đen")
    path = f"/co-so/{facility['id']}"
    async with browsing(platform) as http:
        await sign_in(http, roles=["officer"])
        assert 'id="relocation-form"' in (await http.get(path)).text
        for who in ({"agency": "so-tnmt"}, {"roles": ["viewer"]}):
            await http.post("/dang-xuat")
            await sign_in(http, **who)
            reader = await http.get(path)
            assert reader.status_code == 200 and 'id="relocation-form"' not in reader.text
            assert "Chỉ cán bộ Sở Công Thương của tỉnh" in texts(reader.text, "no-relocation")
        await http.post("/dang-xuat")
        await sign_in(http, province="01")
        ha_noi = await http.get(path)
        assert ha_noi.status_code == 403 and 'id="relocation-form"' not in ha_noi.text


async def test_the_relocation_list_pages(platform: Platform) -> None:
    facilities = [
        await published_facility(platform, f"Cơ sở nhuộm Chiềng Cơi {n:02d}") for n in range(21)
    ]
    async with platform.environment_api(roles=["officer", "approver"]) as environment:
        for facility in facilities:
            standing = await environment.ok("GET", f"/facilities/{facility['id']}")
            decision = {
                "severity": "polluting",
                "relocation_priority": 90,
                "classified_on": "2024-06-01",
                "reasons": ["Nước thải nhuộm xả thẳng ra suối"],
                "version": standing["version"],
            }
            await environment.ok("POST", f"/facilities/{facility['id']}/classification", decision)
    async with browsing(platform) as http:
        await sign_in(http, roles=["viewer"])
        assert await on_the_list(http, facilities[-1]["id"], timeout_s=120)
        first = await http.get("/di-doi")
        total = int(re.search(r"· (\d+) cơ sở", first.text).group(1))  # type: ignore[union-attr]
        assert total >= 21 and len(listed(first.text)) == 20
        assert 'id="first-page"' not in first.text
        next_url = re.search(r'href="([^"]+)" id="next-page"', first.text)
        assert next_url, "a page of 20 links to the next"
        second = await http.get(next_url.group(1).replace("&amp;", "&"))
        assert len(listed(second.text)) == min(total - 20, 20)
        assert not set(listed(first.text)) & set(listed(second.text))
        assert 'id="first-page"' in second.text
