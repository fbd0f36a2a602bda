"""Khuyến công projects through the API: proposal to settlement, the money rules, caps by
date and province, the plan's budget, who may do what."""

from __future__ import annotations

from tests.apis import field_of, problem
from tests.promotion.factory import HA_NOI, Promotion


async def test_a_proposal_names_a_beneficiary_the_registry_published(promotion: Promotion) -> None:
    response = await promotion.post(
        "/projects",
        {
            "name": "Đề án",
            "province_code": "14",
            "funding_source": "local",
            "content_group": "rural_industrial_products",
            "beneficiary_enterprise_id": "nobody",
            "total_cost_vnd": 100,
            "requested_support_vnd": 50,
            "counterpart_vnd": 50,
            "start_date": "2019-01-01",
            "end_date": "2019-06-30",
        },
    )
    body = problem(response, 422, "validation-error")
    assert field_of(body) == "beneficiary_enterprise_id"
    assert "may not have arrived yet" in body["detail"]
    enterprise_id, _ = await promotion.beneficiary(province_code=HA_NOI)
    other = await promotion.post(
        "/projects",
        {
            "name": "Đề án",
            "province_code": "14",
            "funding_source": "local",
            "content_group": "rural_industrial_products",
            "beneficiary_enterprise_id": enterprise_id,
            "total_cost_vnd": 100,
            "requested_support_vnd": 50,
            "counterpart_vnd": 50,
            "start_date": "2019-01-01",
            "end_date": "2019-06-30",
        },
    )
    assert field_of(problem(other, 422, "validation-error")) == "beneficiary_enterprise_id"


async def test_a_project_runs_from_proposal_to_settlement_with_its_money(
    promotion: Promotion,
) -> None:
    proposed = await promotion.project()
    assert (proposed["status"], proposed["money"]["approved_vnd"]) == ("proposed", 0)
    project = await promotion.contracted(amount=250_000_000)
    project = await promotion.step(
        project,
        "disbursements",
        {"amount_vnd": 100_000_000, "kind": "advance", "date": "2019-04-01"},
    )
    assert (project["status"], project["money"]["remaining_vnd"]) == ("in_progress", 150_000_000)
    over = await promotion.post(
        f"/projects/{project['id']}/disbursements",
        {
            "amount_vnd": 150_000_001,
            "kind": "payment",
            "date": "2019-05-01",
            "version": project["version"],
        },
    )
    assert problem(over, 409, "over-disbursement")["remaining_vnd"] == 150_000_000
    project = await promotion.step(
        project,
        "disbursements",
        {"amount_vnd": 150_000_000, "kind": "payment", "date": "2019-05-01"},
    )
    project = await promotion.step(
        project,
        "acceptance",
        {"accepted_on": "2019-11-20", "actual_outputs": {"facilities_given_machinery": 1}},
    )
    project = await promotion.step(
        project,
        "settlement",
        {"settled_vnd": 240_000_000, "settled_on": "2019-12-10"},
        headers=promotion.approver,
    )
    assert project["status"] == "settled"
    assert project["money"] == {
        "approved_vnd": 250_000_000,
        "disbursed_vnd": 250_000_000,
        "settled_vnd": 240_000_000,
        "returned_vnd": 10_000_000,
        "remaining_vnd": 0,
        "held_vnd": 0,
    }
    assert (await promotion.outbox_types())[-3:] == [
        "ProjectAccepted",
        "ProjectSettled",
        "FundsReturned",
    ]


async def test_approval_keeps_within_the_cap_in_force_on_its_date(promotion: Promotion) -> None:
    # Nationally (Circular 28/2018): 50 % and 300,000,000 VND; Sơn La's own 30 % from 2021.
    project = await promotion.project(total_cost_vnd=500_000_000, counterpart_vnd=200_000_000)
    project = await promotion.step(
        project, "appraisal", {"result": "passed", "appraised_on": "2019-03-10"}
    )
    over = await promotion.post(
        f"/projects/{project['id']}/approval",
        {
            "decision_number": "1/QĐ",
            "decision_date": "2019-03-20",
            "approved_support_vnd": 250_000_001,
            "version": project["version"],
        },
        promotion.approver,
    )
    assert field_of(problem(over, 422, "over-support-cap")) == "approved_support_vnd"
    own = {
        "province_code": "14",
        "content_group": "demonstration_and_technology_transfer",
        "valid_from": "2021-01-01",
        "max_share": "0.3",
        "max_vnd": 800_000_000,
        "description": "Nghị quyết HĐND tỉnh (ví dụ)",
    }
    problem(await promotion.post("/support-caps", own), 403, "forbidden")  # an officer
    await promotion.ok("POST", "/support-caps", own, promotion.approver, 201)
    later = await promotion.project(start_date="2021-03-01", end_date="2021-11-30")
    later = await promotion.step(
        later, "appraisal", {"result": "passed", "appraised_on": "2021-03-10"}
    )
    refused = await promotion.post(
        f"/projects/{later['id']}/approval",
        {
            "decision_number": "2/QĐ",
            "decision_date": "2021-03-20",
            "approved_support_vnd": 300_000_000,
            "version": later["version"],
        },
        promotion.approver,
    )
    assert "270000000" in problem(refused, 422, "over-support-cap")["detail"].replace(",", "")


async def test_a_plans_approvals_never_exceed_its_budget(promotion: Promotion) -> None:
    plan = await promotion.plan(budget_vnd=200_000_000)
    project = await promotion.project(plan_id=plan["id"])
    project = await promotion.step(
        project, "appraisal", {"result": "passed", "appraised_on": "2019-03-10"}
    )
    response = await promotion.post(
        f"/projects/{project['id']}/approval",
        {
            "decision_number": "3/QĐ",
            "decision_date": "2019-03-20",
            "approved_support_vnd": 250_000_000,
            "version": project["version"],
        },
        promotion.approver,
    )
    problem(response, 409, "over-budget")
    approved = await promotion.step(
        project,
        "approval",
        {
            "decision_number": "3/QĐ",
            "decision_date": "2019-03-20",
            "approved_support_vnd": 200_000_000,
        },
        headers=promotion.approver,
    )
    assert approved["money"]["approved_vnd"] == 200_000_000
    plan = await promotion.ok("GET", f"/plans/{plan['id']}")
    assert (plan["committed_vnd"], plan["uncommitted_vnd"]) == (200_000_000, 0)


async def test_a_paused_project_resumes_where_it_was(promotion: Promotion) -> None:
    project = await promotion.contracted()
    paused = await promotion.step(project, "pause", {"paused_on": "2019-04-10", "reason": "Lũ"})
    assert paused["status"] == "paused"
    resumed = await promotion.step(paused, "resumption", {"resumed_on": "2019-05-10"})
    assert resumed["status"] == "contracted"
    closed = await promotion.post(
        f"/projects/{project['id']}/settlement",
        {"settled_vnd": 1, "settled_on": "2019-12-01", "version": resumed["version"]},
        promotion.approver,
    )
    problem(closed, 409, "illegal-transition")


async def test_cancelling_returns_the_advance_and_needs_an_approver(promotion: Promotion) -> None:
    project = await promotion.contracted()
    project = await promotion.step(
        project,
        "disbursements",
        {"amount_vnd": 80_000_000, "kind": "advance", "date": "2019-04-01"},
    )
    body = {
        "cancelled_on": "2019-06-01",
        "reason": "Cơ sở ngừng sản xuất",
        "version": project["version"],
    }
    problem(await promotion.post(f"/projects/{project['id']}/cancellation", body), 403, "forbidden")
    cancelled = await promotion.ok(
        "POST", f"/projects/{project['id']}/cancellation", body, promotion.approver
    )
    assert (cancelled["status"], cancelled["money"]["returned_vnd"]) == ("cancelled", 80_000_000)


async def test_money_is_whole_dong_and_versions_are_checked(promotion: Promotion) -> None:
    project = await promotion.contracted()
    path = f"/projects/{project['id']}/disbursements"
    fraction = {
        "amount_vnd": 100.5,
        "kind": "advance",
        "date": "2019-04-01",
        "version": project["version"],
    }
    assert (
        field_of(problem(await promotion.post(path, fraction), 422, "validation-error"))
        == "amount_vnd"
    )
    no_version = {"amount_vnd": 100, "kind": "advance", "date": "2019-04-01"}
    problem(await promotion.post(path, no_version), 428, "precondition-required")
    stale = {**no_version, "version": project["version"] - 1}
    problem(await promotion.post(path, stale), 409, "stale-version")


async def test_only_the_provinces_trade_department_writes(promotion: Promotion) -> None:
    project = await promotion.project()
    environment = promotion.auth(agency="so-tnmt")
    body = {"result": "passed", "appraised_on": "2019-03-10", "version": project["version"]}
    path = f"/projects/{project['id']}/appraisal"
    problem(await promotion.post(path, body, environment), 403, "forbidden")
    problem(await promotion.post(path, body, promotion.auth(province=HA_NOI)), 403, "forbidden")
    ministry = promotion.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    assert (await promotion.get(f"/projects/{project['id']}", ministry)).status_code == 200


async def test_the_summary_adds_up_projects_money_and_outputs(promotion: Promotion) -> None:
    project = await promotion.contracted(amount=200_000_000)
    project = await promotion.step(
        project,
        "disbursements",
        {"amount_vnd": 200_000_000, "kind": "payment", "date": "2019-05-01"},
    )
    project = await promotion.step(
        project,
        "acceptance",
        {"accepted_on": "2019-11-20", "actual_outputs": {"facilities_given_machinery": 1}},
    )
    await promotion.step(
        project,
        "settlement",
        {"settled_vnd": 180_000_000, "settled_on": "2019-12-10"},
        headers=promotion.approver,
    )
    national = await promotion.project(
        funding_source="national", content_group="rural_industrial_products"
    )
    await promotion.step(
        national, "reschedule", {"end_date": "2020-03-31", "reason": "Chậm thiết bị"}
    )
    summary = await promotion.ok("GET", "/summary?province_code=14&from=2019-01-01&to=2019-12-31")
    assert summary["projects"] == 2
    assert summary["total"]["approved_vnd"] == 200_000_000
    assert summary["by_funding_source"]["local"]["disbursed_vnd"] == 200_000_000
    assert summary["by_content_group"]["rural_industrial_products"]["projects"] == 1
    assert summary["outputs"]["facilities_given_machinery"] == 1
    assert (summary["rescheduled"], summary["paused"], summary["cancelled"]) == (1, 0, 0)
    assert summary["total"]["counterpart_vnd"] == 1_200_000_000
    assert summary["total"]["settled_vnd"] == 180_000_000
    assert summary["total"]["returned_vnd"] == 20_000_000


async def test_a_monitoring_visit_and_a_fund_return_are_recorded(promotion: Promotion) -> None:
    plan = await promotion.plan()
    project = await promotion.contracted(plan_id=plan["id"])
    project = await promotion.step(
        project,
        "disbursements",
        {"amount_vnd": 120_000_000, "kind": "advance", "date": "2019-04-01"},
    )
    project = await promotion.step(
        project,
        "monitoring-visits",
        {"date": "2019-06-15", "phase": "during", "findings": "Máy đã lắp đặt, chạy thử"},
    )
    returned = await promotion.step(
        project, "fund-returns", {"amount_vnd": 20_000_000, "returned_on": "2019-07-01"}
    )
    assert returned["money"]["returned_vnd"] == 20_000_000
    assert returned["money"]["held_vnd"] == 100_000_000
    too_much = await promotion.post(
        f"/projects/{project['id']}/fund-returns",
        {"amount_vnd": 100_000_001, "returned_on": "2019-07-02", "version": returned["version"]},
    )
    problem(too_much, 409, "more-than-held")
    drawn = await promotion.ok("GET", f"/plans/{plan['id']}")
    assert drawn["disbursed_vnd"] == 100_000_000  # paid, less what came back
    assert (await promotion.outbox_types())[-2:] == ["MonitoringVisitRecorded", "FundsReturned"]
    shown = await promotion.ok("GET", f"/projects/{project['id']}")
    assert [(d["amount_vnd"], d["kind"]) for d in shown["disbursements"]] == [
        (120_000_000, "advance")
    ]
    assert [(v["phase"], v["visited_on"]) for v in shown["monitoring_visits"]] == [
        ("during", "2019-06-15")
    ]


async def test_a_retried_proposal_with_its_key_changes_nothing(promotion: Promotion) -> None:
    _, facility_id = await promotion.beneficiary()
    body = {
        "name": "Đề án nhãn hiệu chè",
        "province_code": "14",
        "funding_source": "local",
        "content_group": "rural_industrial_products",
        "beneficiary_facility_id": facility_id,
        "total_cost_vnd": 100_000_000,
        "requested_support_vnd": 50_000_000,
        "counterpart_vnd": 50_000_000,
        "start_date": "2019-01-01",
        "end_date": "2019-06-30",
    }
    headers = {**promotion.auth(), "Idempotency-Key": "de-an-nhan-hieu-2019"}
    first = await promotion.post("/projects", body, headers)
    again = await promotion.post("/projects", body, headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert (await promotion.outbox_types()).count("ProjectProposed") == 1


async def test_an_enterprise_token_reads_no_project_or_plan(promotion: Promotion) -> None:
    enterprise = promotion.auth(agency="doanh-nghiep", tax_code="0100109106")
    for path in ("/projects", "/plans", "/summary?province_code=14"):
        problem(await promotion.get(path, headers=enterprise), 403, "forbidden")
