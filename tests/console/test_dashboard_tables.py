"""Each table of the province dashboard downloads as a workbook of its own, holding the figures
the page shows, with the reporting service's Vietnamese headers and number formats."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import openpyxl

from tests.console.conftest import Platform
from tests.console.test_pages import browsing, sign_in, texts, this_year
from tests.kafka_tools import wait_until


def _number(text: str) -> int:
    """`1.234.567 đ` or `3` as the number it writes."""
    return int(text.removesuffix(" đ").replace(".", ""))


async def _table(http: httpx.AsyncClient, html: str, slug: str, *, linked: bool = True) -> Any:
    """The workbook behind the page's link for the table `slug`, opened (a table the page
    leaves out when empty: at the address its link would have)."""
    link = re.search(r'id="download-so-lieu-chinh" href="([^"]+)"', html)
    assert link, "no link to the key figures' workbook"
    assert f'id="download-{slug}"' in html or not linked
    url = link.group(1).replace("&amp;", "&").replace("so-lieu-chinh", slug)
    answer = await http.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"tong-quan-14-{this_year()}-{slug}.xlsx" in answer.headers["content-disposition"]
    return openpyxl.load_workbook(io.BytesIO(answer.content))


async def _dashboard(http: httpx.AsyncClient, platform: Platform) -> str:
    async def listed() -> bool:
        page = await http.get("/tong-quan")
        return page.status_code == 200 and platform.duyen_hai["id"] in page.text

    assert await wait_until(listed, timeout_s=120), "the clusters never reached reporting"
    page = await http.get("/tong-quan", params={"period": this_year()})
    assert page.status_code == 200
    return page.text


async def test_each_dashboard_table_downloads_with_the_figures_the_page_shows(
    platform: Platform,
) -> None:
    async with browsing(platform) as http:
        await sign_in(http)
        html = await _dashboard(http, platform)

        occupancy = (await _table(http, html, "lap-day"))["Tỷ lệ lấp đầy"]
        header = [c.value for c in occupancy[1]]
        assert header[0] == "Tên cụm công nghiệp" and "Tỷ lệ lấp đầy" in header
        rate = header.index("Tỷ lệ lấp đầy")
        rows = [[c.value for c in row] for row in occupancy.iter_rows(min_row=2)]
        shown = re.findall(
            r'<a href="/cum-cong-nghiep/[^"]+">([^<]+)</a>.*?data-occupancy="([^"]+)"', html, re.S
        )
        assert [(r[0], r[rate]) for r in rows] == [(n, float(o)) for n, o in shown]
        assert occupancy.cell(row=2, column=rate + 1).number_format == "0.00%"
        leased = header.index("Đã cho thuê (ha)") + 1
        assert occupancy.cell(row=2, column=leased).number_format == "#,##0.0000"

        by_status = (await _table(http, html, "theo-trang-thai"))["Theo trạng thái"]
        counts = {r[0].value: r[1].value for r in by_status.iter_rows(min_row=2)}
        assert counts["Tổng"] == _number(texts(html, "by-status-total"))
        assert counts["Tổng"] == _number(texts(html, "fig-clusters"))
        assert counts["đang hoạt động"] >= 2 and "quy hoạch" in counts

        figures = await _table(http, html, "so-lieu-chinh")
        assert figures.sheetnames == ["Cụm công nghiệp", "Di dời", "Kiểm tra môi trường"]
        totals = {c.value: v.value for c, v in zip(*figures["Cụm công nghiệp"].rows, strict=True)}
        assert totals["Số cụm"] == _number(texts(html, "fig-clusters"))
        assert totals["Lao động"] == _number(texts(html, "fig-workers"))

        money = (await _table(http, html, "khuyen-cong-theo-nguon"))["Khuyến công theo nguồn"]
        assert money.cell(row=1, column=2).value == "Được duyệt (đ)"
        last = [c.value for c in list(money.rows)[-1]]
        assert str(last[0]).startswith("Tổng") and last[1] == _number(texts(html, "kc-approved"))
        assert money.cell(row=money.max_row, column=2).number_format == '#,##0" đ"'
        by_group = 'id="by-content"' in html  # shown once some project has a content group
        content = (await _table(http, html, "khuyen-cong-theo-noi-dung", linked=by_group)).active
        assert content.title == "Khuyến công theo nội dung"
        shown_groups = re.findall(
            r"<tr><td>", html.split('id="by-content"')[-1].split("</table>")[0]
        )
        assert content.max_row - 1 == (len(shown_groups) if by_group else 0)

        unknown = await http.get("/tong-quan/tai-ve/bang-khac", params={"period": this_year()})
        assert unknown.status_code == 404 and "Không có bảng này" in unknown.text
