"""The sample data: the published figures of Bắc Kạn and Sơn La, loaded once."""

from __future__ import annotations

from services.promotion import seed
from tests.promotion.factory import Promotion
from tests.published import SON_LA_2016_2020_OUTPUTS


async def test_the_summary_shows_the_published_figures_and_a_second_load_changes_nothing(
    promotion: Promotion,
) -> None:
    commands = promotion.app.state.commands
    await seed.load(commands, progress=lambda _: None)
    events = len(await promotion.outbox_types())
    await seed.load(commands, progress=lambda _: None)
    assert len(await promotion.outbox_types()) == events

    ministry = promotion.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    bac_kan = await promotion.ok(
        "GET", "/summary?province_code=19&from=2011-01-01&to=2016-12-31", headers=ministry
    )
    assert bac_kan["projects"] == 129
    assert bac_kan["total"]["approved_vnd"] == 7_375_000_000
    assert bac_kan["by_funding_source"]["national"]["approved_vnd"] == 3_140_000_000
    assert bac_kan["by_funding_source"]["local"]["approved_vnd"] == 4_235_000_000

    son_la = await promotion.ok(
        "GET", "/summary?province_code=14&from=2016-01-01&to=2020-12-31", headers=ministry
    )
    assert son_la["total"]["approved_vnd"] == 7_720_000_000
    assert son_la["total"]["counterpart_vnd"] == 18_560_000_000
    assert son_la["outputs"] == SON_LA_2016_2020_OUTPUTS
    assert (son_la["paused"], son_la["rescheduled"], son_la["total"]["returned_vnd"]) == (
        1,
        1,
        5_000_000,
    )
