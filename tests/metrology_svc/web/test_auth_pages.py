"""Login, logout, CSRF, cookies, redirects and the language switch."""

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import User
from metrology_svc.web.session import SESSION_COOKIE
from tests.factories import World
from tests.metrology_svc.web.conftest import PASSWORD, csrf_of, login


def test_a_page_without_a_session_sends_the_browser_to_login(
    client: TestClient, world: World
) -> None:
    res = client.get("/web/instruments?status=due", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/web/login?next=%2Fweb%2Finstruments%3Fstatus%3Ddue"


def test_login_sets_a_signed_httponly_lax_cookie_and_follows_next(
    client: TestClient, db: Session, world: World
) -> None:
    set_password(db, email="viewer@tdc.example.vn", password=PASSWORD)
    db.commit()
    form = client.get("/web/login?next=/web/notices")
    token = csrf_of(form.text)
    res = client.post(
        "/web/login",
        data={
            "email": "VIEWER@tdc.example.vn ",
            "password": PASSWORD,
            "csrf": token,
            "next": "/web/notices",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/web/notices"
    cookie = next(h for h in res.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    page = client.get("/web/")
    assert page.status_code == 200
    assert "Test viewer" in page.text


def test_a_wrong_password_and_an_unknown_email_get_the_same_generic_answer(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "admin")
    client.cookies.clear()
    answers = []
    for email, password in [
        ("admin@tdc.example.vn", "wrong-password-1"),
        ("nobody@tdc.example.vn", PASSWORD),
    ]:
        token = csrf_of(client.get("/web/login").text)
        res = client.post(
            "/web/login",
            data={"email": email, "password": password, "csrf": token},
            follow_redirects=False,
        )
        assert res.status_code == 401
        assert SESSION_COOKIE not in res.cookies
        answers.append(res.text.split('id="login-error">')[1].split("<")[0])
    assert answers[0] == answers[1] == "E-mail hoặc mật khẩu không đúng."


def test_a_disabled_user_cannot_log_in_nor_keep_a_session(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "viewer")
    user = db.exec(select(User).where(User.email == "viewer@tdc.example.vn")).one()
    user.disabled = True
    db.add(user)
    db.commit()
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_login_without_its_csrf_token_is_refused(
    client: TestClient, db: Session, world: World
) -> None:
    set_password(db, email="admin@tdc.example.vn", password=PASSWORD)
    db.commit()
    client.get("/web/login")
    res = client.post(
        "/web/login",
        data={"email": "admin@tdc.example.vn", "password": PASSWORD},
        follow_redirects=False,
    )
    assert res.status_code == 403
    assert SESSION_COOKIE not in res.cookies


def test_a_forged_session_cookie_is_not_a_session(client: TestClient, world: World) -> None:
    client.cookies.set(SESSION_COOKIE, "1.9999999999.abc.0123456789abcdef")
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_logout_needs_the_token_and_ends_the_session(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "viewer")
    assert client.post("/web/logout", data={}, follow_redirects=False).status_code == 403
    res = client.post("/web/logout", data={"csrf": token}, follow_redirects=False)
    assert res.status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site(client: TestClient, db: Session, world: World) -> None:
    set_password(db, email="admin@tdc.example.vn", password=PASSWORD)
    db.commit()
    token = csrf_of(client.get("/web/login").text)
    res = client.post(
        "/web/login",
        data={
            "email": "admin@tdc.example.vn",
            "password": PASSWORD,
            "csrf": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert res.headers["location"] == "/web/"


def test_vietnamese_first_english_one_tap_away_and_remembered(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "admin")
    vi = client.get("/web/")
    assert '<html lang="vi">' in vi.text
    assert "Tổng quan" in vi.text
    assert 'href="/web/?lang=en"' in vi.text
    en = client.get("/web/?lang=en")
    assert '<html lang="en">' in en.text
    assert "Dashboard" in en.text
    assert '<html lang="en">' in client.get("/web/instruments").text  # the cookie remembers


def test_navigation_follows_the_role(client: TestClient, db: Session, world: World) -> None:
    login(client, db, "viewer")
    assert 'href="/web/instruments/new"' not in client.get("/web/").text
    login(client, db, "inspector_a")
    assert 'href="/web/instruments/new"' in client.get("/web/").text


def test_only_staff_roles_get_a_session(client: TestClient, db: Session, world: World) -> None:
    set_password(db, email="viewer@tdc.example.vn", password=PASSWORD)
    db.execute(text("UPDATE app_user SET role = 'owner' WHERE email = 'viewer@tdc.example.vn'"))
    db.commit()
    token = csrf_of(client.get("/web/login").text)
    res = client.post(
        "/web/login",
        data={"email": "viewer@tdc.example.vn", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert res.status_code == 401
    assert SESSION_COOKIE not in res.cookies


def test_setting_a_new_password_logs_the_old_sessions_out(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "inspector_a")
    assert client.get("/web/", follow_redirects=False).status_code == 200
    set_password(db, email="inspector_a@tdc.example.vn", password="mat-khau-moi-hoan-toan")
    db.commit()
    assert client.get("/web/", follow_redirects=False).status_code == 303
