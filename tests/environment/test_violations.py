"""Violations through the API: remediation, escalation, overdue, and who may act on them."""

from __future__ import annotations

from typing import Any

from tests.apis import field_of, problem
from tests.environment.factory import HA_NOI, Environment, sample


async def _violation(environment: Environment, **inspection: Any) -> dict[str, Any]:
    found = await environment.inspection(**inspection)
    await environment.measured(found, sample("cod", "200"))
    await environment.completed(found, on=found["scheduled_on"])
    listed = await environment.ok("GET", f"/violations?facility_id={found['facility_id']}")
    (violation,) = listed["items"]
    return violation


async def test_a_remedied_violation_is_closed_with_its_evidence(environment: Environment) -> None:
    violation = await _violation(environment)
    done = await environment.ok(
        "POST",
        f"/violations/{violation['id']}/remediation",
        {"remediated_on": "2024-07-01", "evidence": "Biên bản kiểm tra lại số 12/BB", "version": 1},
    )
    assert (done["status"], done["overdue"], done["remediated_on"]) == (
        "remediated",
        False,
        "2024-07-01",
    )
    assert done["version"] == 2
    again = await environment.post(
        f"/violations/{violation['id']}/remediation",
        {"remediated_on": "2024-07-02", "evidence": "lần hai", "version": 2},
    )
    problem(again, 409, "violation-closed")
    assert (await environment.outbox_types())[-1] == "ViolationRemediated"


async def test_a_remedy_before_the_violation_was_found_is_422(environment: Environment) -> None:
    violation = await _violation(environment)
    response = await environment.post(
        f"/violations/{violation['id']}/remediation",
        {"remediated_on": "2024-01-01", "evidence": "x", "version": 1},
    )
    assert field_of(problem(response, 422, "validation-error")) == "remediated_on"


async def test_escalating_closes_the_violation_and_says_why(environment: Environment) -> None:
    violation = await _violation(environment)
    done = await environment.ok(
        "POST",
        f"/violations/{violation['id']}/escalation",
        {
            "reason": "Quá hạn khắc phục, chuyển thanh tra xử phạt",
            "escalated_on": "2024-09-01",
            "version": 1,
        },
    )
    assert (done["status"], done["escalated_on"]) == ("escalated", "2024-09-01")
    assert (await environment.outbox_types())[-1] == "ViolationEscalated"


async def test_overdue_lists_only_open_violations_past_their_deadline(
    environment: Environment,
) -> None:
    old = await _violation(environment, scheduled_on="2024-05-06")
    remedied = await _violation(environment, scheduled_on="2024-05-07")
    await environment.ok(
        "POST",
        f"/violations/{remedied['id']}/remediation",
        {"remediated_on": "2024-06-01", "evidence": "đã khắc phục", "version": 1},
    )
    overdue = await environment.ok("GET", "/violations?overdue=true")
    assert [v["id"] for v in overdue["items"]] == [old["id"]]
    closed = await environment.ok("GET", "/violations?status=remediated")
    assert [v["id"] for v in closed["items"]] == [remedied["id"]]


async def test_violations_of_another_province_are_not_for_its_officers(
    environment: Environment,
) -> None:
    violation = await _violation(environment)
    ha_noi = environment.auth(province=HA_NOI)
    problem(await environment.get(f"/violations/{violation['id']}", ha_noi), 403, "forbidden")
    response = await environment.post(
        f"/violations/{violation['id']}/remediation",
        {"remediated_on": "2024-07-01", "evidence": "x", "version": 1},
        ha_noi,
    )
    problem(response, 403, "forbidden")
    problem(await environment.get("/violations?province_code=14", ha_noi), 403, "forbidden")
