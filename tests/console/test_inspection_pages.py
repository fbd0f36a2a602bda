"""The inspection pages in-process, over the registry, the environment and the reporting
service served as their own processes: the province's list and its pages, the forms offered
only to who may use them, samples judged by the environment service and shown as it judged
them, and its refusals shown where the official looks."""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.console.formats import number
from tests.console.conftest import Platform
from tests.console.test_pages import browsing, sign_in, texts
from tests.environment.factory import sample
from tests.kafka_tools import wait_until

SON_LA_INSPECTOR = {"agency": "so-tnmt", "roles": ["officer"], "province": "14"}


async def published_facility(platform: Platform, name: str) -> dict[str, Any]:
    """A facility registered in the registry, once the environment service has heard of it."""
    async with platform.registry_api() as registry:
        facility = await registry.facility(name=name)
    async with platform.environment_api() as environment:

        async def known() -> bool:
            return (await environment.get(f"/facilities/{facility['id']}")).status_code == 200

        assert await wait_until(known, timeout_s=120), "the facility never reached environment"
    return facility


def form_values(html: str, form_id: str) -> dict[str, str]:
    """The hidden fields (version, Idempotency-Key) of the form with this id."""
    found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert found, f"no #{form_id} on the page"
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', found.group(0)))


async def scheduled_through_the_form(http: httpx.AsyncClient, facility: dict[str, Any]) -> str:
    listed = await http.get("/thanh-tra")
    assert listed.status_code == 200 and facility["name"] in texts(listed.text, "facility_id")
    form = {
        **form_values(listed.text, "schedule-form"),
        "facility_id": facility["id"],
        "scheduled_on": "06/05/2024",
        "kind": "periodic",
        "team": "Đoàn kiểm tra Sở Nông nghiệp và Môi trường Sơn La",
        "operating_since": "01/03/2019",
    }
    made = await http.post("/thanh-tra", data=form)
    assert made.status_code == 303, made.text
    assert made.headers["location"].endswith("?thong_bao=da-len-lich")
    return str(made.headers["location"])


def cod(value: str, **overrides: str) -> dict[str, str]:
    """COD in QCVN 40:2011's column B with Kq 0,9 and Kf 1,1, as an official types it."""
    return {
        "parameter": "cod",
        "value": value,
        "unit": "mg/L",
        "sampled_on": "06/05/2024",
        "discharge_point": "Cống xả số 1",
        "column": "B",
        "kq": "0,9",
        "kf": "1,1",
        **overrides,
    }


async def test_the_inspection_list_pages_with_the_api_cursor_and_filters(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Cơ sở nấu rượu Chiềng Cọ")
    async with platform.environment_api() as environment:
        for day in range(1, 22):
            await environment.inspection(facility["id"], scheduled_on=f"2023-01-{day:02d}")
    window = {"tu_ngay": "01/01/2023", "den_ngay": "31/01/2023"}
    async with browsing(platform) as http:
        await sign_in(http, **SON_LA_INSPECTOR)
        first = await http.get("/thanh-tra", params=window)
        assert first.status_code == 200
        assert first.text.count("data-inspection=") == 20 and 'id="first-page"' not in first.text
        assert "21/01/2023" in first.text and "Cơ sở nấu rượu Chiềng Cọ" in first.text
        next_url = re.search(r'href="([^"]+)" id="next-page"', first.text)
        assert next_url, "a page of 20 of 21 inspections links to the next"
        second = await http.get(next_url.group(1).replace("&amp;", "&"))
        assert second.text.count("data-inspection=") == 1 and "01/01/2023" in second.text
        assert 'id="first-page"' in second.text and 'id="next-page"' not in second.text

        done = await http.get("/thanh-tra", params={**window, "status": "completed"})
        assert done.text.count("data-inspection=") == 0
        wrong = await http.get("/thanh-tra", params={"tu_ngay": "31/02/2023"})
        assert wrong.status_code == 422 and 'id="from-error"' in wrong.text


async def test_the_forms_are_offered_only_to_who_may_inspect_there(platform: Platform) -> None:
    facility = await published_facility(platform, "Cơ sở chế biến cà phê Chiềng Ban")
    async with platform.environment_api() as environment:
        inspection = await environment.inspection(facility["id"])
    path = f"/thanh-tra/{inspection['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **SON_LA_INSPECTOR)
        inspector = await http.get(path)
        assert 'id="measurement-form"' in inspector.text
        assert 'id="completion-form"' in inspector.text
        assert 'id="schedule-form"' in (await http.get("/thanh-tra")).text

        for who in (
            {"agency": "so-cong-thuong", "roles": ["officer", "approver"]},
            {**SON_LA_INSPECTOR, "roles": ["viewer"]},
        ):
            await http.post("/dang-xuat")
            await sign_in(http, **who)
            reader = await http.get(path)
            assert reader.status_code == 200 and facility["name"] in reader.text, who
            assert "<form" not in reader.text.split('id="who"')[1].split("</header>")[1]
            assert 'id="schedule-form"' not in (await http.get("/thanh-tra")).text

        await http.post("/dang-xuat")
        await sign_in(http, **{**SON_LA_INSPECTOR, "province": "01"})
        ha_noi = await http.get(path)
        assert ha_noi.status_code == 403 and 'id="measurement-form"' not in ha_noi.text
        listed = await http.get("/thanh-tra")
        assert inspection["id"] not in listed.text


async def test_a_sample_shows_the_limit_and_exceedance_the_service_judged(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Cơ sở chế biến tinh bột sắn Mường Bú")
    async with browsing(platform) as http:
        await sign_in(http, **SON_LA_INSPECTOR)
        location = await scheduled_through_the_form(http, facility)
        page = await http.get(location)
        path = location.split("?")[0]
        assert "Đã lên lịch kiểm tra" in texts(page.text, "notice")
        hidden = form_values(page.text, "measurement-form")
        assert hidden["version"] == "1" and hidden["idempotency_key"]
        sent = await http.post(f"{path}/quan-trac", data={**hidden, **cod("200")})
        assert sent.status_code == 303, sent.text
        replayed = await http.post(f"{path}/quan-trac", data={**hidden, **cod("200")})
        assert replayed.status_code == 303  # the same form sent twice records once
        shown = await http.get(sent.headers["location"])

    async with platform.environment_api() as environment:
        judged = await environment.ok("GET", path.replace("/thanh-tra", "/inspections"))
    [judgement] = judged["samples"]
    row = texts(shown.text, "samples")
    assert f"{number(judgement['limit_max'], 6)} mg/L" in row  # 148,5: C × Kq × Kf, as judged
    assert f"{number(judgement['exceedance_ratio'], 4)} lần" in row
    assert "Vượt quy chuẩn" in row and judgement["regulation"] in row
    assert texts(shown.text, "version") == "2"


async def test_a_refused_sample_shows_the_service_message_beside_its_field(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Cơ sở thuộc da Chiềng Mung")
    async with platform.environment_api() as environment:
        inspection = await environment.inspection(facility["id"])
    path = f"/thanh-tra/{inspection['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **SON_LA_INSPECTOR)
        hidden = form_values((await http.get(path)).text, "measurement-form")
        not_a_number = await http.post(f"{path}/quan-trac", data={**hidden, **cod("nhiều")})
        assert not_a_number.status_code == 422
        assert texts(not_a_number.text, "m-value-error").startswith("Không phải là số")
        assert 'value="nhiều"' in not_a_number.text  # what the official typed, kept
        unknown = await http.post(
            f"{path}/quan-trac", data={**hidden, **cod("10", parameter="khong_co")}
        )
        assert unknown.status_code == 422
        assert "khong_co" in texts(unknown.text, "m-parameter-error")


async def test_a_stale_completion_shows_the_conflict_and_a_violation_can_be_settled(
    platform: Platform,
) -> None:
    facility = await published_facility(platform, "Cơ sở mạ kẽm Chiềng Sinh")
    async with platform.environment_api() as environment:
        inspection = await environment.inspection(facility["id"])
    path = f"/thanh-tra/{inspection['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **SON_LA_INSPECTOR)
        read = form_values((await http.get(path)).text, "completion-form")
        async with platform.environment_api() as environment:  # a colleague samples meanwhile
            await environment.measured(inspection, sample("cod", "300"))
        closing = {**read, "carried_out_on": "06/05/2024", "findings": ""}
        stale = await http.post(f"{path}/ket-thuc", data=closing)
        assert stale.status_code == 409
        refused = texts(stale.text, "refused-completion")
        assert "Dữ liệu đã được người khác thay đổi" in refused
        assert f"bạn đọc phiên bản {read['version']}" in refused
        assert f'href="{path}" id="reload"' in stale.text

        fresh = form_values(stale.text, "completion-form")
        assert int(fresh["version"]) == int(read["version"]) + 1
        done = await http.post(f"{path}/ket-thuc", data={**closing, **fresh})
        assert done.status_code == 303
        page = await http.get(done.headers["location"])
        assert texts(page.text, "outcome") == "có vi phạm"
        assert 'id="measurement-form"' not in page.text  # a closed inspection takes no samples
        violation = re.search(r'data-violation="([^"]+)"', page.text)
        assert violation
        form = f"remediation-{violation.group(1)}"
        remedy = {**form_values(page.text, f"{form}-form"), "remediated_on": "01/06/2024"}
        action = f"{path}/vi-pham/{violation.group(1)}/khac-phuc"
        empty = await http.post(action, data={**remedy, "evidence": ""})
        assert empty.status_code == 422 and texts(empty.text, f"{form}-evidence-error")
        fixed = await http.post(action, data={**remedy, "evidence": "Biên bản kiểm tra lại"})
        assert fixed.status_code == 303
        settled = await http.get(fixed.headers["location"])
        assert "Đã khắc phục ngày 01/06/2024" in texts(settled.text, "violations")
        assert f'id="{form}-form"' not in settled.text
