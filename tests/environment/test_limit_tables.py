"""Limit tables through the API: the shipped regulations, and who may add one."""

from __future__ import annotations

from typing import Any

from tests.apis import field_of, problem
from tests.environment.factory import Environment


def table(**overrides: Any) -> dict[str, Any]:
    return {
        "regulation": "QCĐP 01:2026/SL",
        "title": "Quy chuẩn kỹ thuật địa phương về nước thải công nghiệp tỉnh Sơn La",
        "effective_from": "2026-01-01",
        "description": "Ví dụ kiểm thử",
        "province_code": "14",
        "columns": [{"code": "B", "description": "Nguồn tiếp nhận sông Nậm La"}],
        "limits": [
            {
                "parameter": "cod",
                "column": "B",
                "unit": "mg/L",
                "max": "100",
                "factors_apply": False,
            },
            {
                "parameter": "ph",
                "column": "B",
                "unit": "-",
                "max": "9",
                "min": "6",
                "factors_apply": False,
            },
        ],
        **overrides,
    }


async def test_both_national_regulations_ship_with_the_service(environment: Environment) -> None:
    listed = await environment.ok("GET", "/limit-tables")
    assert [t["regulation"] for t in listed["items"]] == [
        "QCVN 40:2025/BTNMT",
        "QCVN 40:2011/BTNMT",
    ]
    old = await environment.ok("GET", "/limit-tables/qcvn-40-2011-btnmt")
    cod_b = next(lim for lim in old["limits"] if (lim["parameter"], lim["column"]) == ("cod", "B"))
    assert (cod_b["max"], cod_b["unit"], cod_b["factors_apply"]) == ("150", "mg/L", True)
    assert (old["effective_to"], old["existing_until"]) == ("2025-08-31", "2031-12-31")
    in_force = await environment.ok("GET", "/limit-tables?in_force_on=2024-01-01")
    assert [t["id"] for t in in_force["items"]] == ["qcvn-40-2011-btnmt"]


async def test_a_province_sets_its_own_table_and_samples_there_follow_it(
    environment: Environment,
) -> None:
    created = await environment.ok("POST", "/limit-tables", table(), environment.approver, 201)
    assert created["province_code"] == "14"
    inspection = await environment.inspection(scheduled_on="2026-02-02")
    measured = await environment.measured(
        inspection,
        {
            "parameter": "cod",
            "value": "120",
            "unit": "mg/L",
            "sampled_on": "2026-02-02",
            "discharge_point": "Cống 1",
            "column": "B",
        },
    )
    (judged,) = measured["samples"]
    assert (judged["regulation"], judged["exceedance_ratio"]) == ("QCĐP 01:2026/SL", "1.20")


async def test_an_overlapping_table_of_the_same_place_is_409(environment: Environment) -> None:
    await environment.ok("POST", "/limit-tables", table(), environment.approver, 201)
    again = await environment.post(
        "/limit-tables", table(effective_from="2026-06-01"), environment.approver
    )
    problem(again, 409, "overlapping-limit-tables")


async def test_only_approvers_set_tables_and_only_nationally_a_national_one(
    environment: Environment,
) -> None:
    problem(await environment.post("/limit-tables", table()), 403, "forbidden")
    national = table(province_code=None, kind="test_national", effective_from="2030-01-01")
    problem(
        await environment.post("/limit-tables", national, environment.approver), 403, "forbidden"
    )
    ministry = environment.auth(agency="bo-cong-thuong", province=None, roles=("approver",))
    created = await environment.ok("POST", "/limit-tables", national, ministry, 201)
    assert created["province_code"] is None


async def test_a_limit_without_bounds_is_422_naming_it(environment: Environment) -> None:
    bad = table(limits=[{"parameter": "cod", "column": "B", "unit": "mg/L"}])
    response = await environment.post("/limit-tables", bad, environment.approver)
    assert "limits" in field_of(problem(response, 422, "validation-error"))
    unknown_column = table(limits=[{"parameter": "cod", "column": "Z", "unit": "mg/L", "max": "1"}])
    response = await environment.post("/limit-tables", unknown_column, environment.approver)
    assert field_of(problem(response, 422, "validation-error")) == "limits"


async def test_a_table_that_ends_before_it_starts_is_422_saying_so(
    environment: Environment,
) -> None:
    bad = table(effective_from="2026-01-01", effective_to="2025-01-01")
    response = await environment.post("/limit-tables", bad, environment.approver)
    assert "effective_to" in problem(response, 422, "validation-error")["detail"]
