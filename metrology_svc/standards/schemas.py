"""API shapes for reference standards."""

from datetime import datetime

from metrology_svc.standards.models import StandardBase


class StandardPublic(StandardBase):
    """A reference standard as the API returns it."""

    id: int
    created_at: datetime
