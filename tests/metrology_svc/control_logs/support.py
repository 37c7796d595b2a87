"""A market with a control scale and two market board accounts (market A's and market B's)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from metrology_svc.auth.models import Role, UserSite
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import create_user
from metrology_svc.control_logs.rules import LineIn
from metrology_svc.control_logs.service import Pending
from metrology_svc.instruments.models import Instrument
from tests.devices.ingest.support import T0, Market, make_market

SET_UP = datetime(2026, 6, 1, tzinfo=UTC)  # the control scale was set up then


@dataclass(frozen=True)
class Boards:
    """The market, and the board accounts of markets A and B (principals and tokens)."""

    market: Market
    board_a: Principal
    board_b: Principal
    token_a: str
    token_b: str


def _board(db: Session, name: str, site_id: int) -> tuple[Principal, str]:
    issued = create_user(
        db,
        name=f"Ban quản lý {name}",
        email=f"bql-{name}@cho.example.vn",
        role=Role.MARKET_BOARD,
        unit_codes=[],
    )
    user_id = issued.user.id or 0
    db.add(UserSite(user_id=user_id, site_id=site_id))
    return Principal(user_id=user_id, name=issued.user.name, role=Role.MARKET_BOARD), issued.token


def make_boards(db: Session) -> Boards:
    """Create the market (control scale set up on SET_UP) and both boards; the caller commits."""
    market = make_market(db)
    scale = db.get(Instrument, market.control_id)
    assert scale is not None
    scale.created_at = SET_UP
    board_a, token_a = _board(db, "a", market.world.market_a)
    board_b, token_b = _board(db, "b", market.world.market_b)
    db.flush()
    return Boards(market, board_a, board_b, token_a, token_b)


def line(
    boards: Boards,
    *,
    declared: str = "1000",
    measured: str = "900",
    seller: str = "A-12",
    at: datetime = T0,
) -> Pending:
    """Return a form line for market A's control scale."""
    return Pending(
        LineIn(
            scale_id=boards.market.control_id,
            measured_at=at,
            seller=seller,
            goods="thịt lợn",
            declared_g=Decimal(declared),
            measured_g=Decimal(measured),
        ),
        "form",
    )
