"""The registry across the reform: sites registered under the old communes, instruments and
their verifications, each record made under the unit its site was in on its date.

The caller owns the unit of work; nothing here commits.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.demo.plan import DemoPlan
from metrology_svc.demo.reform import Units
from metrology_svc.demo.traffic import VIETNAM
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import change_status, create_instrument
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.sites.schemas import SiteCreate
from metrology_svc.sites.service import create_site
from metrology_svc.stamps.repository import StampRepository
from metrology_svc.verifications.models import Verification
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.verifications.service import record_verification

ProgressFn = Callable[[int, int], None]
VERIFIED_AT = time(9)  # local time an office records a verification on its date


def register_sites(
    session: Session, admin: Principal, plan: DemoPlan, units: Units
) -> dict[str, int]:
    """Register every site in its 2004 commune, with its address of then, years ago."""
    first_records: dict[str, date] = {}
    for item in plan.instruments:
        for record in item.history[:1]:
            seen = first_records.get(item.site, record.verified_on)
            first_records[item.site] = min(seen, record.verified_on)
    ids: dict[str, int] = {}
    for site in plan.sites:
        place, unit = site.place, units.registered(site.place)
        data = SiteCreate(
            kind=site.kind,
            name=place.name,
            address=units.old_address(place),
            latitude=place.lat,
            longitude=place.lon,
            unit_code=f"{unit.scheme}:{unit.code}",
        )
        ids[place.name] = created = create_site(session, admin, data).id
        row = session.get(Site, created)
        if row is not None:  # registered before its first verification, or a year before 2025
            since = first_records.get(place.name, plan.reform_on - timedelta(days=365))
            row.created_at = datetime.combine(since - timedelta(days=30), VERIFIED_AT, VIETNAM)
    return ids


@dataclass(frozen=True)
class Recorder:
    """Records through the real services as the office's admin, on the demo's today."""

    session: Session
    admin: Principal
    settings: Settings
    today: date

    def verifications(
        self, instrument_id: int, records: Sequence[VerificationCreate], *, unit_id: int | None
    ) -> None:
        """Record verifications made under one unit (the site's then), and their stamps."""
        session, done = self.session, set()
        for record in records:
            made = record_verification(
                session,
                self.admin,
                instrument_id,
                record,
                settings=self.settings,
                today=self.today,
            )
            # Recorded on the day of the verification, not when the demo is loaded: a control
            # scale's trust after a failed self-check returns only with a later verification.
            row = session.get(Verification, made.id)
            if row is not None:
                row.created_at = datetime.combine(record.verified_on, VERIFIED_AT, VIETNAM)
                row.unit_id = unit_id
                done.add(made.id)
        if done:
            for stamp in StampRepository(session).for_instrument(instrument_id):
                if stamp.verification_id in done:
                    stamp.unit_id = unit_id


def create_instruments(
    rec: Recorder,
    plan: DemoPlan,
    *,
    ids: tuple[Mapping[str, int | None], Sequence[int | None]],
    units: Mapping[str, int | None],
    progress: ProgressFn | None,
) -> list[int]:
    """Create the instruments and record their verifications dated before the reform.

    `units` maps a site's name to the unit its records are made under (its 2004 commune).
    """
    site_ids, owner_ids = ids
    created: list[int] = []
    for done, item in enumerate(plan.instruments, 1):
        data = InstrumentCreate.model_validate(
            {**item.fields, "site_id": site_ids[item.site], "owner_id": owner_ids[item.owner]}
        )
        instrument = create_instrument(rec.session, rec.admin, data)
        assert instrument.id is not None
        created.append(instrument.id)
        before = [r for r in item.history if r.verified_on < plan.reform_on]
        rec.verifications(instrument.id, before, unit_id=units[item.site])
        if progress is not None:
            progress(done, len(plan.instruments))
    return created


def after_reform(
    rec: Recorder,
    plan: DemoPlan,
    *,
    instrument_ids: Sequence[int],
    units: Mapping[str, int | None],
) -> None:
    """Record the verifications dated from the reform on, then the final status changes."""
    for instrument_id, item in zip(instrument_ids, plan.instruments, strict=True):
        since = [r for r in item.history if r.verified_on >= plan.reform_on]
        rec.verifications(instrument_id, since, unit_id=units[item.site])
        if item.action is not None:
            change_status(
                rec.session,
                rec.admin,
                instrument_id,
                item.action,
                today=rec.today,
                due_soon_days=rec.settings.due_soon_days,
            )


def control_scales(plan: DemoPlan, instrument_ids: Sequence[int]) -> dict[str, int]:
    """Return each market's control scale: site name → instrument id."""
    return {
        item.site: instrument_id
        for instrument_id, item in zip(instrument_ids, plan.instruments, strict=True)
        if item.fields["role"] is InstrumentRole.CONTROL
    }
