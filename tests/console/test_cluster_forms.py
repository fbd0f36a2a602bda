"""A cluster's lifecycle commands through the console's forms, over the registry served as its
own process: each is offered only to who may send it in the cluster's status, sends the
version read, and comes back with the registry's refusal next to its fields; ending a tenancy
frees its land. Điện Biên's clusters are made here, so the other tests' lists stay as made."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.console.conftest import Platform
from tests.console.test_pages import browsing, sign_in, texts

DIEN_BIEN = "11"
MUONG_THANH = "03334"
APPROVER = {"province": DIEN_BIEN, "roles": ["officer", "approver"]}
OFFICER = {"province": DIEN_BIEN, "roles": ["officer"]}


async def _planned(platform: Platform, name: str) -> dict[str, Any]:
    async with platform.registry_api(province=DIEN_BIEN) as registry:
        return await registry.planned_cluster(
            name=name, province_code=DIEN_BIEN, commune_code=None, planned_area_ha="30"
        )


async def _read_back(platform: Platform, cluster_id: str) -> dict[str, Any]:
    async with platform.registry_api(province=DIEN_BIEN) as registry:
        return await registry.ok("GET", f"/clusters/{cluster_id}")


def _form(html: str, form_id: str) -> dict[str, str]:
    """What the form holds as the page offers it: its inputs' values and its choices made."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form, f"no #{form_id} on the page"
    held = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', form.group(0)))
    for name, options in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(0), re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        held[name] = chosen.group(1) if chosen else ""
    return held


def _hidden(html: str, form_id: str, name: str) -> str:
    return _form(html, form_id)[name]


async def _send(
    http: httpx.AsyncClient, cluster_id: str, slug: str, **fields: str
) -> httpx.Response:
    """The form `slug` as the page offers it, with `fields` typed in."""
    page = await http.get(f"/cum-cong-nghiep/{cluster_id}")
    form = {**_form(page.text, f"form-{slug}"), **fields}
    return await http.post(f"/cum-cong-nghiep/{cluster_id}/{slug}", data=form)


ESTABLISH = {
    "decision_number": "215/QĐ-UBND",
    "decision_date": "12/03/2024",
    "investor_name": "Công ty cổ phần Hạ tầng Mường Thanh",
    "area_ha": "25",
    "industrial_land_area_ha": "18,5",
}


async def test_a_cluster_is_established_built_and_opened_through_its_forms(
    platform: Platform,
) -> None:
    cluster = await _planned(platform, "Cụm công nghiệp Mường Thanh")
    path = f"/cum-cong-nghiep/{cluster['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **APPROVER)
        planned = await http.get(path)
        assert 'id="form-thanh-lap"' in planned.text and 'id="form-mo-rong"' not in planned.text
        assert 'id="form-dua-vao-hoat-dong"' not in planned.text  # not before establishment
        done = await _send(http, cluster["id"], "thanh-lap", **ESTABLISH)
        assert done.status_code == 303 and done.headers["location"].endswith("thong_bao=thanh-lap")
        shown = await http.get(done.headers["location"])
        assert "Đã ghi quyết định thành lập cụm" in texts(shown.text, "notice")
        assert 'id="form-thanh-lap"' not in shown.text and 'id="form-mo-rong"' in shown.text
        established = await _read_back(platform, cluster["id"])
        assert established["status"] == "established"
        assert established["decision_number"] == "215/QĐ-UBND"
        assert established["decision_date"] == "2024-03-12"
        assert established["industrial_land_area_ha"] == "18.5000"

        built = await _send(http, cluster["id"], "dau-tu-ha-tang", investment_vnd="12.500.000.000")
        assert built.status_code == 303
        opened = await _send(http, cluster["id"], "dua-vao-hoat-dong", start_date="01/07/2025")
        assert opened.status_code == 303
        now = await _read_back(platform, cluster["id"])
        assert now["status"] == "operating" and now["operation_start_date"] == "2025-07-01"
        assert now["infrastructure_investment_vnd"] == 12_500_000_000
        operating = await http.get(path)
        assert 'id="lease-form"' in operating.text
        assert 'id="form-dua-ra-khoi-quy-hoach"' not in operating.text  # not once operating


async def test_only_the_commands_the_official_may_send_are_offered(platform: Platform) -> None:
    cluster = await _planned(platform, "Cụm công nghiệp Thanh Nưa")
    path = f"/cum-cong-nghiep/{cluster['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **OFFICER)
        officer = await http.get(path)
        assert officer.status_code == 200
        for approvers in ("thanh-lap", "mo-rong", "dua-ra-khoi-quy-hoach"):
            assert f'id="form-{approvers}"' not in officer.text
        assert 'id="form-moi-truong-pccc"' in officer.text  # any officer reports it

        sent_anyway = await http.post(
            f"{path}/thanh-lap",
            data={**ESTABLISH, "version": str(cluster["version"]), "idempotency_key": "k-1"},
        )
        assert sent_anyway.status_code == 403
        refused = texts(sent_anyway.text, "refused")
        assert "Bạn không có quyền thực hiện việc này" in refused
        assert (await _read_back(platform, cluster["id"]))["status"] == "planned"

        await http.post("/dang-xuat")
        await sign_in(http, roles=["officer", "approver"], province="14")
        elsewhere = await http.get(path)
        assert elsewhere.status_code == 403 and "<form" not in texts(elsewhere.text, "problem")
        assert 'id="commands"' not in elsewhere.text

        await http.post("/dang-xuat")
        await sign_in(http, agency="bo-cong-thuong", roles=["viewer"], province="")
        viewer = await http.get(path)
        assert viewer.status_code == 200 and 'id="no-commands"' in viewer.text
        assert 'class="command"' not in viewer.text


async def test_a_refused_command_shows_the_field_error_and_a_stale_one_the_conflict(
    platform: Platform,
) -> None:
    cluster = await _planned(platform, "Cụm công nghiệp Na Son")
    path = f"/cum-cong-nghiep/{cluster['id']}"
    async with browsing(platform) as http:
        await sign_in(http, **APPROVER)
        too_much = {**ESTABLISH, "area_ha": "20", "industrial_land_area_ha": "22"}
        invalid = await _send(http, cluster["id"], "thanh-lap", **too_much)
        assert invalid.status_code == 422
        assert texts(invalid.text, "thanh-lap-industrial_land_area_ha-error")
        assert 'id="thanh-lap-area_ha-error"' not in invalid.text
        assert 'value="22"' in invalid.text  # what the official typed, kept
        assert 'id="cmd-thanh-lap" open' in invalid.text
        bad_day = await _send(
            http, cluster["id"], "thanh-lap", **{**ESTABLISH, "decision_date": "31/02/2024"}
        )
        assert texts(bad_day.text, "thanh-lap-decision_date-error").startswith("Không phải là ngày")

        read = _hidden((await http.get(path)).text, "form-thanh-lap", "version")
        async with platform.registry_api(province=DIEN_BIEN) as registry:  # someone else
            await registry.ok(
                "POST",
                f"/clusters/{cluster['id']}/infrastructure",
                {
                    "treatment_plant": "none",
                    "solid_waste_collection": "partial",
                    "fire_safety": "partial",
                    "reported_on": "2025-01-10",
                    "version": int(read),
                },
            )
        stale = await http.post(
            f"{path}/thanh-lap", data={**ESTABLISH, "version": read, "idempotency_key": "k-2"}
        )
        assert stale.status_code == 409
        refused = texts(stale.text, "refused")
        assert "Dữ liệu đã được người khác thay đổi" in refused
        assert f"bạn đọc phiên bản {read}, nay là phiên bản {int(read) + 1}" in refused
        assert f'href="{path}" id="reload"' in stale.text
        assert _hidden(stale.text, "form-thanh-lap", "version") == str(int(read) + 1)
        assert (await _read_back(platform, cluster["id"]))["status"] == "planned"


async def test_ending_a_tenancy_through_its_form_frees_the_land(platform: Platform) -> None:
    async with platform.registry_api(province=DIEN_BIEN) as registry:
        cluster = await registry.operating_cluster(
            name="Cụm công nghiệp Him Lam", province_code=DIEN_BIEN, commune_code=None
        )
        enterprise = await registry.enterprise(province_code=DIEN_BIEN)
        facility = await registry.facility(
            enterprise["id"],
            name="Xưởng gạch Him Lam",
            province_code=DIEN_BIEN,
            commune_code=MUONG_THANH,
        )
        tenancy = await registry.ok(
            "POST",
            f"/clusters/{cluster['id']}/tenancies",
            {"facility_id": facility["id"], "leased_area_ha": "2", "start_date": "2020-01-01"},
            status=201,
        )
    path = f"/cum-cong-nghiep/{cluster['id']}"
    ending = f"{path}/thue-dat/{tenancy['id']}/ket-thuc-thue"
    async with browsing(platform) as http:
        await sign_in(http, **OFFICER)
        read = _hidden((await http.get(path)).text, f"end-{tenancy['id']}", "version")
        stale = await http.post(
            ending,
            data={"end_date": "30/06/2025", "version": int(read) - 1, "idempotency_key": "e-0"},
        )
        assert stale.status_code == 409
        assert f"bạn đọc phiên bản {int(read) - 1}, nay là phiên bản {read}" in texts(
            stale.text, "refused"
        )
        early = await http.post(
            ending, data={"end_date": "01/01/2019", "version": read, "idempotency_key": "e-1"}
        )
        assert early.status_code == 422
        assert texts(early.text, f"end-{tenancy['id']}-end_date-error")
        done = await http.post(
            ending, data={"end_date": "30/06/2025", "version": read, "idempotency_key": "e-2"}
        )
        assert done.status_code == 303 and done.headers["location"].endswith("ket-thuc-thue")
        shown = await http.get(done.headers["location"])
        assert "Đã kết thúc hợp đồng thuê đất" in texts(shown.text, "notice")
        assert "Xưởng gạch Him Lam" not in texts(shown.text, "tenancies")
    assert (await _read_back(platform, cluster["id"]))["leased_area_ha"] == "0.0000"
