"""Constrained string types shared by API shapes (pydantic checks them on input)."""

from typing import Annotated

from pydantic import StringConstraints

TaxCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}(-[0-9]{3})?$", max_length=14)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 .-]{7,18}$", max_length=20)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
