"""Inspections through the API: scheduling, samples judged against the table in force,
completion into violations, and who may do it."""

from __future__ import annotations

from decimal import Decimal

from tests.apis import field_of, problem
from tests.environment.factory import HA_NOI, Environment, plan, sample


async def test_scheduling_an_inspection_records_it_and_its_event(environment: Environment) -> None:
    facility_id = await environment.facility(registered="2019-03-01")
    response = await environment.post(
        "/inspections",
        {
            "facility_id": facility_id,
            "scheduled_on": "2024-05-06",
            "kind": "complaint",
            "team": "Đoàn kiểm tra liên ngành",
        },
    )
    assert response.status_code == 201, response.text
    inspection = response.json()
    assert response.headers["Location"] == f"/api/v1/inspections/{inspection['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (inspection["status"], inspection["kind"]) == ("scheduled", "complaint")
    assert (inspection["province_code"], inspection["commune_code"]) == ("14", "03646")
    assert inspection["operating_since"] == "2019-03-01"  # its registration, unless told
    assert await environment.outbox_types() == ["InspectionScheduled"]


async def test_an_inspection_of_a_facility_the_registry_has_not_published_is_422(
    environment: Environment,
) -> None:
    response = await environment.post("/inspections", plan("no-such-facility"))
    body = problem(response, 422, "validation-error")
    assert field_of(body) == "facility_id"
    assert "not known here" in body["detail"]


async def test_a_sample_is_judged_with_cmax_c_times_kq_times_kf(environment: Environment) -> None:
    inspection = await environment.inspection()
    measured = await environment.measured(inspection, sample("cod", "200"))
    (judged,) = measured["samples"]
    assert judged["regulation"] == "QCVN 40:2011/BTNMT"
    assert Decimal(judged["limit_max"]) == Decimal("148.5")  # 150 × 0.9 × 1.1
    assert (judged["exceeded"], judged["exceedance_ratio"], judged["band"]) == (
        True,
        "1.35",
        "1.1-1.5",
    )
    assert measured["version"] == inspection["version"] + 1
    assert await environment.outbox_types() == ["InspectionScheduled", "MeasurementsRecorded"]


async def test_ph_is_judged_against_its_range_without_factors(environment: Environment) -> None:
    inspection = await environment.inspection()
    measured = await environment.measured(
        inspection, sample("ph", "5", unit="-"), sample("ph", "7.2", unit="-")
    )
    low, fine = measured["samples"]
    assert (low["limit_min"], low["limit_max"], low["exceeded"]) == ("5.5", "9", True)
    assert low["factors_applied"] is False
    assert fine["exceeded"] is False


async def test_samples_on_each_side_of_1_sep_2025_follow_the_regulation_in_force(
    environment: Environment,
) -> None:
    older = await environment.inspection(await environment.facility(registered="2019-03-01"))
    judged = await environment.measured(older, sample(sampled_on="2025-08-31"))
    assert judged["samples"][0]["regulation"] == "QCVN 40:2011/BTNMT"
    # Operating before 1 Sep 2025: the transitional provision keeps QCVN 40:2011 for it.
    kept = await environment.measured(older, sample(sampled_on="2025-10-01"))
    assert kept["samples"][-1]["regulation"] == "QCVN 40:2011/BTNMT"
    newer = await environment.inspection(
        await environment.facility(registered="2025-10-15"), scheduled_on="2025-11-01"
    )
    response = await environment.post(
        f"/inspections/{newer['id']}/measurements",
        {"samples": [sample(sampled_on="2025-11-01", kq=None, kf=None)]},
    )
    body = problem(response, 422, "validation-error")
    assert field_of(body) == "samples.0.parameter"
    assert "QCVN 40:2025/BTNMT" in body["detail"]


async def test_a_unit_other_than_the_tables_is_422_naming_the_samples_unit(
    environment: Environment,
) -> None:
    inspection = await environment.inspection()
    response = await environment.post(
        f"/inspections/{inspection['id']}/measurements",
        {"samples": [sample(), sample("tss", "80", unit="g/L")]},
    )
    body = problem(response, 422, "validation-error")
    assert field_of(body) == "samples.1.unit"
    assert (await environment.ok("GET", f"/inspections/{inspection['id']}"))["samples"] == []


async def test_a_float_looking_value_keeps_every_digit(environment: Environment) -> None:
    inspection = await environment.inspection()
    measured = await environment.measured(inspection, sample("mercury", "0.010001"))
    (judged,) = measured["samples"]
    assert judged["value"] == "0.010001"
    assert judged["exceedance_ratio"] == "1.01"  # 0.010001 / (0.01 × 0.99)


async def test_completing_turns_each_exceedance_and_finding_into_a_violation(
    environment: Environment,
) -> None:
    inspection = await environment.inspection()
    await environment.measured(inspection, sample("cod", "200"), sample("tss", "50"))
    done = await environment.completed(
        inspection, findings=("Không có sổ nhật ký vận hành hệ thống xử lý nước thải",)
    )
    assert (done["status"], done["outcome"]) == ("completed", "violations_found")
    listed = await environment.ok("GET", f"/violations?facility_id={inspection['facility_id']}")
    by_kind = {v["kind"]: v for v in listed["items"]}
    assert set(by_kind) == {"exceedance", "finding"}
    assert by_kind["exceedance"]["parameter"] == "cod"
    assert by_kind["exceedance"]["remediation_deadline"] == "2024-08-04"  # 90 days: < 2×
    assert by_kind["finding"]["remediation_deadline"] == "2024-07-05"  # 60 days
    assert all(v["overdue"] and v["status"] == "open" for v in listed["items"])
    types = await environment.outbox_types()
    assert types[2:5] == ["InspectionCompleted", "ViolationRecorded", "ViolationRecorded"]


async def test_a_clean_inspection_is_compliant(environment: Environment) -> None:
    inspection = await environment.inspection()
    await environment.measured(inspection, sample("cod", "100"))
    done = await environment.completed(inspection)
    assert done["outcome"] == "compliant"
    facility = await environment.ok("GET", f"/facilities/{inspection['facility_id']}")
    assert facility["open_violations"] == []
    assert facility["classification"]["severity"] is None


async def test_measurements_after_completion_are_409(environment: Environment) -> None:
    inspection = await environment.inspection()
    await environment.completed(inspection)
    response = await environment.post(
        f"/inspections/{inspection['id']}/measurements", {"samples": [sample()]}
    )
    problem(response, 409, "inspection-closed")


async def test_completion_needs_the_version_read_and_refuses_a_stale_one(
    environment: Environment,
) -> None:
    inspection = await environment.inspection()
    path = f"/inspections/{inspection['id']}/completion"
    problem(
        await environment.post(path, {"carried_out_on": "2024-05-06"}), 428, "precondition-required"
    )
    await environment.measured(inspection, sample())  # the inspection moves to version 2
    stale = {"carried_out_on": "2024-05-06", "version": inspection["version"]}
    problem(await environment.post(path, stale), 409, "stale-version")


async def test_measurements_sent_with_a_stale_version_are_refused(
    environment: Environment,
) -> None:
    inspection = await environment.inspection()
    path = f"/inspections/{inspection['id']}/measurements"
    read = {"samples": [sample()], "version": inspection["version"]}
    measured = await environment.ok("POST", path, read)
    assert measured["version"] == inspection["version"] + 1
    problem(await environment.post(path, read), 409, "stale-version")


async def test_completion_cannot_be_dated_in_the_future(environment: Environment) -> None:
    inspection = await environment.inspection()
    response = await environment.post(
        f"/inspections/{inspection['id']}/completion",
        {"carried_out_on": "2999-01-01", "version": 1},
    )
    assert field_of(problem(response, 422, "validation-error")) == "carried_out_on"


async def test_only_the_environment_department_of_the_province_inspects(
    environment: Environment,
) -> None:
    facility_id = await environment.facility()
    body = plan(facility_id)
    trade = environment.auth(agency="so-cong-thuong")
    problem(await environment.post("/inspections", body, trade), 403, "forbidden")
    ha_noi = environment.auth(province=HA_NOI)
    problem(await environment.post("/inspections", body, ha_noi), 403, "forbidden")
    inspection = await environment.inspection(facility_id)
    assert (await environment.get(f"/inspections/{inspection['id']}", trade)).status_code == 200
    ministry = environment.auth(agency="bo-cong-thuong", province=None, roles=("viewer",))
    assert (await environment.get(f"/inspections/{inspection['id']}", ministry)).status_code == 200
    outsider = environment.auth(agency="so-cong-thuong", province=HA_NOI)
    problem(await environment.get(f"/inspections/{inspection['id']}", outsider), 403, "forbidden")


async def test_a_retried_schedule_with_its_key_changes_nothing(environment: Environment) -> None:
    facility_id = await environment.facility()
    body = plan(facility_id)
    headers = {**environment.auth(), "Idempotency-Key": "lich-kiem-tra-0001"}
    first = await environment.post("/inspections", body, headers)
    again = await environment.post("/inspections", body, headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await environment.outbox_types() == ["InspectionScheduled"]


async def test_inspections_list_latest_first_and_filter_by_dates(environment: Environment) -> None:
    facility_id = await environment.facility()
    for day in ("2024-01-10", "2024-03-10", "2024-05-10"):
        await environment.inspection(facility_id, scheduled_on=day)
    page = await environment.ok("GET", "/inspections?limit=2&from=2024-02-01")
    assert [i["scheduled_on"] for i in page["items"]] == ["2024-05-10", "2024-03-10"]
    assert page["next_cursor"] is None
    first = await environment.ok("GET", "/inspections?limit=2")
    rest = await environment.ok("GET", f"/inspections?limit=2&cursor={first['next_cursor']}")
    assert [i["scheduled_on"] for i in rest["items"]] == ["2024-01-10"]


async def test_an_enterprise_token_reads_and_schedules_no_inspection(
    environment: Environment,
) -> None:
    facility_id = await environment.facility()
    enterprise = environment.auth(agency="doanh-nghiep", tax_code="0100109106")
    problem(await environment.get("/inspections", headers=enterprise), 403, "forbidden")
    scheduled = await environment.post("/inspections", plan(facility_id), headers=enterprise)
    problem(scheduled, 403, "forbidden")
