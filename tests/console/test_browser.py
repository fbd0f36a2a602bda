"""The console in a real browser: Debian's Chromium, headless, driven by selenium, over the
registry, the reporting service and the console each served as its own process. A Sơn La
officer finds "pho moi", leases land and sees the occupancy follow on the dashboard once the
event has gone through Kafka to reporting; a Hà Nội officer is offered none of Sơn La's
buttons; a lease on a cluster someone changed meanwhile shows the conflict; the dashboard's
workbook downloads and opens; the khuyến công pages list the projects, open one and take a
payment through its form; an environment officer opens the inspections and the relocation list;
a Cao Bằng approver establishes a planned cluster through its form. Screenshots of the pages go
to var/screenshots/."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.console.conftest import Platform, console_process
from tests.console.test_inspection_pages import published_facility
from tests.console.test_promotion_pages import contracted
from tests.console.test_relocation_pages import polluting

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1366,1600",
    "--lang=vi",
]


@pytest.fixture(scope="module")
def console_url(platform: Platform) -> Iterator[str]:
    with console_process(platform) as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[WebDriver]:
    """One headless Chromium for the module, on a profile of its own."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the browser tests need Debian's Chromium and its driver ({', '.join(missing)} "
            "missing): apt-get install chromium chromium-driver",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module", autouse=True)
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def shoot(browser: WebDriver, name: str) -> None:
    assert browser.save_screenshot(str(SCREENSHOTS / f"{name}.png")), name


def sign_in(
    browser: WebDriver,
    console_url: str,
    *,
    roles: tuple[str, ...],
    province: str,
    agency: str = "so-cong-thuong",
) -> None:
    """Through the sign-in page, as an official of the agency (Sở Công Thương) in the province."""
    browser.delete_all_cookies()
    browser.get(f"{console_url}/dang-nhap")
    Select(browser.find_element(By.ID, "agency")).select_by_value(agency)
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=roles]"):
        if box.is_selected() != (box.get_attribute("value") in roles):
            box.click()
    Select(browser.find_element(By.ID, "province")).select_by_value(province)
    browser.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda b: "/tong-quan" in b.current_url)


def eventually(check: Callable[[], bool], *, timeout_s: float = 180, every_s: float = 1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every_s)
    return check()


def occupancy_on_dashboard(browser: WebDriver, console_url: str, cluster_id: str) -> str | None:
    browser.get(f"{console_url}/tong-quan")
    rows = browser.find_elements(By.CSS_SELECTOR, f'tr[data-cluster="{cluster_id}"] .occupancy')
    return rows[0].text if rows else None


def residential_facility(platform: Platform, name: str) -> dict[str, Any]:
    async def make() -> dict[str, Any]:
        async with platform.registry_api() as registry:
            return await registry.facility(name=name)

    return asyncio.run(make())


def lease(browser: WebDriver, facility: dict[str, Any], area: str) -> None:
    Select(browser.find_element(By.ID, "facility_id")).select_by_value(facility["id"])
    field = browser.find_element(By.ID, "leased_area_ha")
    field.clear()
    field.send_keys(area)
    browser.find_element(By.ID, "lease-submit").click()


def test_a_son_la_officer_finds_pho_moi_leases_land_and_the_dashboard_follows(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    facility = residential_facility(platform, "Cơ sở chế biến chè Phố Mới")
    cluster_id = platform.pho_moi["id"]
    sign_in(browser, console_url, roles=("officer",), province="14")
    assert "Sơn La" in browser.find_element(By.ID, "who").text
    assert eventually(lambda: occupancy_on_dashboard(browser, console_url, cluster_id) is not None)
    before = occupancy_on_dashboard(browser, console_url, cluster_id)
    shoot(browser, "01-tong-quan")

    browser.find_element(By.LINK_TEXT, "Cụm công nghiệp").click()
    search = browser.find_element(By.ID, "q")
    search.send_keys("pho moi")
    search.submit()
    WebDriverWait(browser, 30).until(lambda b: "q=pho+moi" in b.current_url)
    found = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#clusters tbody a")]
    assert found == ["Cụm công nghiệp Phố Mới"]
    shoot(browser, "02-tim-cum-pho-moi")

    browser.find_element(By.LINK_TEXT, "Cụm công nghiệp Phố Mới").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "lease-form"))
    leased_before = browser.find_element(By.ID, "leased").text
    shoot(browser, "03-cum-pho-moi")
    lease(browser, facility, "0")
    error = WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.ID, "leased_area_ha-error")
    )
    assert error.text == "Phải lớn hơn 0"
    shoot(browser, "04-loi-nhap-lieu")
    lease(browser, facility, "2,5")
    notice = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "notice"))
    assert "Đã ghi nhận hợp đồng thuê đất" in notice.text
    leased_after = browser.find_element(By.ID, "leased").text
    assert _hectares(leased_after) == _hectares(leased_before) + 2.5
    after = browser.find_element(By.ID, "occupancy").text
    assert after != before
    assert "Cơ sở chế biến chè Phố Mới" in browser.find_element(By.ID, "tenancies").text
    shoot(browser, "05-da-cho-thue-dat")

    assert eventually(lambda: occupancy_on_dashboard(browser, console_url, cluster_id) == after), (
        f"the dashboard never showed {after} for Phố Mới (it showed {before} before the lease)"
    )
    shoot(browser, "06-tong-quan-sau-thue-dat")


def _hectares(text: str) -> float:
    return float(text.removesuffix(" ha").replace(".", "").replace(",", "."))


def test_a_ha_noi_officer_is_offered_none_of_son_la_buttons(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    sign_in(browser, console_url, roles=("officer", "approver"), province="01")
    browser.get(f"{console_url}/cum-cong-nghiep/{platform.pho_moi['id']}")
    problem = browser.find_element(By.ID, "problem")
    assert problem.get_attribute("data-status") == "403"
    assert "không có quyền" in problem.text.lower() or "không được phép" in problem.text.lower()
    assert not browser.find_elements(By.ID, "lease-form")
    assert not browser.find_elements(By.TAG_NAME, "form")[1:]  # only the sign-out button's
    shoot(browser, "07-ha-noi-khong-co-quyen")
    browser.get(f"{console_url}/cum-cong-nghiep?q=pho+moi")
    assert not browser.find_elements(By.CSS_SELECTOR, "#clusters tbody a")


def test_a_lease_on_a_cluster_changed_meanwhile_shows_the_conflict(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    mine = residential_facility(platform, "Cơ sở may Chiềng Sinh")
    theirs = residential_facility(platform, "Cơ sở cơ khí Quyết Thắng")
    cluster_id = platform.pho_moi["id"]
    sign_in(browser, console_url, roles=("officer",), province="14")
    browser.get(f"{console_url}/cum-cong-nghiep/{cluster_id}")
    read = browser.find_element(By.ID, "version").text

    async def someone_else_leases() -> None:
        async with platform.registry_api() as registry:
            await registry.ok(
                "POST",
                f"/clusters/{cluster_id}/tenancies",
                {"facility_id": theirs["id"], "leased_area_ha": "0.5", "start_date": "2024-01-02"},
                status=201,
            )

    asyncio.run(someone_else_leases())
    lease(browser, mine, "1")
    refused = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "refused"))
    assert refused.get_attribute("data-status") == "409"
    assert "Dữ liệu đã được người khác thay đổi" in refused.text
    assert f"bạn đọc phiên bản {read}" in refused.text
    assert browser.find_element(By.ID, "leased_area_ha").get_attribute("value") == "1"
    shoot(browser, "08-xung-dot-phien-ban")
    browser.find_element(By.ID, "reload").click()
    WebDriverWait(browser, 30).until(lambda b: not b.find_elements(By.ID, "refused"))
    assert browser.find_element(By.ID, "version").text == str(int(read) + 1)
    assert "Cơ sở cơ khí Quyết Thắng" in browser.find_element(By.ID, "tenancies").text


def test_the_dashboard_workbook_downloads_and_opens(
    console_url: str, browser: WebDriver, downloads: Path
) -> None:
    sign_in(browser, console_url, roles=("viewer",), province="14")
    link = browser.find_element(By.ID, "download-xlsx")
    expected = re.search(r"period=([^&]+)", link.get_attribute("href") or "")
    assert expected
    try:
        link.click()
    except WebDriverException as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"the download link could not be clicked: {exc}") from None

    def saved() -> list[Path]:
        return [p for p in downloads.glob("*.xlsx") if p.stat().st_size > 0]

    assert eventually(lambda: bool(saved()), timeout_s=60), list(downloads.iterdir())
    [workbook] = saved()
    assert workbook.name.startswith(f"bao-cao-tinh-14-{expected.group(1)}")
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[0] == "Cụm công nghiệp"


def contracted_project(platform: Platform, name: str) -> dict[str, Any]:
    async def make() -> dict[str, Any]:
        async with platform.promotion_api() as promotion:
            return await contracted(promotion, name=name)

    return asyncio.run(make())


def test_the_khuyen_cong_projects_list_a_project_that_takes_a_payment_through_its_form(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    project = contracted_project(platform, "Máy sao chè Shan tuyết Bản Mòng")
    sign_in(browser, console_url, roles=("officer",), province="14")
    browser.find_element(By.LINK_TEXT, "Khuyến công").click()
    search = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "q"))
    search.send_keys("shan tuyet ban mong")
    search.submit()
    WebDriverWait(browser, 30).until(lambda b: "q=shan+tuyet" in b.current_url)
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-project="{project["id"]}"]')
    assert row.find_element(By.CSS_SELECTOR, ".approved").text == "250.000.000 đ"
    shoot(browser, "09-khuyen-cong")

    row.find_element(By.LINK_TEXT, "Máy sao chè Shan tuyết Bản Mòng").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "cmd-giai-ngan"))
    assert browser.find_element(By.ID, "money-disbursed").text == "0 đ"
    browser.find_element(By.CSS_SELECTOR, "#cmd-giai-ngan summary").click()
    browser.find_element(By.ID, "giai-ngan-amount_vnd").send_keys("80.000.000")
    Select(browser.find_element(By.ID, "giai-ngan-kind")).select_by_value("advance")
    shoot(browser, "10-de-an-khuyen-cong")
    browser.find_element(By.ID, "giai-ngan-submit").click()
    notice = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "notice"))
    assert "Đã ghi khoản giải ngân" in notice.text
    assert browser.find_element(By.ID, "money-disbursed").text == "80.000.000 đ"
    assert browser.find_element(By.ID, "project-status").text == "Đang thực hiện"
    shoot(browser, "11-da-giai-ngan")

    browser.get(f"{console_url}/khuyen-cong/tong-hop")
    assert browser.find_element(By.ID, "fig-projects").text != "0"
    shoot(browser, "12-tong-hop-khuyen-cong")


def test_an_environment_officer_opens_the_inspections_and_the_relocation_list(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    facility = asyncio.run(published_facility(platform, "Cơ sở chế biến mủ cao su Mường La"))
    asyncio.run(polluting(platform, facility))
    sign_in(browser, console_url, roles=("officer",), province="14", agency="so-tnmt")
    browser.find_element(By.LINK_TEXT, "Thanh tra, kiểm tra").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "schedule-form"))
    shoot(browser, "13-thanh-tra")
    browser.find_element(By.LINK_TEXT, facility["name"]).click()
    samples = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "samples"))
    assert "Vượt quy chuẩn" in samples.text and "148,5 mg/L" in samples.text
    shoot(browser, "14-cuoc-kiem-tra")

    def listed() -> bool:
        browser.get(f"{console_url}/di-doi")
        return bool(browser.find_elements(By.CSS_SELECTOR, f'tr[data-facility="{facility["id"]}"]'))

    assert eventually(listed, timeout_s=120), "the facility never reached the relocation list"
    shoot(browser, "15-di-doi")
    browser.find_element(By.LINK_TEXT, facility["name"]).click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "facility-name"))
    assert not browser.find_elements(By.ID, "relocation-form")  # Sở Công Thương's to decide
    shoot(browser, "16-co-so")


def planned_cluster(platform: Platform, name: str, province: str) -> dict[str, Any]:
    async def make() -> dict[str, Any]:
        async with platform.registry_api(province=province) as registry:
            return await registry.planned_cluster(
                name=name, province_code=province, commune_code=None, planned_area_ha="20"
            )

    return asyncio.run(make())


def test_a_cao_bang_approver_establishes_a_cluster_through_its_form(
    platform: Platform, console_url: str, browser: WebDriver
) -> None:
    cluster = planned_cluster(platform, "Cụm công nghiệp Đề Thám", "04")
    sign_in(browser, console_url, roles=("officer", "approver"), province="04")
    browser.get(f"{console_url}/cum-cong-nghiep/{cluster['id']}")
    assert browser.find_element(By.ID, "cluster-status").text == "Quy hoạch"
    browser.find_element(By.CSS_SELECTOR, "#cmd-thanh-lap summary").click()
    typed = {
        "decision_number": "1520/QĐ-UBND",
        "investor_name": "Công ty TNHH Hạ tầng Đề Thám",
        "industrial_land_area_ha": "14,5",
    }
    for name, value in typed.items():
        browser.find_element(By.ID, f"thanh-lap-{name}").send_keys(value)
    assert browser.find_element(By.ID, "thanh-lap-area_ha").get_attribute("value") == "20"
    browser.find_element(By.ID, "thanh-lap-submit").click()
    notice = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "notice"))
    assert "Đã ghi quyết định thành lập cụm" in notice.text
    assert browser.find_element(By.ID, "cluster-status").text == "Đã thành lập"
    assert not browser.find_elements(By.ID, "cmd-thanh-lap")
    assert browser.find_elements(By.ID, "cmd-dau-tu-ha-tang")
    shoot(browser, "17-thanh-lap-cum")
