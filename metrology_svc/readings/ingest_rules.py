"""The rules the ingest judges by: the rulebook (reloaded when a table is loaded) and thresholds."""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from metrology_svc.readings import rules
from metrology_svc.readings.check_queries import rulebook_marker
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, Ruled, RuleRef
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.settings import Settings


def binds(ref: RuleRef) -> bool:
    """Tell whether a shortfall table makes a check evidence: binding and loaded (has an id)."""
    # A table without an id was never stored, so no office loaded it: it binds no one.
    return ref.binding and ref.table_id is not None


@dataclass(frozen=True, slots=True)
class IngestRules:
    """The rulebook and thresholds the ingest applies (the rulebook reloaded when it changes)."""

    rulebook: Rulebook
    suspect_shortfalls: int
    suspect_window_days: int
    dead_letter_max_bytes: int
    # The rule tables stored when the rulebook was read (None: not read from the database).
    marker: tuple[int, int] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        rulebook: Rulebook | None = None,
        marker: tuple[int, int] | None = None,
    ) -> "IngestRules":
        """Take the thresholds from the settings; the rules from the rulebook (default: shipped)."""
        return cls(
            rulebook=rulebook or shipped_rulebook(),
            suspect_shortfalls=settings.suspect_shortfalls,
            suspect_window_days=settings.suspect_window_days,
            dead_letter_max_bytes=settings.dead_letter_max_bytes,
            marker=marker,
        )

    @classmethod
    def from_database(cls, session: Session, settings: Settings) -> "IngestRules":
        """Take the thresholds from the settings and the rulebook as stored now."""
        marker = rulebook_marker(session)  # first: a table loaded meanwhile shows up next time
        return cls.from_settings(settings, rulebook=load_rulebook(session), marker=marker)

    def refreshed(self, session: Session) -> "IngestRules | None":
        """Return the rules with the rulebook read again if a table was loaded since, else None."""
        if self.marker is None:
            return None
        marker = rulebook_marker(session)
        if marker == self.marker:
            return None
        return replace(self, rulebook=load_rulebook(session), marker=marker)

    def selfcheck_mpe(
        self, *, e_g: float | None, accuracy_class: str | None, load: Decimal, on: datetime
    ) -> Ruled[Decimal] | None:
        """Return the in-service MPE of a control scale at a load, or None when none applies."""
        if not e_g or not accuracy_class:
            return None
        try:
            return self.rulebook.scale_mpe(
                on=on.date(),
                accuracy_class=accuracy_class,
                e=Decimal(str(e_g)),
                load=load,
                in_service=True,
            )
        except NoRuleError:
            return None

    def shortfall_bands(self, *, on: datetime) -> Ruled[tuple[rules.ShortfallBand, ...]] | None:
        """Return the permitted-shortfall bands in force on the day, or None when none is."""
        try:
            return self.rulebook.shortfall_bands(on=on.date())
        except NoRuleError:
            return None
