"""Import every table module so SQLModel.metadata is complete (Alembic and tests use it)."""

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.credentials import UserCredential
from metrology_svc.auth.models import AccountMessage, ApiToken, OwnerUser, User, UserSite, UserUnit
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.documents.models import DocumentCounter, DocumentEntry
from metrology_svc.inspection_plans.models import (
    InspectionPlan,
    InspectionPlanTarget,
    InspectionPlanUnit,
)
from metrology_svc.inspections.models import (
    Inspection,
    InspectionDecision,
    InspectionFinding,
    InspectionMeasure,
    InspectionMember,
)
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.notices.models import Notice, NoticeDelivery, NoticePreference
from metrology_svc.owners.models import Owner
from metrology_svc.readings.models import (
    DeadLetter,
    Device,
    InspectionRequest,
    Reading,
    SelfCheck,
    Seller,
)
from metrology_svc.rehoming.models import RehomeCase
from metrology_svc.reports.models import ReportText
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.sites.models import Site, SiteMove
from metrology_svc.stamps.models import Stamp, StampFlag, StampScan
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.units.models import AdminUnit, UnitScheme, UnitSuccession
from metrology_svc.verifications.models import (
    Verification,
    VerificationPoint,
    VerificationStandard,
)
from schedules.models import OfficeDayOff

__all__ = [
    "AccountMessage",
    "AdminUnit",
    "ApiToken",
    "AuditRecord",
    "ControlLogEntry",
    "DeadLetter",
    "Device",
    "DocumentCounter",
    "DocumentEntry",
    "Inspection",
    "InspectionDecision",
    "InspectionFinding",
    "InspectionMeasure",
    "InspectionMember",
    "InspectionPlan",
    "InspectionPlanTarget",
    "InspectionPlanUnit",
    "InspectionRequest",
    "Instrument",
    "InstrumentEvent",
    "InstrumentType",
    "MeasurementCheck",
    "Notice",
    "NoticeDelivery",
    "NoticePreference",
    "OfficeDayOff",
    "Owner",
    "OwnerUser",
    "Reading",
    "ReferenceStandard",
    "RehomeCase",
    "ReportText",
    "RuleTable",
    "SelfCheck",
    "Seller",
    "Site",
    "SiteMove",
    "Stamp",
    "StampFlag",
    "StampScan",
    "UnitScheme",
    "UnitSuccession",
    "User",
    "UserCredential",
    "UserSite",
    "UserUnit",
    "Verification",
    "VerificationPoint",
    "VerificationStandard",
]
