"""Login, logout, CSRF, cookies, redirects and the language switch."""

from typing import Literal, overload

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, select

from metrology_svc.app import create_app
from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import User
from metrology_svc.settings import Settings
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


def test_after_logout_the_old_cookie_opens_only_the_login_page(
    client: TestClient, db: Session, world: World
) -> None:
    token = login(client, db, "viewer")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen
    res = client.post("/web/logout", data={"csrf": token}, follow_redirects=False)
    assert res.status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, stolen)  # a copy of the cookie, replayed
    page = client.get("/web/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/web/login")


def test_a_new_password_ends_sessions_in_other_browsers(
    engine: Engine, connection: Connection, settings: Settings, db: Session, world: World
) -> None:
    phone, office = _browser(engine, connection, settings), _browser(engine, connection, settings)
    with phone, office:
        login(phone, db, "inspector_a")  # each login sets the same password anew
        _log_in(office, "inspector_a@tdc.example.vn", PASSWORD)
        assert phone.get("/web/", follow_redirects=False).status_code == 200
        assert office.get("/web/", follow_redirects=False).status_code == 200
        set_password(db, email="inspector_a@tdc.example.vn", password="mua-thu-ha-noi-2026")
        db.commit()
        assert phone.get("/web/", follow_redirects=False).status_code == 303
        assert office.get("/web/", follow_redirects=False).status_code == 303
        assert _log_in(office, "inspector_a@tdc.example.vn", "mua-thu-ha-noi-2026") == 303


def test_logins_are_throttled_per_account_whatever_the_address(
    engine: Engine, connection: Connection, settings: Settings, db: Session, world: World
) -> None:
    set_password(db, email="admin@tdc.example.vn", password=PASSWORD)
    set_password(db, email="viewer@tdc.example.vn", password=PASSWORD)
    db.commit()
    limits = {"login_account_failure_burst": 3, "auth_failure_burst": 100}
    with _browser(engine, connection, settings, **limits) as client:
        codes = [_log_in(client, "admin@tdc.example.vn", f"sai-mat-khau-{i}") for i in range(3)]
        # The right password waits too: the guesser may have found it.
        right = _log_in(client, "ADMIN@tdc.example.vn", PASSWORD, keep=True)
        other = _log_in(client, "viewer@tdc.example.vn", PASSWORD)
        api = client.get("/api/v1/users/me", headers=world.auth("admin"))
    assert codes == [401, 401, 401]
    assert right.status_code == 429
    assert "thử lại sau" in right.text
    assert int(right.headers["Retry-After"]) >= 1
    assert SESSION_COOKIE not in right.cookies
    assert other == 303  # another account from the same address logs in
    assert api.status_code == 200  # and the account's API token is not held back


def test_the_throttle_message_is_english_when_asked(
    engine: Engine, connection: Connection, settings: Settings, db: Session, world: World
) -> None:
    with _browser(engine, connection, settings, login_account_failure_burst=1) as client:
        _log_in(client, "nobody@tdc.example.vn", "sai-mat-khau-1")
        res = _log_in(client, "nobody@tdc.example.vn", "sai-mat-khau-2", keep=True, lang="en")
    assert res.status_code == 429  # unknown e-mails count the same: nothing is revealed
    assert "Too many wrong passwords for this account" in res.text


def _browser(
    engine: Engine, connection: Connection, settings: Settings, **limits: float
) -> TestClient:
    app = create_app(
        settings=settings.model_copy(update=limits),
        engine=engine,
        session_factory=lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
    )
    return TestClient(app, raise_server_exceptions=False)


@overload
def _log_in(client: TestClient, email: str, password: str) -> int: ...
@overload
def _log_in(
    client: TestClient, email: str, password: str, *, keep: Literal[True], lang: str = ...
) -> Response: ...
def _log_in(
    client: TestClient, email: str, password: str, *, keep: bool = False, lang: str = "vi"
) -> int | Response:
    token = csrf_of(client.get(f"/web/login?lang={lang}").text)
    res = client.post(
        f"/web/login?lang={lang}",
        data={"email": email, "password": password, "csrf": token},
        follow_redirects=False,
    )
    return res if keep else int(res.status_code)


def test_changing_ones_password_keeps_this_browser_and_ends_the_others(
    engine: Engine, connection: Connection, settings: Settings, db: Session, world: World
) -> None:
    phone, office = _browser(engine, connection, settings), _browser(engine, connection, settings)
    with phone, office:
        login(phone, db, "inspector_a")
        assert _log_in(office, "inspector_a@tdc.example.vn", PASSWORD) == 303
        form = office.get("/web/password")
        assert form.status_code == 200
        assert "Đổi mật khẩu" in form.text
        token = csrf_of(form.text)

        def change(current: str, new: str, confirm: str | None = None) -> Response:
            data = {"csrf": token, "current": current, "password": new}
            data["confirm"] = new if confirm is None else confirm
            res: Response = office.post("/web/password", data=data, follow_redirects=False)
            return res

        wrong = change("khong-phai-mat-khau", "mua-thu-ha-noi-2026")
        assert wrong.status_code == 422
        assert "Mật khẩu hiện tại không đúng." in wrong.text
        common = change(PASSWORD, "password1234")
        assert common.status_code == 422
        assert "10.000 mật khẩu phổ biến nhất" in common.text
        repeated = change(PASSWORD, "abcabcabcabc")
        assert "lặp lại" in repeated.text
        differ = change(PASSWORD, "mua-thu-ha-noi-2026", "mua-thu-ha-noi-2027")
        assert "không khớp" in differ.text
        assert phone.get("/web/", follow_redirects=False).status_code == 200  # nothing changed
        done = change(PASSWORD, "mua-thu-ha-noi-2026")
        assert done.status_code == 303
        assert done.headers["location"] == "/web/password?done=1"
        shown = office.get("/web/password?done=1")
        assert "Đã đổi mật khẩu" in shown.text
        assert office.get("/web/", follow_redirects=False).status_code == 200  # this browser
        assert phone.get("/web/", follow_redirects=False).status_code == 303  # the other
        assert _log_in(phone, "inspector_a@tdc.example.vn", PASSWORD) == 401
        assert _log_in(phone, "inspector_a@tdc.example.vn", "mua-thu-ha-noi-2026") == 303


def test_the_password_page_needs_a_session_and_its_token(
    client: TestClient, db: Session, world: World
) -> None:
    assert client.get("/web/password", follow_redirects=False).status_code == 303
    login(client, db, "viewer")
    data = {
        "current": PASSWORD,
        "password": "mua-thu-ha-noi-2026",
        "confirm": "mua-thu-ha-noi-2026",
    }
    assert client.post("/web/password", data=data, follow_redirects=False).status_code == 403
    en = client.get("/web/password?lang=en")
    assert "Change password" in en.text
    assert "every other device out" in en.text
