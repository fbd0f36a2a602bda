"""The console's pages in-process, over the registry and the reporting service served as their
own processes: signing in, the dashboard and its workbook, the clusters, and the lease form
with the API's refusals shown where the official looks."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import openpyxl
from typer.testing import CliRunner

from services.console.app import service as console
from services.console.pages import current_period
from services.console.session import COOKIE
from shared.auth import TokenVerifier
from shared.cli import app as ccn
from shared.domain import today as vietnam_today
from tests.console.conftest import Platform
from tests.e2e.conftest import JWT_SECRET
from tests.kafka_tools import wait_until

SON_LA_OFFICER = {"agency": "so-cong-thuong", "roles": ["officer"], "province": "14"}


@asynccontextmanager
async def browsing(platform: Platform, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A browser's view of the console: its cookies kept, redirects not followed."""
    app = console.create_app(platform.console_settings(**settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
        yield http


def this_year() -> str:
    """The Circular 14 year that holds today: the one whose report holds what a test made."""
    return current_period(vietnam_today())


async def sign_in(http: httpx.AsyncClient, **who: Any) -> httpx.Response:
    form = {"subject": "can-bo-1", **SON_LA_OFFICER, **who}
    return await http.post("/dang-nhap", data=form)


def cluster_names(html: str) -> list[str]:
    """The clusters a page links to, in order."""
    return re.findall(r'href="/cum-cong-nghiep/[^"]+">([^<]+)<', html)


def texts(html: str, element_id: str) -> str:
    """The text of the element with this id (tags removed)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


async def test_the_development_sign_in_mints_what_ccn_token_mints_in_a_cookie(
    platform: Platform,
) -> None:
    async with browsing(platform) as http:
        away = await http.get("/cum-cong-nghiep?q=pho")
        assert away.status_code == 303
        assert away.headers["location"] == "/dang-nhap?tiep=%2Fcum-cong-nghiep%3Fq%3Dpho"
        signed = await sign_in(http, roles=["officer", "approver"], tiep="/cum-cong-nghiep?q=pho")
        assert signed.status_code == 303 and signed.headers["location"] == "/cum-cong-nghiep?q=pho"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        token = http.cookies[COOKIE]
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
        assert claims["agency"] == "so-cong-thuong"
        assert claims["roles"] == ["officer", "approver"]
        assert claims["jurisdiction"] == {"province": "14", "communes": []}
        verifier = TokenVerifier(platform.console_settings())
        assert (await verifier.verify(token)).jurisdiction.province == "14"
        page = await http.get("/cum-cong-nghiep")
        assert page.status_code == 200
        assert "Sở Công Thương · cán bộ nghiệp vụ, lãnh đạo phê duyệt · Sơn La" in page.text

        out = await http.post("/dang-xuat")
        assert out.status_code == 303 and COOKIE not in http.cookies
        assert (await http.get("/tong-quan")).status_code == 303


async def test_a_sign_in_the_platform_would_refuse_is_answered_next_to_its_fields(
    platform: Platform,
) -> None:
    async with browsing(platform) as http:
        refused = await sign_in(http, province="", roles=[])
        assert refused.status_code == 422 and COOKIE not in http.cookies
        assert "Chọn ít nhất một vai trò" in refused.text
        assert "Chọn tỉnh, thành phố" in texts(refused.text, "province-error")
        elsewhere = await sign_in(http, tiep="https://elsewhere.example/")
        assert elsewhere.headers["location"] == "/tong-quan"  # never another site


async def test_an_expired_or_forged_session_leads_back_to_sign_in(platform: Platform) -> None:
    async with browsing(platform) as http:
        http.cookies.set(COOKIE, "not-a-token", domain="console.test")
        back = await http.get("/tong-quan")
        assert back.status_code == 303 and back.headers["location"].endswith("&het_han=1")
        again = await http.get(back.headers["location"])
        assert "Phiên đăng nhập đã hết hạn" in again.text


async def test_production_refuses_the_development_sign_in_with_a_page(platform: Platform) -> None:
    async with browsing(platform, environment="production", jwt_secret="x" * 40) as http:
        page = await http.get("/dang-nhap")
        assert page.status_code == 403 and "Không dùng được đăng nhập phát triển" in page.text
        posted = await sign_in(http)
        assert posted.status_code == 403 and COOKIE not in http.cookies


async def test_pho_moi_finds_pho_moi_and_the_lists_filter_and_page(platform: Platform) -> None:
    async with platform.registry_api(province="12") as lai_chau:
        for n in range(21):
            await lai_chau.planned_cluster(
                name=f"Cụm công nghiệp Tam Đường {n:02d}", province_code="12", commune_code=None
            )
    async with browsing(platform) as http:
        await sign_in(http)
        found = await http.get("/cum-cong-nghiep", params={"q": "pho moi"})
        assert found.status_code == 200
        assert cluster_names(found.text) == ["Cụm công nghiệp Phố Mới"]
        planned = await http.get("/cum-cong-nghiep", params={"status": "planned"})
        assert cluster_names(planned.text) == ["Cụm công nghiệp Mai Sơn"]
        wrong = await http.get("/cum-cong-nghiep", params={"status": "flying"})
        assert wrong.status_code == 422 and 'id="status-error"' in wrong.text

        await http.post("/dang-xuat")
        await sign_in(http, agency="bo-cong-thuong", roles=["viewer"], province="")
        first = await http.get("/cum-cong-nghiep", params={"province_code": "12"})
        assert len(cluster_names(first.text)) == 20 and 'id="first-page"' not in first.text
        next_url = re.search(r'href="([^"]+)" id="next-page"', first.text)
        assert next_url, "a page of 20 of 21 clusters links to the next"
        second = await http.get(next_url.group(1).replace("&amp;", "&"))
        assert cluster_names(second.text) == ["Cụm công nghiệp Tam Đường 20"]
        assert 'id="first-page"' in second.text and 'id="next-page"' not in second.text


async def test_the_lease_form_is_offered_only_to_who_may_lease_there(platform: Platform) -> None:
    cluster = f"/cum-cong-nghiep/{platform.pho_moi['id']}"
    async with browsing(platform) as http:
        await sign_in(http)
        officer = await http.get(cluster)
        assert officer.status_code == 200 and 'id="lease-form"' in officer.text
        planned = await http.get(f"/cum-cong-nghiep/{platform.planned['id']}")
        assert 'id="lease-form"' not in planned.text
        assert "Chỉ cho thuê đất khi cụm đang hoạt động" in planned.text

        for who in (
            {"roles": ["viewer"]},
            {"agency": "so-tnmt"},
            {"agency": "bo-cong-thuong", "roles": ["officer", "approver"], "province": ""},
        ):
            await http.post("/dang-xuat")
            await sign_in(http, **who)
            reader = await http.get(cluster)
            assert reader.status_code == 200, who
            assert "Cụm công nghiệp Phố Mới" in reader.text and 'id="lease-form"' not in reader.text

        await http.post("/dang-xuat")
        await sign_in(http, province="01")
        ha_noi = await http.get(cluster)
        assert ha_noi.status_code == 403 and 'id="lease-form"' not in ha_noi.text
        assert "không được phép" in ha_noi.text and "outside your jurisdiction" in ha_noi.text


async def _residential_facility(platform: Platform, name: str) -> dict[str, Any]:
    async with platform.registry_api() as registry:
        return await registry.facility(name=name)


async def test_a_lease_is_sent_with_the_version_read_and_refusals_stay_on_the_form(
    platform: Platform,
) -> None:
    facility = await _residential_facility(platform, "Xưởng mộc Chiềng An")
    cluster_id = platform.duyen_hai["id"]
    async with browsing(platform) as http:
        await sign_in(http)
        page = await http.get(f"/cum-cong-nghiep/{cluster_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        assert version and key and facility["name"] in page.text
        lease = {
            "facility_id": facility["id"],
            "leased_area_ha": "0",
            "start_date": "31/02/2026",
            "version": version.group(1),
            "idempotency_key": key.group(1),
        }
        path = f"/cum-cong-nghiep/{cluster_id}/thue-dat"
        invalid = await http.post(path, data=lease)
        assert invalid.status_code == 422
        assert texts(invalid.text, "leased_area_ha-error") == "Phải lớn hơn 0"
        assert texts(invalid.text, "start_date-error").startswith("Không phải là ngày")
        assert 'value="31/02/2026"' in invalid.text  # what the official typed, kept

        async with platform.registry_api() as registry:  # someone else leases meanwhile
            other = await registry.facility(name="Cơ sở chè Tô Hiệu")
            await registry.ok(
                "POST",
                f"/clusters/{cluster_id}/tenancies",
                {"facility_id": other["id"], "leased_area_ha": "1", "start_date": "2020-01-01"},
                status=201,
            )
        lease.update(leased_area_ha="1,5", start_date="01/03/2021")
        stale = await http.post(path, data=lease)
        assert stale.status_code == 409
        refused = texts(stale.text, "refused")
        assert "Dữ liệu đã được người khác thay đổi" in refused
        assert f"bạn đọc phiên bản {version.group(1)}" in refused
        assert f'href="/cum-cong-nghiep/{cluster_id}" id="reload"' in stale.text
        assert texts(stale.text, "tenant-count") == "1"  # the page shows what is there now

        fresh = re.search(r'name="version" value="(\d+)"', stale.text)
        assert fresh and int(fresh.group(1)) == int(version.group(1)) + 1
        done = await http.post(path, data={**lease, "version": fresh.group(1)})
        assert done.status_code == 303
        assert done.headers["location"] == f"/cum-cong-nghiep/{cluster_id}?thong_bao=da-thue"
        shown = await http.get(done.headers["location"])
        assert "Đã ghi nhận hợp đồng thuê đất" in shown.text
        assert texts(shown.text, "leased") == "2,5 ha" and texts(shown.text, "occupancy") == "25%"
        assert "Xưởng mộc Chiềng An" in texts(shown.text, "tenancies")
        replayed = await http.post(path, data={**lease, "version": fresh.group(1)})
        assert replayed.status_code == 303  # the same form sent twice leases once
        again = await http.get(f"/cum-cong-nghiep/{cluster_id}")
        assert texts(again.text, "tenant-count") == "2"


async def test_the_dashboard_shows_the_province_and_its_workbook_opens(
    platform: Platform,
) -> None:
    async with browsing(platform) as http:
        await sign_in(http)

        async def listed() -> bool:
            page = await http.get("/tong-quan")
            return page.status_code == 200 and platform.pho_moi["id"] in page.text

        assert await wait_until(listed, timeout_s=120), "the clusters never reached reporting"
        # The clusters were planned today: the report as of today holds them all.
        today = vietnam_today()
        year = int(this_year())
        page = await http.get(
            "/tong-quan", params={"period": str(year), "as_of": today.strftime("%d/%m/%Y")}
        )
        assert page.status_code == 200
        assert "Tổng quan Sơn La" in page.text
        assert f"từ 15/12/{year - 1} đến 14/12/{year}" in texts(page.text, "period-span")
        assert int(texts(page.text, "fig-clusters").replace(".", "")) >= 3
        assert "Đang hoạt động" in page.text and 'id="occupancy-chart"' in page.text

        wrong = await http.get("/tong-quan", params={"period": "2026-H3"})
        assert wrong.status_code == 422
        assert "not a period" in texts(wrong.text, "period-error")

        workbook = await http.get("/tong-quan/tai-ve", params={"period": str(year)})
        assert workbook.status_code == 200
        assert workbook.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert f"bao-cao-tinh-14-{year}" in workbook.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(workbook.content))
        assert book.sheetnames[0] == "Cụm công nghiệp"

        await http.post("/dang-xuat")
        await sign_in(http, province="01")
        other = await http.get("/tong-quan", params={"province_code": "14"})
        assert other.status_code == 403 and "outside your jurisdiction" in other.text


def test_ccn_serves_the_console_but_does_not_migrate_or_seed_it() -> None:
    runner = CliRunner()
    migrated = runner.invoke(ccn, ["migrate", "console"])
    assert migrated.exit_code == 2 and "keeps no database" in migrated.output
    seeded = runner.invoke(ccn, ["seed", "console"])
    assert seeded.exit_code == 0 and "console has no sample data" in seeded.output
    assert not console.owns_data and console.port == 8000
