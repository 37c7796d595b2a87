"""The /api/v1 router: every domain package's router in one place."""

from fastapi import APIRouter

from metrology_svc.audit.router import router as audit_router
from metrology_svc.auth.router import router as users_router
from metrology_svc.control_logs.router import router as control_logs_router
from metrology_svc.imports.router import router as imports_router
from metrology_svc.inspection_papers.router import router as inspection_papers_router
from metrology_svc.inspection_plans.router import router as inspection_plans_router
from metrology_svc.inspections.router import router as inspections_router
from metrology_svc.instrument_types.router import router as types_router
from metrology_svc.instruments.router import router as instruments_router
from metrology_svc.measurement_checks.router import router as measurement_checks_router
from metrology_svc.notices.router import router as notices_router
from metrology_svc.owners.router import router as owners_router
from metrology_svc.readings.router import router as readings_router
from metrology_svc.rehoming.router import router as rehoming_router
from metrology_svc.reports.router import router as reports_router
from metrology_svc.rulebook.router import router as rules_router
from metrology_svc.sites.router import router as sites_router
from metrology_svc.stamps.router import router as stamps_router
from metrology_svc.standards.router import router as standards_router
from metrology_svc.units.router import router as units_router
from metrology_svc.verifications.router import router as verifications_router
from schedules.router import router as rounds_router

api_router = APIRouter()
for _router in (
    stamps_router,  # first: routes match in order and the public stamp check is the busiest
    units_router,
    sites_router,
    rehoming_router,
    owners_router,
    types_router,
    instruments_router,
    imports_router,
    verifications_router,
    standards_router,
    users_router,
    readings_router,
    control_logs_router,
    notices_router,
    rounds_router,
    inspections_router,
    inspection_papers_router,
    measurement_checks_router,
    inspection_plans_router,
    reports_router,
    audit_router,
    rules_router,
):
    api_router.include_router(_router)
