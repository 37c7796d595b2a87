"""The /api/v1 router: every domain package's router in one place."""

from fastapi import APIRouter

from metrology_svc.auth.router import router as users_router
from metrology_svc.instrument_types.router import router as types_router
from metrology_svc.instruments.router import router as instruments_router
from metrology_svc.owners.router import router as owners_router
from metrology_svc.sites.router import router as sites_router
from metrology_svc.standards.router import router as standards_router
from metrology_svc.units.router import router as units_router
from metrology_svc.verifications.router import router as verifications_router

api_router = APIRouter()
for _router in (
    units_router,
    sites_router,
    owners_router,
    types_router,
    instruments_router,
    verifications_router,
    standards_router,
    users_router,
):
    api_router.include_router(_router)
