"""Fixtures of the control-scale log tests."""

import pytest
from sqlmodel import Session

from tests.metrology_svc.control_logs.support import Boards, make_boards


@pytest.fixture
def boards(db: Session) -> Boards:
    """Market A with its control scale, A-12's scale, and the boards of markets A and B."""
    found = make_boards(db)
    db.commit()
    return found
