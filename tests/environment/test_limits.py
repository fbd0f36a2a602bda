"""The limit tables and the judgement of samples: pure rules, no database, no broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.environment.domain import (
    ColumnNotInTable,
    ConditionNotInTable,
    ExceedanceBand,
    FactorMissing,
    FactorNotApplicable,
    FactorOutOfRange,
    Limit,
    LimitColumn,
    LimitTable,
    NoTableInForce,
    OverlappingTables,
    ParameterNotInTable,
    Sample,
    UnitMismatch,
    check_no_overlap,
    exceedance_band,
    judge,
    table_in_force,
)
from services.environment.regulations import QCVN_40_2011, QCVN_40_2025, SHIPPED

D = Decimal
BEFORE_SWITCH = date(2025, 8, 31)


def cod(value: str, **changes: object) -> Sample:
    sample = Sample(
        parameter="cod",
        value=D(value),
        unit="mg/L",
        sampled_on=date(2024, 5, 14),
        discharge_point="Cửa xả số 1",
        column="B",
        kq=D("0.9"),
        kf=D("1.1"),
    )
    return replace(sample, **changes)  # type: ignore[arg-type]


def flow_banded_table() -> LimitTable:
    """A table shaped like a 2025-style regulation: no Kq/Kf, limits per discharge-flow band."""
    return LimitTable(
        id="flow-banded",
        regulation="QCVN 99:2030/BNNMT",
        title="Flow-banded test table",
        effective_from=date(2030, 1, 1),
        effective_to=None,
        description="Made up for tests.",
        columns=[LimitColumn("A", "class A water"), LimitColumn("B", "class B water")],
        limits=[
            Limit("cod", "B", "mg/L", max=D("100"), condition="F < 2000 m3/ngày"),
            Limit("cod", "B", "mg/L", max=D("80"), condition="F ≥ 2000 m3/ngày"),
            Limit("ph", "B", "-", max=D("9"), min=D("6"), factors_apply=False),
        ],
        uses_factors=False,
    )


# -- which table -----------------------------------------------------------------------------


def test_sample_before_1_sep_2025_is_judged_by_qcvn_40_2011() -> None:
    judgement = judge(cod("100", sampled_on=BEFORE_SWITCH), SHIPPED)
    assert judgement.regulation == "QCVN 40:2011/BTNMT"
    assert judgement.table_id == "qcvn-40-2011-btnmt"


def test_sample_from_1_sep_2025_falls_to_qcvn_40_2025_which_ships_without_values() -> None:
    with pytest.raises(ParameterNotInTable) as refused:
        judge(cod("100", sampled_on=date(2025, 9, 1), kq=None, kf=None), SHIPPED)
    assert "QCVN 40:2025/BTNMT" in refused.value.message
    assert refused.value.field == "parameter"


def test_sample_before_qcvn_40_2011_took_effect_has_no_table() -> None:
    with pytest.raises(NoTableInForce) as refused:
        judge(cod("100", sampled_on=date(2012, 2, 14)), SHIPPED)
    assert refused.value.field == "sampled_on"
    assert "2012-02-14" in refused.value.message


def test_qcvn_40_2011_is_in_force_from_15_feb_2012_to_31_aug_2025_inclusive() -> None:
    assert QCVN_40_2011.in_force_on(date(2012, 2, 15))
    assert QCVN_40_2011.in_force_on(BEFORE_SWITCH)
    assert not QCVN_40_2011.in_force_on(date(2025, 9, 1))
    assert table_in_force(SHIPPED, date(2025, 9, 1)) is QCVN_40_2025


def test_two_tables_in_force_on_one_day_are_refused_rather_than_picked() -> None:
    rival = replace(QCVN_40_2025, id="rival", effective_from=date(2025, 1, 1))
    with pytest.raises(OverlappingTables):
        table_in_force([QCVN_40_2011, rival], date(2025, 3, 1))


# -- Cmax and the ratio ----------------------------------------------------------------------


def test_cmax_multiplies_c_by_kq_and_kf() -> None:
    judgement = judge(cod("200"), SHIPPED)
    assert judgement.limit_max == D("148.5")
    assert judgement.factors_applied
    assert judgement.exceeded
    assert judgement.exceedance_ratio == D("1.35")
    assert judgement.band is ExceedanceBand.FROM_1_1_UNDER_1_5


def test_column_a_uses_its_own_c() -> None:
    judgement = judge(cod("60", column="A", kq=D("1"), kf=D("1")), SHIPPED)
    assert judgement.limit_max == D("75")
    assert judgement.exceedance_ratio == D("0.80")
    assert not judgement.exceeded and judgement.band is None


def test_value_at_cmax_is_not_exceeded() -> None:
    judgement = judge(cod("148.5"), SHIPPED)
    assert judgement.exceedance_ratio == D("1.00")
    assert not judgement.exceeded and judgement.band is None


def test_band_is_taken_from_the_unrounded_ratio() -> None:
    judgement = judge(cod("164.94", kq=D("1"), kf=D("1")), SHIPPED)  # 164.94 / 150 = 1.0996
    assert judgement.exceedance_ratio == D("1.10")
    assert judgement.band is ExceedanceBand.UNDER_1_1


def test_ph_is_judged_against_its_range_without_factors() -> None:
    above = judge(cod("9.5", parameter="ph", unit="-"), SHIPPED)
    assert (above.limit_min, above.limit_max) == (D("5.5"), D("9"))
    assert not above.factors_applied
    assert above.exceeded and above.exceedance_ratio == D("1.06")  # 9.5 / 9
    assert above.band is None
    below = judge(cod("5", parameter="ph", unit="-", kq=None, kf=None), SHIPPED)
    assert below.exceeded and below.exceedance_ratio == D("1.09")  # 2 - 5 / 5.5


def test_ph_inside_its_range_is_not_exceeded() -> None:
    judgement = judge(cod("7", parameter="ph", unit="-", column="A"), SHIPPED)
    assert not judgement.exceeded
    assert judgement.exceedance_ratio == D("0.83")  # the nearer bound: 2 - 7 / 6


def test_temperature_is_judged_against_c_whatever_the_factors() -> None:
    judgement = judge(cod("44", parameter="temperature", unit="°C"), SHIPPED)
    assert judgement.limit_max == D("40")
    assert not judgement.factors_applied
    assert judgement.exceedance_ratio == D("1.10")
    assert judgement.band is ExceedanceBand.FROM_1_1_UNDER_1_5


# -- what is refused -------------------------------------------------------------------------


def test_unit_other_than_the_tables_is_refused_naming_the_unit() -> None:
    with pytest.raises(UnitMismatch) as refused:
        judge(cod("200", unit="µg/L"), SHIPPED)
    assert refused.value.field == "unit"
    assert "'mg/L'" in refused.value.message
    assert refused.value.extensions["errors"] == [
        {"field": "unit", "message": refused.value.message}
    ]


def test_unit_differing_only_in_case_and_surrounding_spaces_is_accepted() -> None:
    assert judge(cod("200", unit=" MG/l "), SHIPPED).exceeded


def test_parameter_the_table_lacks_is_refused() -> None:
    with pytest.raises(ParameterNotInTable) as refused:
        judge(cod("3", parameter="bod7"), SHIPPED)
    assert refused.value.field == "parameter"


def test_column_the_table_lacks_is_refused() -> None:
    with pytest.raises(ColumnNotInTable) as refused:
        judge(cod("100", column="C"), SHIPPED)
    assert refused.value.field == "column"
    assert "A, B" in refused.value.message


def test_column_a_of_a_row_that_could_not_be_verified_is_refused() -> None:
    with pytest.raises(ParameterNotInTable):
        judge(cod("100", parameter="chloride", column="A"), SHIPPED)
    assert judge(cod("100", parameter="chloride"), SHIPPED).limit_max == D("990.0")


@pytest.mark.parametrize("missing", ["kq", "kf"])
def test_missing_factor_is_refused_where_factors_apply(missing: str) -> None:
    with pytest.raises(FactorMissing) as refused:
        judge(cod("100", **{missing: None}), SHIPPED)
    assert refused.value.field == missing


def test_factors_may_be_left_out_for_parameters_they_do_not_apply_to() -> None:
    judgement = judge(cod("3000", parameter="coliform", unit="vi khuẩn/100mL", kq=None), SHIPPED)
    assert judgement.limit_max == D("5000") and not judgement.exceeded


@pytest.mark.parametrize(
    ("name", "value"),
    [("kq", "0.59"), ("kq", "1.31"), ("kf", "0.89"), ("kf", "1.21")],
)
def test_factor_outside_what_qcvn_40_2011_allows_is_refused(name: str, value: str) -> None:
    with pytest.raises(FactorOutOfRange) as refused:
        judge(cod("100", **{name: D(value)}), SHIPPED)
    assert refused.value.field == name


def test_factors_at_the_ends_of_their_ranges_are_accepted() -> None:
    assert judge(cod("100", kq=D("0.6"), kf=D("0.9")), SHIPPED).limit_max == D("81")
    assert judge(cod("100", kq=D("1.3"), kf=D("1.2")), SHIPPED).limit_max == D("234")


@pytest.mark.parametrize("name", ["kq", "kf"])
def test_factor_given_to_a_regulation_without_factors_is_refused(name: str) -> None:
    one = D("1")
    sample = cod(
        "90",
        sampled_on=date(2030, 6, 1),
        kq=one if name == "kq" else None,
        kf=one if name == "kf" else None,
        condition="F < 2000 m3/ngày",
    )
    with pytest.raises(FactorNotApplicable) as refused:
        judge(sample, [flow_banded_table()])
    assert refused.value.field == name


def test_a_condition_picks_the_limit_of_its_flow_band() -> None:
    table = [flow_banded_table()]
    sample = cod("90", sampled_on=date(2030, 6, 1), kq=None, kf=None)
    small = judge(replace(sample, condition="F < 2000 m3/ngày"), table)
    large = judge(replace(sample, condition="f ≥ 2000  M3/ngày"), table)
    assert (small.limit_max, small.exceeded) == (D("100"), False)
    assert (large.limit_max, large.exceeded, large.exceedance_ratio) == (D("80"), True, D("1.13"))


def test_sample_naming_no_condition_of_a_banded_limit_is_refused() -> None:
    sample = cod("90", sampled_on=date(2030, 6, 1), kq=None, kf=None)
    with pytest.raises(ConditionNotInTable) as refused:
        judge(sample, [flow_banded_table()])
    assert refused.value.field == "condition"
    assert "F < 2000 m3/ngày" in refused.value.message


# -- overlapping tables ----------------------------------------------------------------------


def test_overlapping_tables_are_refused() -> None:
    early = replace(QCVN_40_2025, id="qcvn-40-2025-early", effective_from=date(2025, 8, 1))
    with pytest.raises(OverlappingTables) as refused:
        check_no_overlap(early, SHIPPED)
    assert refused.value.regulation == "QCVN 40:2011/BTNMT"
    assert "QCVN 40:2011/BTNMT" in refused.value.message


def test_a_table_starting_after_an_open_ended_one_overlaps_it() -> None:
    later = replace(QCVN_40_2025, id="next", effective_from=date(2031, 1, 1))
    with pytest.raises(OverlappingTables) as refused:
        check_no_overlap(later, SHIPPED)
    assert refused.value.table_id == "qcvn-40-2025-btnmt"


def test_successive_tables_and_revisions_under_the_same_id_do_not_overlap() -> None:
    check_no_overlap(QCVN_40_2025, [QCVN_40_2011])
    revised = replace(QCVN_40_2025, description="Checked against the gazette.")
    check_no_overlap(revised, SHIPPED)


def test_tables_of_another_kind_do_not_overlap() -> None:
    domestic = replace(QCVN_40_2025, id="qcvn-14-2025-btnmt", kind="domestic_wastewater")
    check_no_overlap(domestic, SHIPPED)


def test_a_table_setting_one_limit_twice_is_refused() -> None:
    twice = [Limit("cod", "B", "mg/L", max=D("1")), Limit("cod", "B", "mg/L", max=D("2"))]
    with pytest.raises(ValueError, match="set twice"):
        replace(flow_banded_table(), limits=twice)


# -- bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "band"),
    [
        ("0.5", None),
        ("1", None),
        ("1.0001", ExceedanceBand.UNDER_1_1),
        ("1.0999", ExceedanceBand.UNDER_1_1),
        ("1.1", ExceedanceBand.FROM_1_1_UNDER_1_5),
        ("1.4999", ExceedanceBand.FROM_1_1_UNDER_1_5),
        ("1.5", ExceedanceBand.FROM_1_5_UNDER_2),
        ("2", ExceedanceBand.FROM_2_UNDER_3),
        ("2.9999", ExceedanceBand.FROM_2_UNDER_3),
        ("3", ExceedanceBand.FROM_3_UNDER_5),
        ("5", ExceedanceBand.FROM_5_UNDER_10),
        ("9.9999", ExceedanceBand.FROM_5_UNDER_10),
        ("10", ExceedanceBand.FROM_10),
        ("250", ExceedanceBand.FROM_10),
    ],
)
def test_band_starts_at_its_lower_multiple_and_stops_before_the_next(
    ratio: str, band: ExceedanceBand | None
) -> None:
    assert exceedance_band(D(ratio)) is band


# -- the shipped data ------------------------------------------------------------------------


def test_qcvn_40_2011_ships_every_parameter_of_its_table_1() -> None:
    parameters = {limit.parameter for limit in QCVN_40_2011.limits}
    assert len(parameters) == 33
    expected = {("cod", "A"): "75", ("cod", "B"): "150", ("bod5", "A"): "30"}
    expected |= {("bod5", "B"): "50", ("tss", "A"): "50", ("tss", "B"): "100"}
    for (parameter, column), c in expected.items():
        limit = QCVN_40_2011.limit(parameter, column)
        assert limit is not None and limit.max == D(c) and limit.factors_apply
    ph_a, ph_b = QCVN_40_2011.limit("ph", "A"), QCVN_40_2011.limit("ph", "B")
    assert ph_a is not None and (ph_a.min, ph_a.max) == (D("6"), D("9"))
    assert ph_b is not None and (ph_b.min, ph_b.max) == (D("5.5"), D("9"))


def test_qcvn_40_2011_exempts_from_kq_and_kf_exactly_the_parameters_it_names() -> None:
    exempt = {limit.parameter for limit in QCVN_40_2011.limits if not limit.factors_apply}
    assert exempt == {
        "temperature",
        "color",
        "ph",
        "coliform",
        "total_alpha_radioactivity",
        "total_beta_radioactivity",
    }


def test_shipped_tables_do_not_overlap_and_2025_has_no_factors() -> None:
    check_no_overlap(QCVN_40_2011, SHIPPED)
    check_no_overlap(QCVN_40_2025, SHIPPED)
    assert QCVN_40_2011.uses_factors and not QCVN_40_2025.uses_factors
    assert QCVN_40_2025.effective_from == date(2025, 9, 1)
    assert "CHƯA CÓ GIÁ TRỊ" in QCVN_40_2025.description


# -- which table applies ---------------------------------------------------------------------


def _cod(sampled_on: date, unit: str = "mg/L") -> Sample:
    return Sample(
        parameter="cod",
        value=Decimal("200"),
        unit=unit,
        sampled_on=sampled_on,
        discharge_point="DP1",
        column="B",
        kq=Decimal("0.9"),
        kf=Decimal("1.1"),
    )


def test_a_facility_operating_before_sep_2025_is_still_judged_by_qcvn_40_2011() -> None:
    judged = judge(_cod(date(2026, 3, 1)), SHIPPED, operating_since=date(2019, 5, 1))
    assert judged.regulation == "QCVN 40:2011/BTNMT"
    assert judged.limit_max == Decimal("148.5")


def test_the_transition_ends_with_2031() -> None:
    with pytest.raises(ParameterNotInTable):
        judge(_cod(date(2032, 1, 1)), SHIPPED, operating_since=date(2019, 5, 1))


def test_a_facility_opened_after_sep_2025_is_judged_by_qcvn_40_2025() -> None:
    with pytest.raises(ParameterNotInTable, match="QCVN 40:2025"):
        judge(_cod(date(2026, 3, 1)), SHIPPED, operating_since=date(2025, 10, 1))


def test_a_provinces_own_table_applies_in_that_province_only() -> None:
    local = LimitTable(
        id="qcdp-14",
        regulation="QCĐP 01:2024/SL",
        title="local",
        effective_from=date(2024, 1, 1),
        effective_to=None,
        description="a stricter local table",
        columns=[LimitColumn("B", "B")],
        limits=[Limit("cod", "B", "mg/L", max=Decimal("100"))],
        uses_factors=False,
        province_code="14",
    )
    tables = [*SHIPPED, local]
    sample = Sample("cod", Decimal("120"), "mg/L", date(2024, 6, 1), "DP1", "B")
    judged_here = judge(sample, tables, province_code="14")
    assert (judged_here.regulation, judged_here.exceedance_ratio) == (
        "QCĐP 01:2024/SL",
        Decimal("1.20"),
    )
    with pytest.raises(FactorMissing):
        judge(sample, tables, province_code="01")  # national QCVN 40:2011 needs Kq and Kf


def test_coliform_counted_as_mpn_is_the_regulations_unit() -> None:
    sample = Sample(
        "coliform",
        Decimal("6000"),
        "MPN/100mL",
        date(2024, 6, 1),
        "DP1",
        "B",
        kq=Decimal(1),
        kf=Decimal(1),
    )
    judged = judge(sample, SHIPPED)
    assert judged.exceeded and judged.exceedance_ratio == Decimal("1.20")
