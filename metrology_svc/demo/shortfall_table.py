"""The demo's binding shortfall table: demo data, loaded the way an office loads its own.

No binding legal table for a retail re-weighing ships (Circular 09/2017 Table 2 was not
retrieved; R 87 binds no one), so without one the demo would show no seller short and no
inspection request. The demo therefore loads, through the rulebook's own load path (checked and
audited), a table marked binding whose source says plainly that it is demo data, not a legal
text; its numbers are R 87's. It takes effect a week into the demo month, so the first week's
checks stay indications (chênh lệch, tham khảo) and the rest are judged under it.
"""

from datetime import date, datetime, timedelta

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.demo.traffic import VIETNAM
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.schemas import RuleTableCreate
from metrology_svc.rulebook.service import load_table
from metrology_svc.rulebook.shipped import shipped_rulebook

CODE = "shortfall"
SOURCE = (
    "Bảng mẫu cho dữ liệu thử nghiệm, KHÔNG phải văn bản pháp luật / demo table, not a legal "
    "text (số liệu của OIML R 87 / the numbers of OIML R 87)"
)
INDICATION_DAYS = 7  # the demo month's first days, judged under the shipped reference table


def effective_from(*, start: datetime) -> date:
    """Return the day the demo table takes effect: a week after the month's first local day."""
    return start.astimezone(VIETNAM).date() + timedelta(days=INDICATION_DAYS)


def load_demo_table(session: Session, admin: Principal, *, start: datetime) -> RuleTable:
    """Load the binding demo table, in force a week into the month; no commit."""
    day = effective_from(start=start)
    # The numbers of the reference table in force the day before: the demo changes who is
    # bound, not how much may be missing.
    reference = shipped_rulebook().in_force(CODE, day - timedelta(days=1))
    data = RuleTableCreate(
        code=CODE,
        effective_from=day,
        status="unverified",  # transcribed by no one: demo numbers
        binding=True,
        source=SOURCE,
        rows=[dict(row) for row in reference.rows],
    )
    table = load_table(session, actor=admin, data=data)
    table.loaded_at = start  # the office loaded it as the month began, before it took effect
    return table
