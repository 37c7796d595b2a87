"""Queries on measurement checks, and the inspection and instrument a check names."""

from sqlmodel import Session, col, select

from metrology_svc.inspections.models import Inspection
from metrology_svc.instrument_types.models import InstrumentType, TypeCategory
from metrology_svc.instruments.models import Instrument
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit


class MeasurementCheckRepository:
    """Reads and writes measurement checks."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_inspection(self, inspection_id: int) -> list[MeasurementCheck]:
        """Return the checks of an inspection in the order they were recorded."""
        stmt = (
            select(MeasurementCheck)
            .where(MeasurementCheck.inspection_id == inspection_id)
            .order_by(col(MeasurementCheck.id))
        )
        return list(self.session.exec(stmt))

    def by_client_uuid(self, client_uuid: str) -> MeasurementCheck | None:
        """Return the check a phone sent with this UUID, if stored."""
        stmt = select(MeasurementCheck).where(MeasurementCheck.client_uuid == client_uuid)
        return self.session.exec(stmt).first()

    def add(self, check: MeasurementCheck) -> MeasurementCheck:
        """Stage a check and flush it so it gets its id."""
        self.session.add(check)
        self.session.flush()
        return check

    def inspection_place(self, inspection_id: int) -> tuple[Inspection, AdminUnit] | None:
        """Return an inspection with its site's unit (whose path scopes who may write)."""
        stmt = (
            select(Inspection, AdminUnit)
            .join(Site, col(Site.id) == Inspection.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(Inspection.id == inspection_id)
        )
        row = self.session.exec(stmt).first()
        return None if row is None else (row[0], row[1])

    def instrument(self, instrument_id: int) -> tuple[Instrument, TypeCategory] | None:
        """Return an instrument with its type's category."""
        stmt = (
            select(Instrument, InstrumentType.category)
            .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
            .where(Instrument.id == instrument_id)
        )
        row = self.session.exec(stmt).first()
        return None if row is None else (row[0], TypeCategory(row[1]))
