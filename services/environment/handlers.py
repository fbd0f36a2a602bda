"""One function per environment command and query.

A command loads, locked, the record it changes, authorizes the caller for it, checks the
version it was sent, lets the entities apply the rules, saves them and records their events.
Completing an inspection also reassesses its facility under the province's rule.
"""

from __future__ import annotations

from services.environment import schemas as s
from services.environment.domain import (
    Assessment,
    Classification,
    EnvironmentRules,
    FacilityOnRecord,
    Inspection,
    Limit,
    LimitColumn,
    LimitTable,
    Sample,
    Violation,
    assess,
    check_no_overlap,
    classifying,
    inspecting,
    setting_limits,
)
from services.environment.repository import (
    Classifications,
    Clusters,
    Facilities,
    Inspections,
    LimitTables,
    ProvinceRules,
    Samples,
    Violations,
)
from shared import geo
from shared.commands import UnitOfWork
from shared.domain import check_not_future, new_id, today
from shared.errors import InvalidInput, NotFound
from shared.events import environment as ev
from shared.pagination import Page
from shared.preconditions import Precondition
from shared.principal import NATIONWIDE, Place, Scope, reading

Uow = UnitOfWork[EnvironmentRules]


# -- limit tables ----------------------------------------------------------------------------


def _limit_table(cmd: s.NewLimitTable) -> LimitTable:
    facts = cmd.model_dump(exclude={"columns", "limits", "kq_range", "kf_range"})
    try:
        return LimitTable(
            id=new_id(),
            **facts,
            columns=[LimitColumn(c.code, c.description) for c in cmd.columns],
            limits=[Limit(**lim.model_dump()) for lim in cmd.limits],
            kq_range=(cmd.kq_range.min, cmd.kq_range.max) if cmd.kq_range else None,
            kf_range=(cmd.kf_range.min, cmd.kf_range.max) if cmd.kf_range else None,
        )
    except ValueError as bad:
        raise InvalidInput(str(bad), field="limits") from None


async def add_limit_table(uow: Uow, *, cmd: s.NewLimitTable) -> s.LimitTableView:
    """A regulation's table: national (a national approver) or a province's own."""
    place = Place(cmd.province_code) if cmd.province_code else NATIONWIDE
    uow.authorize(setting_limits(place))
    table = _limit_table(cmd)
    tables = LimitTables(uow.session)
    check_no_overlap(table, await tables.of_kind(table.kind))
    await tables.add(table)
    return s.LimitTableView.of(table)


async def get_limit_table(uow: Uow, *, limit_table_id: str) -> s.LimitTableView:
    return s.LimitTableView.of(await LimitTables(uow.session).get(limit_table_id))


async def list_limit_tables(uow: Uow, *, query: s.LimitTableQuery) -> Page[s.LimitTableView]:
    found, next_cursor = await LimitTables(uow.session).listed(query)
    return Page[s.LimitTableView](
        items=[s.LimitTableView.of(t) for t in found], next_cursor=next_cursor
    )


# -- inspections -----------------------------------------------------------------------------


async def _inspection_view(uow: Uow, inspection: Inspection) -> s.InspectionView:
    samples = await Samples(uow.session).of([inspection.id])
    return s.InspectionView.of(inspection, samples.get(inspection.id, []))


async def _inspecting(uow: Uow, inspection_id: str) -> Inspection:
    inspection = await Inspections(uow.session).lock(inspection_id)
    uow.authorize(inspecting(inspection.place))
    return inspection


async def schedule_inspection(uow: Uow, *, cmd: s.ScheduleInspection) -> s.InspectionView:
    """Of a facility the registry published, or of a cluster's central treatment plant."""
    if cmd.facility_id is not None:
        facility = await Facilities(uow.session).known(cmd.facility_id)
        uow.authorize(inspecting(facility.place))
        inspection, scheduled = Inspection.schedule(facility, cmd)
    else:
        cluster = await Clusters(uow.session).known_or_422(cmd.treatment_plant_of)
        uow.authorize(inspecting(cluster.place))
        inspection, scheduled = Inspection.of_treatment_plant(cluster, cmd)
    await Inspections(uow.session).add(inspection)
    await uow.record(scheduled)
    return s.InspectionView.of(inspection, [])


async def record_measurements(
    uow: Uow,
    *,
    inspection_id: str,
    cmd: s.RecordMeasurements,
    version: Precondition = Precondition(None),
) -> s.InspectionView:
    """Judge each sample by the table that applies to the facility on its sampling date."""
    inspection = await _inspecting(uow, inspection_id)
    version.check_if_sent(inspection.version)
    for i, sample in enumerate(cmd.samples):
        check_not_future(sample.sampled_on, field=f"samples.{i}.sampled_on")
    tables = await LimitTables(uow.session).for_province(inspection.province_code)
    samples = [Sample(**sample.model_dump()) for sample in cmd.samples]
    measured, recorded = inspection.measure(samples, tables)
    for judged in measured:
        await Samples(uow.session).add(judged)
    await Inspections(uow.session).save(inspection)  # a new version: its samples changed
    await uow.record(recorded)
    return await _inspection_view(uow, inspection)


async def complete_inspection(
    uow: Uow, *, inspection_id: str, cmd: s.CompleteInspection, version: Precondition
) -> s.InspectionView:
    """Close the inspection; its violations are recorded and its facility reassessed."""
    inspection = await _inspecting(uow, inspection_id)
    version.check(inspection.version)
    check_not_future(cmd.carried_out_on, field="carried_out_on")
    samples = (await Samples(uow.session).of([inspection.id])).get(inspection.id, [])
    rules, _ = await ProvinceRules(uow.session).of(inspection.province_code, uow.rules)
    violations, events = inspection.complete(cmd, samples, rules)
    await Inspections(uow.session).save(inspection)
    for violation in violations:
        await Violations(uow.session).add(violation)
    await uow.record(*events)
    await _reassess(uow, inspection, rules)
    return s.InspectionView.of(inspection, samples)


async def _reassess(uow: Uow, inspection: Inspection, rules: EnvironmentRules) -> None:
    """Apply the province's rule to the facility's inspections after this one closed (a
    treatment plant is not classified: it is the cluster's, and does not move)."""
    if inspection.facility_id is None:
        return
    facility = await Facilities(uow.session).get(inspection.facility_id)
    standing = await Classifications(uow.session).standing(facility, lock=True)
    history = await Inspections(uow.session).history(facility.id)
    overdue = await Violations(uow.session).overdue_count(facility.id, today())
    assessment = assess(history, overdue, rules, after=standing.declassified_on)
    if assessment is None or inspection.carried_out_on is None:
        return
    classified = standing.classify(
        assessment, on=inspection.carried_out_on, inspection_id=inspection.id
    )
    if classified is not None:
        await Classifications(uow.session).save(standing)
        await uow.record(classified)


async def get_inspection(uow: Uow, *, inspection_id: str) -> s.InspectionView:
    inspection = await Inspections(uow.session).get(inspection_id)
    uow.authorize(reading(inspection.place))
    return await _inspection_view(uow, inspection)


async def list_inspections(uow: Uow, *, query: s.InspectionQuery) -> Page[s.InspectionView]:
    found, next_cursor = await Inspections(uow.session).listed(
        Scope.of(uow.caller, query.province_code), query
    )
    samples = await Samples(uow.session).of([i.id for i in found])
    items = [s.InspectionView.of(i, samples.get(i.id, [])) for i in found]
    return Page[s.InspectionView](items=items, next_cursor=next_cursor)


# -- violations ------------------------------------------------------------------------------


async def _violation_changing(uow: Uow, violation_id: str, version: Precondition) -> Violation:
    violation = await Violations(uow.session).lock(violation_id)
    uow.authorize(inspecting(violation.place))
    version.check(violation.version)
    return violation


async def remediate_violation(
    uow: Uow, *, violation_id: str, cmd: s.RemediateViolation, version: Precondition
) -> s.ViolationView:
    violation = await _violation_changing(uow, violation_id, version)
    check_not_future(cmd.remediated_on, field="remediated_on")
    remediated = violation.remediate(on=cmd.remediated_on, evidence=cmd.evidence)
    await Violations(uow.session).save(violation)
    await uow.record(remediated)
    return s.ViolationView.of(violation, today())


async def escalate_violation(
    uow: Uow, *, violation_id: str, cmd: s.EscalateViolation, version: Precondition
) -> s.ViolationView:
    violation = await _violation_changing(uow, violation_id, version)
    on = cmd.escalated_on or today()
    check_not_future(on, field="escalated_on")
    escalated = violation.escalate(on=on, reason=cmd.reason)
    await Violations(uow.session).save(violation)
    await uow.record(escalated)
    return s.ViolationView.of(violation, today())


async def get_violation(uow: Uow, *, violation_id: str) -> s.ViolationView:
    violation = await Violations(uow.session).get(violation_id)
    uow.authorize(reading(violation.place))
    return s.ViolationView.of(violation, today())


async def list_violations(uow: Uow, *, query: s.ViolationQuery) -> Page[s.ViolationView]:
    scope = Scope.of(uow.caller, query.province_code)
    found, next_cursor = await Violations(uow.session).listed(scope, query, today())
    on = today()
    return Page[s.ViolationView](
        items=[s.ViolationView.of(v, on) for v in found], next_cursor=next_cursor
    )


# -- a province's rules ----------------------------------------------------------------------


def _province(province_code: str) -> Place:
    try:
        return Place(geo.check_province_code(province_code))
    except ValueError:
        raise NotFound(f"no province {province_code}") from None


async def get_pollution_rules(uow: Uow, *, province_code: str) -> s.PollutionRulesView:
    uow.authorize(reading(_province(province_code)))
    rules, version = await ProvinceRules(uow.session).of(province_code, uow.rules)
    return s.PollutionRulesView.of(province_code, rules, version)


async def change_pollution_rules(
    uow: Uow, *, province_code: str, cmd: s.ChangePollutionRules, version: Precondition
) -> s.PollutionRulesView:
    """A province's approver sets its own rule; inspections completed from now follow it."""
    uow.authorize(classifying(_province(province_code)))
    store = ProvinceRules(uow.session)
    _, stored = await store.of(province_code, uow.rules, lock=True)
    version.check(stored or 1)
    rules = EnvironmentRules(**cmd.model_dump(exclude={"version"}))
    return s.PollutionRulesView.of(
        province_code, rules, await store.set(province_code, rules, stored)
    )


# -- facilities and their classification -----------------------------------------------------


async def _facility_view(uow: Uow, facility: FacilityOnRecord) -> s.FacilityView:
    cluster = await Clusters(uow.session).known(facility.cluster_id)
    standing = await Classifications(uow.session).standing(facility)
    inspections = await Inspections(uow.session).of_facility(facility.id)
    samples = await Samples(uow.session).of([i.id for i in inspections])
    on = today()
    return s.FacilityView.of(
        facility,
        cluster,
        standing,
        [s.InspectionView.of(i, samples.get(i.id, [])) for i in inspections],
        [s.ViolationView.of(v, on) for v in await Violations(uow.session).open_of(facility.id)],
    )


async def list_facilities(uow: Uow, *, query: s.FacilityQuery) -> Page[s.FacilitySummaryView]:
    """The facilities the registry has published, with their standing here."""
    scope = Scope.of(uow.caller, query.province_code)
    rows, next_cursor = await Facilities(uow.session).listed(scope, query)
    items = [s.FacilitySummaryView.model_validate(row, from_attributes=True) for row in rows]
    return Page[s.FacilitySummaryView](items=items, next_cursor=next_cursor)


async def get_facility(uow: Uow, *, facility_id: str) -> s.FacilityView:
    facility = await Facilities(uow.session).get(facility_id)
    uow.authorize(reading(facility.place))
    return await _facility_view(uow, facility)


async def _standing(
    uow: Uow, facility_id: str, version: Precondition
) -> tuple[FacilityOnRecord, Classification]:
    """The facility and its standing, locked, for an approver's decision on it."""
    facility = await Facilities(uow.session).get(facility_id)
    uow.authorize(classifying(facility.place))
    standing = await Classifications(uow.session).standing(facility, lock=True)
    version.check(standing.version)
    return facility, standing


async def _decided(
    uow: Uow, facility: FacilityOnRecord, standing: Classification, event: ev.Event
) -> s.FacilityView:
    await Classifications(uow.session).save(standing)
    await uow.record(event)
    return await _facility_view(uow, facility)


async def classify_facility(
    uow: Uow, *, facility_id: str, cmd: s.ClassifyFacility, version: Precondition
) -> s.FacilityView:
    """An approver's classification; the province's rule does not override it."""
    facility, standing = await _standing(uow, facility_id, version)
    check_not_future(cmd.classified_on, field="classified_on")
    decision = Assessment(cmd.severity, cmd.relocation_priority, list(cmd.reasons))
    classified = standing.classify(decision, on=cmd.classified_on, inspection_id=None, by_hand=True)
    assert classified is not None  # a decision by hand is always recorded
    return await _decided(uow, facility, standing, classified)


async def declassify_facility(
    uow: Uow, *, facility_id: str, cmd: s.DeclassifyFacility, version: Precondition
) -> s.FacilityView:
    """An approver lifts the classification: the facility leaves the relocation list."""
    facility, standing = await _standing(uow, facility_id, version)
    check_not_future(cmd.declassified_on, field="declassified_on")
    declassified = standing.declassify(on=cmd.declassified_on, reason=cmd.reason)
    return await _decided(uow, facility, standing, declassified)
