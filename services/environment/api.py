"""The environment service's routes: parse the request, run one handler, return its view."""

from __future__ import annotations

from fastapi import APIRouter

from services.environment import handlers as h
from services.environment import schemas as s
from shared.routes import Records

router = APIRouter(prefix="/api/v1", tags=["environment"])

limit_tables = Records(router, "/limit-tables", "limit_table_id", s.LimitTableView)
limit_tables.create(
    h.add_limit_table,
    s.NewLimitTable,
    summary="Add a regulation's limit table (approver; national, or a province's own)",
)
limit_tables.listing(
    h.list_limit_tables, s.LimitTableQuery, summary="Limit tables, the newest first"
)
limit_tables.one(h.get_limit_table, summary="One limit table with every limit")

inspections = Records(router, "/inspections", "inspection_id", s.InspectionView)
inspections.create(
    h.schedule_inspection, s.ScheduleInspection, summary="Schedule an inspection of a facility"
)
inspections.listing(
    h.list_inspections, s.InspectionQuery, summary="Inspections, the latest scheduled first"
)
inspections.one(h.get_inspection, summary="One inspection with its judged samples")
inspections.command(
    "measurements",
    h.record_measurements,
    s.RecordMeasurements,
    summary="Record samples, each judged by the limit table in force on its date",
)
inspections.command(
    "completion",
    h.complete_inspection,
    s.CompleteInspection,
    summary="Close the inspection; exceedances and findings become violations",
)

violations = Records(router, "/violations", "violation_id", s.ViolationView)
violations.listing(
    h.list_violations, s.ViolationQuery, summary="Violations, the earliest deadline first"
)
violations.one(h.get_violation, summary="One violation")
violations.command(
    "remediation", h.remediate_violation, s.RemediateViolation, summary="Record its remedy"
)
violations.command("escalation", h.escalate_violation, s.EscalateViolation, summary="Escalate it")

facilities = Records(router, "/facilities", "facility_id", s.FacilityView)
facilities.listing(
    h.list_facilities,
    s.FacilityQuery,
    summary="Facilities the registry has published, with their standing here",
    view=s.FacilitySummaryView,
)
facilities.one(
    h.get_facility, summary="A facility's compliance record: inspections, violations, standing"
)
facilities.command(
    "classification",
    h.classify_facility,
    s.ClassifyFacility,
    summary="Classify the facility as polluting (approver)",
)
facilities.command(
    "declassification",
    h.declassify_facility,
    s.DeclassifyFacility,
    summary="Lift its classification: it leaves the relocation list (approver)",
)

pollution_rules = Records(router, "/pollution-rules", "province_code", s.PollutionRulesView)
pollution_rules.one(
    h.get_pollution_rules,
    summary="A province's classification rule and remediation times (or the defaults)",
)
pollution_rules.command(
    "revision",
    h.change_pollution_rules,
    s.ChangePollutionRules,
    summary="Set the province's own rule (approver); later inspections follow it",
)
