"""A cluster's establishment and expansion procedure through the HTTP API: each step's due
day in working days (Tết and weekends skipped), late and overdue dossiers, the order of the
steps, and who may record each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain import today
from tests.apis import field_of, problem
from tests.registry.factory import CHIENG_AN, HA_NOI, TO_HIEU, Registry

# Every step done in early 2026, the decision's 7 working days running across Tết.
ON_TIME = {
    "call-for-investors": {"announced_on": "2026-01-09"},  # due Mon 12 Jan
    "receipt": {"received_on": "2026-01-30"},  # the call closes Mon 26 Jan; due Mon 2 Feb
    "appraisal": {"appraised_on": "2026-02-11", "note": "Đủ điều kiện"},  # due Tue 3 Mar
    "decision": {"outcome": "approved", "decision_number": "215/QĐ-UBND"},
}


async def _open(registry: Registry, cluster: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "cluster_id": cluster["id"],
        "kind": "establishment",
        "request_received_on": "2026-01-05",
        "investor_name": "Công ty CP Đầu tư hạ tầng Tây Bắc",
        **overrides,
    }
    return await registry.ok("POST", "/dossiers", body, status=201)


async def _step(
    registry: Registry,
    dossier: dict[str, Any],
    step: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Any:
    return await registry.post(
        f"/dossiers/{dossier['id']}/{step}",
        {**body, "version": dossier["version"]},
        headers=headers if headers is not None else registry.approver,
    )


async def _through(registry: Registry, dossier: dict[str, Any], *steps: str) -> dict[str, Any]:
    for step in steps:
        response = await _step(registry, dossier, step, ON_TIME[step])
        assert response.status_code == 200, response.text
        dossier = response.json()
    return dossier


def _steps(dossier: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in dossier["steps"]}


async def test_a_dossier_shows_each_step_due_in_working_days_and_the_events_follow(
    registry: Registry,
) -> None:
    cluster = await registry.planned_cluster()
    dossier = await _open(registry, cluster)
    assert (dossier["next_step"], dossier["next_due_on"]) == ("call_for_investors", "2026-01-12")
    assert dossier["province_code"] == "14" and dossier["commune_code"] == TO_HIEU
    assert dossier["overdue"] is True and dossier["overdue_working_days"] > 100

    dossier = await _through(registry, dossier, "call-for-investors", "receipt", "appraisal")
    steps = _steps(dossier)
    assert steps["dossier_received"]["due_on"] == "2026-02-02"
    assert steps["dossier_received"]["period"] == "15 days then 5 working days"
    assert steps["appraisal"]["due_on"] == "2026-02-24"  # 25 days after 30 Jan
    # 7 working days from Wed 11 Feb: 12, 13, then Tết to the 22nd, then 23 … 27 Feb.
    assert (dossier["next_step"], dossier["next_due_on"]) == ("decision", "2026-02-27")

    decision = {**ON_TIME["decision"], "decided_on": "2026-02-27"}
    decided = await _step(registry, dossier, "decision", decision)
    assert decided.status_code == 200, decided.text
    closed = decided.json()
    assert closed["next_step"] is None and closed["next_due_on"] is None
    assert closed["overdue"] is False and closed["outcome"] == "approved"
    assert all(s["late_working_days"] == 0 for s in closed["steps"]), closed["steps"]
    assert (await registry.outbox_types())[-5:] == [
        "DossierOpened",
        "DossierStepRecorded",
        "DossierStepRecorded",
        "DossierStepRecorded",
        "DossierDecided",
    ]


async def test_a_decision_after_its_due_day_is_late_by_the_working_days_past_it(
    registry: Registry,
) -> None:
    cluster = await registry.planned_cluster()
    dossier = await _through(
        registry, await _open(registry, cluster), "call-for-investors", "receipt", "appraisal"
    )
    decided = await _step(
        registry, dossier, "decision", {**ON_TIME["decision"], "decided_on": "2026-03-03"}
    )
    assert decided.status_code == 200, decided.text
    decision = _steps(decided.json())["decision"]
    assert decision == {
        "step": "decision",
        "period": "7 working days",
        "due_on": "2026-02-27",
        "done_on": "2026-03-03",
        "late_working_days": 2,  # Mon 2 and Tue 3 March
    }


async def test_overdue_lists_the_open_dossiers_past_their_next_due_day(
    registry: Registry,
) -> None:
    late = await _open(registry, await registry.planned_cluster(name="CCN Chiềng Sinh"))
    fresh_on = (today() - timedelta(days=1)).isoformat()
    fresh = await _open(
        registry, await registry.planned_cluster(name="CCN Mường La"), request_received_on=fresh_on
    )
    decided = await _through(
        registry,
        await _open(registry, await registry.planned_cluster(name="CCN Nà Sản")),
        "call-for-investors",
        "receipt",
        "appraisal",
    )
    await _step(registry, decided, "decision", {**ON_TIME["decision"], "decided_on": "2026-03-02"})

    async def ids(query: str) -> set[str]:
        page = await registry.ok("GET", f"/dossiers?{query}")
        return {d["id"] for d in page["items"]}

    assert await ids("overdue=true") == {late["id"]}
    assert await ids("overdue=false") == {fresh["id"], decided["id"]}
    assert await ids("open=true") == {late["id"], fresh["id"]}
    assert fresh["overdue"] is False and fresh["overdue_working_days"] == 0
    ha_noi = await registry.ok("GET", "/dossiers", headers=registry.auth(province=HA_NOI))
    assert ha_noi["items"] == []


async def test_steps_come_in_the_procedures_order_and_not_after_the_decision(
    registry: Registry,
) -> None:
    dossier = await _open(registry, await registry.planned_cluster())
    early = await _step(registry, dossier, "receipt", ON_TIME["receipt"])
    body = problem(early, 409, "dossier-out-of-step")
    assert body["next_step"] == "call_for_investors"

    dossier = await _through(registry, dossier, "call-for-investors", "receipt", "appraisal")
    decided = await _step(
        registry, dossier, "decision", {**ON_TIME["decision"], "decided_on": "2026-02-26"}
    )
    again = await _step(registry, decided.json(), "appraisal", ON_TIME["appraisal"])
    assert problem(again, 409, "dossier-out-of-step")["next_step"] is None


async def test_a_step_before_the_one_it_follows_or_before_the_call_closes_is_refused(
    registry: Registry,
) -> None:
    dossier = await _open(registry, await registry.planned_cluster())
    before = await _step(registry, dossier, "call-for-investors", {"announced_on": "2026-01-04"})
    assert field_of(problem(before, 422, "validation-error")) == "announced_on"
    future = (today() + timedelta(days=3)).isoformat()
    ahead = await _step(registry, dossier, "call-for-investors", {"announced_on": future})
    assert field_of(problem(ahead, 422, "validation-error")) == "announced_on"

    dossier = await _through(registry, dossier, "call-for-investors")
    during_call = await _step(registry, dossier, "receipt", {"received_on": "2026-01-20"})
    body = problem(during_call, 422, "validation-error")
    assert field_of(body) == "received_on" and "2026-01-26" in body["detail"]


async def test_an_approval_names_its_decision(registry: Registry) -> None:
    dossier = await _through(
        registry,
        await _open(registry, await registry.planned_cluster()),
        "call-for-investors",
        "receipt",
        "appraisal",
    )
    unnamed = await _step(
        registry, dossier, "decision", {"outcome": "approved", "decided_on": "2026-02-20"}
    )
    assert field_of(problem(unnamed, 422, "validation-error")) == "decision_number"
    refused = await _step(
        registry, dossier, "decision", {"outcome": "refused", "decided_on": "2026-02-20"}
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["outcome"] == "refused"


async def test_a_dossier_must_suit_the_clusters_status_and_be_its_only_open_one(
    registry: Registry,
) -> None:
    operating = await registry.operating_cluster()
    wrong = await registry.post(
        "/dossiers",
        {
            "cluster_id": operating["id"],
            "kind": "establishment",
            "request_received_on": "2026-01-05",
        },
    )
    assert problem(wrong, 409, "illegal-transition")["current_status"] == "operating"
    expansion = await _open(registry, operating, kind="expansion")
    twice = await registry.post(
        "/dossiers",
        {"cluster_id": operating["id"], "kind": "expansion", "request_received_on": "2026-02-05"},
    )
    assert problem(twice, 409, "conflict")["dossier_id"] == expansion["id"]
    planned = await registry.planned_cluster()
    ahead = (today() + timedelta(days=1)).isoformat()
    future = await registry.post(
        "/dossiers",
        {"cluster_id": planned["id"], "kind": "establishment", "request_received_on": ahead},
    )
    assert field_of(problem(future, 422, "validation-error")) == "request_received_on"


@pytest.mark.parametrize(
    ("step", "caller", "allowed"),
    [
        ("call-for-investors", {"agency": "ubnd", "communes": (TO_HIEU,)}, True),
        ("call-for-investors", {"agency": "ubnd", "communes": (CHIENG_AN,)}, False),
        ("appraisal", {"agency": "ubnd", "communes": (TO_HIEU,)}, False),
        ("decision", {"roles": ("officer",)}, False),
        ("call-for-investors", {"roles": ("officer", "approver"), "province": HA_NOI}, False),
    ],
    ids=["ubnd-own-commune", "ubnd-other-commune", "ubnd-appraises", "officer-decides", "ha-noi"],
)
async def test_each_step_is_recorded_by_whom_the_decree_names(
    registry: Registry, step: str, caller: dict[str, Any], allowed: bool
) -> None:
    dossier = await _open(registry, await registry.planned_cluster())
    if step in ("appraisal", "decision"):
        dossier = await _through(registry, dossier, "call-for-investors", "receipt")
    if step == "decision":
        dossier = await _through(registry, dossier, "appraisal")
    body = {**ON_TIME[step], "decided_on": "2026-02-20"} if step == "decision" else ON_TIME[step]
    response = await _step(registry, dossier, step, body, headers=registry.auth(**caller))
    if allowed:
        assert response.status_code == 200, response.text
    else:
        problem(response, 403, "forbidden")
