"""A province's own classification rule and remediation times through the API."""

from __future__ import annotations

from typing import Any

from tests.apis import problem
from tests.environment.factory import HA_NOI, Environment, sample

STRICT = {
    "serious_ratio": "1.5",
    "repeat_inspections": 1,
    "repeat_window_months": 12,
    "remediation_days_serious": 15,
    "remediation_days_exceedance": 45,
    "remediation_days_finding": 30,
}


async def _set(environment: Environment, rules: dict[str, Any], version: int) -> dict[str, Any]:
    return await environment.ok(
        "POST",
        "/pollution-rules/14/revision",
        {**rules, "version": version},
        environment.approver,
    )


async def test_a_province_follows_the_defaults_until_it_sets_its_own(
    environment: Environment,
) -> None:
    defaults = await environment.ok("GET", "/pollution-rules/14")
    assert (defaults["set_by_province"], defaults["version"]) == (False, 1)
    assert (defaults["serious_ratio"], defaults["repeat_inspections"]) == ("2", 2)
    changed = await _set(environment, STRICT, 1)
    assert (changed["set_by_province"], changed["version"], changed["serious_ratio"]) == (
        True,
        2,
        "1.5",
    )
    again = await environment.post(
        "/pollution-rules/14/revision", {**STRICT, "version": 1}, environment.approver
    )
    problem(again, 409, "stale-version")


async def test_inspections_completed_after_a_change_follow_the_provinces_rule(
    environment: Environment,
) -> None:
    await _set(environment, STRICT, 1)
    inspection = await environment.inspection()
    await environment.measured(inspection, sample("cod", "250"))  # 1.68× Cmax 148.5
    await environment.completed(inspection)
    violations = await environment.ok("GET", f"/violations?facility_id={inspection['facility_id']}")
    assert violations["items"][0]["remediation_deadline"] == "2024-05-21"  # 15 days: serious
    facility = await environment.ok("GET", f"/facilities/{inspection['facility_id']}")
    assert facility["classification"]["severity"] == "seriously_polluting"


async def test_only_the_provinces_approvers_set_its_rule(environment: Environment) -> None:
    body = {**STRICT, "version": 1}
    problem(await environment.post("/pollution-rules/14/revision", body), 403, "forbidden")
    other = environment.auth(province=HA_NOI, roles=("approver",))
    problem(await environment.post("/pollution-rules/14/revision", body, other), 403, "forbidden")
    problem(await environment.get("/pollution-rules/99"), 404, "not-found")
