"""Import every table module so SQLModel.metadata is complete (Alembic and tests use it)."""

from metrology_svc.auth.models import ApiToken, User, UserUnit
from metrology_svc.instrument_types.models import InstrumentType, TypeCycle
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.units.models import AdminUnit
from metrology_svc.verifications.models import (
    Verification,
    VerificationPoint,
    VerificationStandard,
)

__all__ = [
    "AdminUnit",
    "ApiToken",
    "Instrument",
    "InstrumentEvent",
    "InstrumentType",
    "Owner",
    "ReferenceStandard",
    "Site",
    "TypeCycle",
    "User",
    "UserUnit",
    "Verification",
    "VerificationPoint",
    "VerificationStandard",
]
