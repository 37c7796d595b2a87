"""Constrained types shared by API shapes (pydantic checks them on input)."""

from typing import Annotated

from pydantic import AllowInfNan, StringConstraints

TaxCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}(-[0-9]{3})?$", max_length=14)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 .-]{7,18}$", max_length=20)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]

# pydantic's float takes NaN and ±infinity, also as the strings "nan", "inf", "Infinity"; a
# bound such as gt=0 lets +infinity through. Every float a client gives is one of these.
FiniteFloat = Annotated[float, AllowInfNan(False)]
