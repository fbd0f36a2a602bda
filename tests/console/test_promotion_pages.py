"""The khuyến công pages in-process, over the promotion service served as its own process: the
projects listed, filtered and paged with their money; a project's commands offered only to who
may send them in its status; a command sent through its form changing the project and its
money; refusals shown next to the fields, a stale version as a conflict to reload; a new
project's form; the province summary and its workbook."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import openpyxl

from services.console.promotion_forms import COMMANDS
from shared.events.promotion import Outputs
from shared.labels import OUTPUT_VI
from tests.console.conftest import Platform
from tests.console.test_pages import browsing, sign_in, texts
from tests.promotion.factory import Promotion, project_body

LAI_CHAU, LAO_CAI = "12", "15"


def project_names(html: str) -> list[str]:
    """The projects a page links to, in order."""
    return re.findall(r'href="/khuyen-cong/[0-9a-f-]{36}">([^<]+)<', html)


def form_inputs(html: str, form_id: str) -> dict[str, str]:
    """The hidden inputs of one form on the page (its version and Idempotency-Key)."""
    found = re.search(rf'<form[^>]*id="{form_id}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no #{form_id} on the page"
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', found.group(1)))


def offered(html: str) -> set[str]:
    """The command forms a project page offers, by their slugs."""
    return set(re.findall(r'id="form-([\w-]+)"', html))


async def proposed(promotion: Promotion, **overrides: Any) -> dict[str, Any]:
    """A project proposed through the API, with no beneficiary (the served promotion service
    has no registry events to check one against unless the test waits for them)."""
    body = project_body("", **{"beneficiary_facility_id": None, **overrides})
    return await promotion.ok("POST", "/projects", body, status=201)


async def contracted(promotion: Promotion, **overrides: Any) -> dict[str, Any]:
    """Appraised, approved for 250 million đồng, its contract signed."""
    project = await proposed(promotion, **overrides)
    project = await promotion.step(
        project, "appraisal", {"result": "passed", "appraised_on": "2019-03-10"}
    )
    project = await promotion.step(
        project,
        "approval",
        {
            "decision_number": "215/QĐ-SCT",
            "decision_date": "2019-03-20",
            "approved_support_vnd": 250_000_000,
        },
        headers=promotion.approver,
    )
    return await promotion.step(
        project, "contract", {"contract_number": "12/HĐ-KC", "signed_on": "2019-03-25"}
    )


async def follow(http: httpx.AsyncClient, answer: httpx.Response) -> httpx.Response:
    assert answer.status_code == 303, answer.text
    return await http.get(answer.headers["location"])


def test_every_output_and_command_has_its_vietnamese() -> None:
    assert set(OUTPUT_VI) == set(Outputs.model_fields)
    assert len({c.slug for c in COMMANDS}) == len(COMMANDS)


async def test_the_projects_are_listed_with_their_money_filtered_and_paged(
    platform: Platform,
) -> None:
    lai_chau = {"province_code": LAI_CHAU, "commune_code": None}
    async with platform.promotion_api(province=LAI_CHAU) as promotion:
        for n in range(20):
            await proposed(promotion, name=f"Dệt thổ cẩm Tam Đường {n:02d}", **lai_chau)
        await contracted(
            promotion, name="Máy sấy chè Tân Uyên", funding_source="national", **lai_chau
        )
    async with browsing(platform) as http:
        await sign_in(http, province=LAI_CHAU)
        first = await http.get("/khuyen-cong")
        assert first.status_code == 200 and len(project_names(first.text)) == 20
        assert 'id="first-page"' not in first.text
        next_url = re.search(r'href="([^"]+)" id="next-page"', first.text)
        assert next_url, "a page of 20 of 21 projects links to the next"
        second = await http.get(next_url.group(1).replace("&amp;", "&"))
        assert len(project_names(second.text)) == 1 and 'id="next-page"' not in second.text
        assert 'id="first-page"' in second.text

        national = await http.get("/khuyen-cong", params={"funding_source": "national"})
        assert project_names(national.text) == ["Máy sấy chè Tân Uyên"]
        row = texts(national.text, "projects")
        assert "250.000.000 đ" in row and "đã ký hợp đồng" in row
        found = await http.get("/khuyen-cong", params={"q": "tho cam tam duong 07"})
        assert project_names(found.text) == ["Dệt thổ cẩm Tam Đường 07"]
        contracted_only = await http.get("/khuyen-cong", params={"status": "contracted"})
        assert project_names(contracted_only.text) == ["Máy sấy chè Tân Uyên"]
        wrong = await http.get("/khuyen-cong", params={"status": "flying"})
        assert wrong.status_code == 422 and 'id="status-error"' in wrong.text


async def test_a_project_offers_only_the_commands_its_status_and_the_official_allow(
    platform: Platform,
) -> None:
    async with platform.promotion_api() as promotion:
        project = await proposed(promotion, name="Mô hình sấy măng Mường La")
    path = f"/khuyen-cong/{project['id']}"
    async with browsing(platform) as http:
        await sign_in(http)
        officer = await http.get(path)
        assert officer.status_code == 200 and "Mô hình sấy măng Mường La" in officer.text
        assert offered(officer.text) == {"tham-dinh", "dieu-chinh-thoi-gian"}

        await http.post("/dang-xuat")
        await sign_in(http, roles=["officer", "approver"])
        approver = await http.get(path)
        assert offered(approver.text) == {"tham-dinh", "dieu-chinh-thoi-gian", "huy"}

        for who in ({"roles": ["viewer"]}, {"agency": "so-tnmt"}):
            await http.post("/dang-xuat")
            await sign_in(http, **who)
            reader = await http.get(path)
            assert reader.status_code == 200, who
            assert offered(reader.text) == set() and 'id="no-commands"' in reader.text

        await http.post("/dang-xuat")
        await sign_in(http, roles=["officer", "approver"], province="01")
        ha_noi = await http.get(path)
        assert ha_noi.status_code == 403 and offered(ha_noi.text) == set()
        assert "outside your jurisdiction" in ha_noi.text


async def test_a_disbursement_through_its_form_changes_the_project_and_its_money(
    platform: Platform,
) -> None:
    async with platform.promotion_api() as promotion:
        project = await contracted(promotion, name="Máy vò chè Chiềng Sinh")
    path = f"/khuyen-cong/{project['id']}"
    async with browsing(platform) as http:
        await sign_in(http)
        page = await http.get(path)
        assert offered(page.text) >= {"giai-ngan", "nghiem-thu", "tam-dung", "kiem-tra"}
        assert "quyet-toan" not in offered(page.text)
        hidden = form_inputs(page.text, "form-giai-ngan")
        form = {**hidden, "amount_vnd": "100.000.000", "kind": "advance", "date": "01/04/2019"}
        sent = await http.post(f"{path}/giai-ngan", data=form)
        assert sent.headers["location"] == f"{path}?thong_bao=giai-ngan"
        shown = await follow(http, sent)
        assert "Đã ghi khoản giải ngân" in texts(shown.text, "notice")
        assert texts(shown.text, "money-disbursed") == "100.000.000 đ"
        assert texts(shown.text, "money-remaining") == "150.000.000 đ"
        assert texts(shown.text, "project-status") == "Đang thực hiện"
        assert "Giải ngân (tạm ứng) 100.000.000 đ" in texts(shown.text, "history")

        again = await http.post(f"{path}/giai-ngan", data=form)  # the same form sent twice
        assert texts((await follow(http, again)).text, "money-disbursed") == "100.000.000 đ"


async def test_a_refused_command_keeps_the_form_with_the_message_next_to_the_field(
    platform: Platform,
) -> None:
    async with platform.promotion_api() as promotion:
        project = await contracted(promotion, name="Lò sấy mận Mộc Châu")
    path = f"/khuyen-cong/{project['id']}"
    async with browsing(platform) as http:
        await sign_in(http)
        hidden = form_inputs((await http.get(path)).text, "form-giai-ngan")
        form = {**hidden, "amount_vnd": "50.000.000", "kind": "advance", "date": "31/02/2019"}
        invalid = await http.post(f"{path}/giai-ngan", data=form)
        assert invalid.status_code == 422
        assert texts(invalid.text, "giai-ngan-date-error").startswith("Không phải là ngày")
        assert 'value="31/02/2019"' in invalid.text and 'id="cmd-giai-ngan" open' in invalid.text

        zero = await http.post(
            f"{path}/giai-ngan", data={**form, "amount_vnd": "0", "date": "01/04/2019"}
        )
        assert zero.status_code == 422
        assert "more than 0" in texts(zero.text, "giai-ngan-amount_vnd-error")

        too_much = {**form, "amount_vnd": "300.000.000", "date": "01/04/2019"}
        over = await http.post(f"{path}/giai-ngan", data=too_much)
        assert over.status_code == 409
        assert "không cho phép" in texts(over.text, "refused")
        assert texts(over.text, "money-disbursed") == "0 đ"


async def test_a_command_on_a_project_changed_meanwhile_shows_the_conflict(
    platform: Platform,
) -> None:
    async with platform.promotion_api() as promotion:
        project = await contracted(promotion, name="Xưởng chế biến cà phê Thuận Châu")
    path = f"/khuyen-cong/{project['id']}"
    async with browsing(platform) as http:
        await sign_in(http)
        page = await http.get(path)
        hidden = form_inputs(page.text, "form-tam-dung")
        read = hidden["version"]
        async with platform.promotion_api() as promotion:  # someone visits meanwhile
            await promotion.step(
                project,
                "monitoring-visits",
                {"date": "2019-04-02", "phase": "during", "findings": "Đúng tiến độ"},
            )
        form = {**hidden, "paused_on": "05/04/2019", "reason": "Chờ thiết bị"}
        stale = await http.post(f"{path}/tam-dung", data=form)
        assert stale.status_code == 409
        refused = texts(stale.text, "refused")
        assert "Dữ liệu đã được người khác thay đổi" in refused
        assert f"bạn đọc phiên bản {read}" in refused
        assert f'href="{path}" id="reload"' in stale.text
        assert "Chờ thiết bị" in stale.text  # what the official typed, kept
        fresh = form_inputs(stale.text, "form-tam-dung")["version"]
        assert int(fresh) == int(read) + 1
        done = await follow(
            http, await http.post(f"{path}/tam-dung", data={**form, "version": fresh})
        )
        assert texts(done.text, "project-status") == "Tạm dừng"
        assert offered(done.text) >= {"tiep-tuc", "hoan-tra"}


async def test_a_new_project_is_proposed_through_its_form(platform: Platform) -> None:
    async with browsing(platform) as http:
        await sign_in(http, roles=["viewer"])
        assert (await http.get("/khuyen-cong/de-an-moi")).status_code == 403
        assert 'id="propose-link"' not in (await http.get("/khuyen-cong")).text
        await http.post("/dang-xuat")
        await sign_in(http)
        page = await http.get("/khuyen-cong/de-an-moi")
        assert page.status_code == 200 and 'id="propose-form"' in page.text
        form = {
            **form_inputs(page.text, "propose-form"),
            "name": "",
            "funding_source": "local",
            "content_group": "rural_industrial_products",
            "total_cost_vnd": "nhiều",
            "requested_support_vnd": "120.000.000",
            "counterpart_vnd": "280.000.000",
            "start_date": "01/05/2019",
            "end_date": "30/11/2019",
            "planned_outputs.products_branded": "2",
        }
        refused = await http.post("/khuyen-cong/de-an-moi", data=form)
        assert refused.status_code == 422
        assert texts(refused.text, "name-error") == "Chưa nhập"
        assert texts(refused.text, "total_cost_vnd-error") == "Không phải là số nguyên"
        assert 'value="280.000.000"' in refused.text
        form.update(name="Nhãn hiệu chè Shan tuyết Tà Xùa", total_cost_vnd="400.000.000")
        made = await follow(http, await http.post("/khuyen-cong/de-an-moi", data=form))
        assert "Đã đề xuất đề án" in texts(made.text, "notice")
        assert texts(made.text, "project-name") == "Nhãn hiệu chè Shan tuyết Tà Xùa"
        assert "Sản phẩm được hỗ trợ xây dựng thương hiệu 2" in texts(made.text, "outputs")


async def test_the_summary_shows_the_province_and_its_workbook_holds_the_figures(
    platform: Platform,
) -> None:
    lao_cai = {"province_code": LAO_CAI, "commune_code": None}
    async with platform.promotion_api(province=LAO_CAI, roles=["officer", "approver"]) as api:
        project = await contracted(api, name="Máy chế biến quế Văn Bàn", **lao_cai)
        paid = {"amount_vnd": 250_000_000, "kind": "payment", "date": "2019-05-01"}
        project = await api.step(project, "disbursements", paid)
        outputs = {"facilities_given_machinery": 1, "people_trained": 30}
        accepted = {"accepted_on": "2019-11-20", "actual_outputs": outputs}
        project = await api.step(project, "acceptance", accepted)
        await api.step(
            project, "settlement", {"settled_vnd": 230_000_000, "settled_on": "2019-12-10"}
        )
        await proposed(
            api, name="Hội chợ hàng thủ công Sa Pa", funding_source="national", **lao_cai
        )
    async with browsing(platform) as http:
        await sign_in(http, roles=["viewer"], province=LAO_CAI)
        page = await http.get("/khuyen-cong/tong-hop", params={"nam": "2019"})
        assert page.status_code == 200 and "Tổng hợp khuyến công Lào Cai" in page.text
        assert "từ 01/01/2019 đến 31/12/2019" in texts(page.text, "summary-span")
        assert texts(page.text, "fig-projects") == "2"
        assert texts(page.text, "fig-approved") == "250.000.000 đ"
        assert texts(page.text, "fig-settled") == "230.000.000 đ"
        assert texts(page.text, "fig-returned") == "20.000.000 đ"
        assert "Khuyến công quốc gia" in texts(page.text, "by-source")
        assert "Lượt người được đào tạo nghề 30" in texts(page.text, "summary-outputs")

        wrong = await http.get("/khuyen-cong/tong-hop", params={"tu_ngay": "31/02/2019"})
        assert wrong.status_code == 422 and 'id="tu_ngay-error"' in wrong.text

        download = re.search(r'id="download-xlsx" href="([^"]+)"', page.text)
        assert download
        workbook = await http.get(download.group(1).replace("&amp;", "&"))
        assert workbook.status_code == 200
        assert (
            "khuyen-cong-15-2019-01-01-2019-12-31.xlsx" in workbook.headers["content-disposition"]
        )
        book = openpyxl.load_workbook(io.BytesIO(workbook.content))
        assert book.sheetnames == ["Kinh phí khuyến công", "Kết quả", "Theo trạng thái"]
        money = book["Kinh phí khuyến công"]
        headers = [c.value for c in money[1]]
        total = dict(zip(headers, [c.value for c in money[2]], strict=True))
        assert total["Nhóm"] == "Tổng" and total["Số đề án"] == 2
        assert total["Được duyệt (đ)"] == 250_000_000 and total["Quyết toán (đ)"] == 230_000_000
        assert total["Hoàn trả (đ)"] == 20_000_000
        assert money.cell(row=2, column=3).number_format == '#,##0" đ"'
        results = {r[0]: r[1] for r in book["Kết quả"].iter_rows(min_row=2, values_only=True)}
        assert results["Lượt người được đào tạo nghề"] == 30
