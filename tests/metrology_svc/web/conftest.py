"""Helpers for the web page tests: passwords for the world's users, a logged-in TestClient."""

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from metrology_svc.auth.credentials import set_password

PASSWORD = "mat-khau-du-dai-1"


def csrf_of(html: str) -> str:
    """Return the first CSRF token in a page."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, db: Session, role: str) -> str:
    """Give the world's user of this role a password, log in through the form; return a token."""
    set_password(db, email=f"{role}@tdc.example.vn", password=PASSWORD)
    db.commit()
    client.cookies.clear()
    token = csrf_of(client.get("/web/login").text)
    res = client.post(
        "/web/login",
        data={"email": f"{role}@tdc.example.vn", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
    return csrf_of(client.get("/web/").text)


def page_token(res: Response) -> str:
    """Return the CSRF token of a rendered page."""
    return csrf_of(res.text)
