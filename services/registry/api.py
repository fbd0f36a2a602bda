"""The registry's routes: parse the request, run one handler, return its view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.registry import handlers as h
from services.registry import schemas as s
from shared.commands import Read
from shared.routes import Records
from shared.schemas import ProvinceQuery, RecordId

router = APIRouter(prefix="/api/v1", tags=["registry"])

clusters = Records(router, "/clusters", "cluster_id", s.ClusterView)
clusters.create(h.plan_cluster, s.PlanCluster, summary="Plan a cluster (quy hoạch)")
clusters.listing(h.list_clusters, s.ClusterQuery, summary="List clusters; `q` ignores accents")
clusters.one(h.get_cluster, summary="One cluster; its ETag is its version")
clusters.command(
    "establishment",
    h.establish_cluster,
    s.EstablishCluster,
    summary="Establish a cluster (approver)",
)
clusters.command(
    "construction",
    h.record_construction,
    s.RecordConstruction,
    summary="Record infrastructure investment",
)
clusters.command(
    "infrastructure",
    h.report_infrastructure,
    s.ReportInfrastructure,
    summary="Report the treatment plant, solid-waste collection and fire safety (PCCC)",
)
clusters.command(
    "operation", h.start_operation, s.StartOperation, summary="Open the cluster to tenants"
)
clusters.command(
    "expansion", h.expand_cluster, s.ExpandCluster, summary="Expand the cluster (approver)"
)
clusters.command(
    "removal",
    h.remove_cluster,
    s.RemoveCluster,
    summary="Remove a cluster from the plan (approver; not once operating)",
)

tenancies = Records(router, "/clusters/{cluster_id}/tenancies", "tenancy_id", s.TenancyView)
tenancies.create(
    h.start_tenancy,
    s.StartTenancy,
    summary="Lease industrial land to a facility of the province",
)


@router.get("/clusters/{cluster_id}/tenancies", summary="A cluster's tenancies")
async def list_tenancies(
    cluster_id: RecordId, read: Read, active: bool = True
) -> list[s.TenancyView]:
    return await read(h.list_tenancies, cluster_id=cluster_id, active=active)


tenancies.one(h.get_tenancy, summary="One tenancy")
tenancies.command(
    "end", h.end_tenancy, s.EndTenancy, summary="End a tenancy; its land is free again"
)

dossiers = Records(router, "/dossiers", "dossier_id", s.DossierView)
dossiers.create(
    h.open_dossier,
    s.OpenDossier,
    summary="Open a cluster's establishment or expansion procedure (Decree 32/2024, Art. 10)",
)
dossiers.listing(
    h.list_dossiers, s.DossierQuery, summary="List procedure dossiers; `overdue=true` for late"
)
dossiers.one(h.get_dossier, summary="One dossier: each step's due day, and whether it is late")
dossiers.command(
    "call-for-investors",
    h.announce_call,
    s.AnnounceCall,
    summary="The call for investors was announced (its 15 days start)",
)
dossiers.command(
    "receipt",
    h.receive_dossier,
    s.ReceiveDossier,
    summary="Sở Công Thương received the full dossier (its 25-day appraisal starts)",
)
dossiers.command(
    "appraisal",
    h.appraise_dossier,
    s.AppraiseDossier,
    summary="The appraisal report went to the provincial People's Committee",
)
dossiers.command(
    "decision",
    h.decide_dossier,
    s.DecideDossier,
    summary="The provincial People's Committee decided (approver)",
)

placements = Records(router, "/placement-applications", "placement_id", s.PlacementView)
placements.create(
    h.apply_for_placement,
    s.ApplyForPlacement,
    summary="Apply for land in a cluster: a facility of the province, or a new enterprise",
)
placements.listing(
    h.list_placements,
    s.PlacementQuery,
    summary="Waiting applications ranked by the province's criteria; closed ones latest first",
)
placements.one(h.get_placement, summary="One application: its rank in the queue, and why")
placements.command(
    "approval",
    h.approve_placement,
    s.ApprovePlacement,
    summary="Approve and allocate the land in one step (approver; 409 if the cluster cannot)",
)
placements.command(
    "rejection", h.reject_placement, s.RejectPlacement, summary="Reject, with the reason"
)
placements.command(
    "withdrawal", h.withdraw_placement, s.WithdrawPlacement, summary="The applicant withdrew"
)

criteria = Records(router, "/placement-criteria", "province_code", s.CriteriaView)
criteria.one(
    h.get_criteria, summary="The criteria that rank a province's applications (00: default)"
)
criteria.command(
    "approval",
    h.approve_criteria,
    s.SetCriteria,
    summary="Record the criteria the province approved (Sở KH&ĐT approver; 00: the Ministry)",
)

reports = Records(
    router, "/clusters/{cluster_id}/period-reports", "facility_id", s.PeriodReportView
)
reports.create(
    h.file_period_report,
    s.FilePeriodReport,
    summary="File tenants' half-year or annual figures (a tenant's new row corrects its last)",
)


@router.get(
    "/clusters/{cluster_id}/period-reports",
    summary="A cluster's report for a period: each tenant's current row (an enterprise: its own)",
)
async def get_period_report(
    cluster_id: RecordId, query: Annotated[s.PeriodQuery, Query()], read: Read
) -> s.PeriodReportView:
    return await read(h.get_period_report, cluster_id=cluster_id, query=query)


@router.get(
    "/clusters/{cluster_id}/period-reports/{facility_id}/revisions",
    summary="Every revision of one tenant's row for the period, the first first",
)
async def list_report_revisions(
    cluster_id: RecordId,
    facility_id: RecordId,
    query: Annotated[s.PeriodQuery, Query()],
    read: Read,
) -> list[s.ReportRowView]:
    return await read(
        h.list_report_revisions, cluster_id=cluster_id, facility_id=facility_id, query=query
    )


@router.get(
    "/reporting-compliance",
    summary="Which tenants of which clusters filed the period's report on time, late, or not",
)
async def reporting_compliance(
    query: Annotated[s.ComplianceQuery, Query()], read: Read
) -> s.ComplianceView:
    return await read(h.reporting_compliance, query=query)


statistics = Records(
    router, "/provinces/{province_code}/statistics", "statistics_id", s.StatisticsView
)
statistics.create(
    h.record_statistics,
    s.RecordStatistics,
    summary="Record the statistics office's small-industry output of a province or district",
)
statistics.listing(
    h.list_statistics,
    s.StatisticsQuery,
    summary="A province's output figures, each with its clusters' share",
)

enterprises = Records(router, "/enterprises", "enterprise_id", s.EnterpriseView)
enterprises.create(
    h.register_enterprise,
    s.RegisterEnterprise,
    summary="Register an enterprise, cooperative or household business",
)
enterprises.listing(h.list_enterprises, s.EnterpriseQuery, summary="List enterprises")
enterprises.one(h.get_enterprise, summary="One enterprise")

facilities = Records(router, "/facilities", "facility_id", s.FacilityView)
facilities.create(
    h.register_facility,
    s.RegisterFacility,
    summary="Register a facility (in a residential area until it leases land)",
)
facilities.listing(h.list_facilities, s.FacilityQuery, summary="List facilities")
facilities.one(h.get_facility, summary="One facility; its ETag is its version")
facilities.command(
    "relocation",
    h.relocate_facility,
    s.RelocateFacility,
    summary="Move a facility from a residential area into a cluster (di dời)",
    status_code=201,
    answers=s.RelocationView,
)


@router.get(
    "/relocation-candidates",
    summary="Facilities classified as polluting, most urgent first, and whether moved",
)
async def list_relocation_candidates(
    query: Annotated[ProvinceQuery, Query()], read: Read
) -> list[s.RelocationCandidateView]:
    return await read(h.list_relocation_candidates, province_code=query.province_code)
