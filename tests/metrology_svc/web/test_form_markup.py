"""Forms phones understand: every input's attributes are real attributes with the right values.

The field macro once wrote its extra attributes as an escaped string, so `inputmode="decimal"`
reached the browser as an attribute named `inputmode` with the value `"decimal"` (quotes and
all) and placeholders read `"ĐLVN`. Each form is rendered and parsed here as a browser would.
"""

from datetime import date
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.auth.credentials import set_password
from metrology_svc.web.render import environment
from tests.factories import World
from tests.metrology_svc.control_logs.support import make_boards
from tests.metrology_svc.inspection_plans.support import create_plan
from tests.metrology_svc.inspections.support import open_inspection
from tests.metrology_svc.stamps.support import freeze, new_scale
from tests.metrology_svc.web.conftest import PASSWORD, csrf_of, login

Attrs = dict[str, str | None]


class _Inputs(HTMLParser):
    """Collect every input's attributes (by id) and every element's text by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[Attrs] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))
        found = dict(attrs).get("id")
        if tag == "span" and found:
            self._open.append(found)
            self.text[found] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for name in self._open:
            self.text[name] += data

    def by_id(self, ident: str) -> Attrs:
        found = [a for a in self.inputs if a.get("id") == ident]
        assert len(found) == 1, f"{ident}: {len(found)} inputs"
        return found[0]


def _parse(html: str) -> _Inputs:
    parsed = _Inputs()
    parsed.feed(html)
    assert parsed.inputs, "no input in the page"
    for attrs in parsed.inputs:  # what escaped attributes turned into
        for name, value in attrs.items():
            assert name.replace("-", "").isalnum(), f"a broken attribute name {name!r}: {attrs}"
            assert not (value or "").startswith(('"', "&")), f"{name}={value!r}: {attrs}"
    return parsed


def _page(client: TestClient, url: str) -> _Inputs:
    res = client.get(url)
    assert res.status_code == 200, (url, res.status_code)
    return _parse(res.text)


def _has(attrs: Attrs, **expected: str) -> None:
    for name, value in expected.items():
        name = name.replace("_", "-")
        assert attrs.get(name) == value, f"{name}: {attrs.get(name)!r} ≠ {value!r} in {attrs}"


def test_the_field_macro_writes_real_escaped_attributes() -> None:
    macro = environment().from_string(
        '{% from "_field.html.j2" import field %}'
        '{{ field("n", "N", value, {"n": "Bắt buộc nhập."}, attrs=attrs, unit="kg") }}'
    )
    html = macro.render(
        value='5" onfocus="alert(1)',
        attrs={
            "inputmode": "decimal",
            "placeholder": 'ĐLVN 30:2019 "x" <b>',
            "required": True,
            "readonly": False,
            "list": None,
            "maxlength": 64,
        },
    )
    parsed = _parse(html)
    attrs = parsed.by_id("f-n")
    assert attrs == {
        "id": "f-n",
        "name": "n",
        "type": "text",
        "value": '5" onfocus="alert(1)',  # a value stays a value
        "inputmode": "decimal",
        "placeholder": 'ĐLVN 30:2019 "x" <b>',
        "required": "required",
        "maxlength": "64",
        "aria-invalid": "true",
        "aria-describedby": "u-n e-n",
    }
    assert parsed.text["u-n"] == "kg"


def test_instrument_forms(client: TestClient, db: Session, world: World) -> None:
    iid = new_scale(client, world)
    login(client, db, "admin")
    for url in ("/web/instruments/new", f"/web/instruments/{iid}/edit"):
        form = _page(client, url)
        for name, unit in (("max_g", "g"), ("e_g", "g"), ("d_g", "g"), ("mmq_l", "L")):
            _has(form.by_id(f"f-{name}"), inputmode="decimal", autocomplete="off")
            _has(form.by_id(f"f-{name}"), aria_describedby=f"u-{name}")
            assert form.text[f"u-{name}"] == unit
        _has(form.by_id("f-qmax_lpm"), inputmode="decimal")
        assert form.text["u-qmax_lpm"] == "L/phút"
        _has(form.by_id("f-manufactured_year"), inputmode="numeric")
        _has(form.by_id("f-nozzles"), inputmode="numeric")
        assert "inputmode" not in form.by_id("f-model")
    new = _page(client, "/web/instruments/new")
    _has(new.by_id("f-serial"), required="required", autocomplete="off")
    assert _page(client, "/web/instruments/new?lang=en").text["u-qmax_lpm"] == "L/min"

    verify = _page(client, f"/web/instruments/{iid}/verify")
    _has(verify.by_id("f-procedure"), placeholder="ĐLVN 30:2019", autocomplete="off")
    _has(verify.by_id("f-verifier"), autocomplete="name")
    _has(verify.by_id("f-certificate_no"), autocomplete="off")
    points = [a for a in verify.inputs if a.get("name") in ("reference", "indicated")]
    assert points
    assert all(a.get("inputmode") == "decimal" for a in points)


def test_login_and_password_forms(client: TestClient, db: Session, world: World) -> None:
    login_form = _page(client, "/web/login")
    _has(login_form.by_id("email"), autocomplete="username", type="email")
    _has(login_form.by_id("password"), autocomplete="current-password")
    login(client, db, "viewer")
    form = _page(client, "/web/password")
    _has(form.by_id("f-current"), autocomplete="current-password", required="required")
    for name in ("password", "confirm"):
        _has(form.by_id(f"f-{name}"), autocomplete="new-password", minlength="10", type="password")


def test_inspection_plan_and_round_forms(client: TestClient, db: Session, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    inspection = open_inspection(client, world)["id"]
    plan = create_plan(client, world)["id"]
    login(client, db, "admin")
    plans = _page(client, "/web/plans")
    _has(plans.by_id("f-year"), inputmode="numeric", min="2000", max="2100", required="required")
    _has(plans.by_id("f-subject"), maxlength="300", autocomplete="off")
    page = _page(client, f"/web/plans/{plan}")
    window = [a for a in page.inputs if a.get("name") == "window_from"]
    assert window
    assert window[0]["min"] == "2027-01-01"
    assert window[0]["max"] == "2027-12-31"
    _has(_page(client, "/web/rounds").by_id("f-capacity"), inputmode="numeric", min="1")
    _has(_page(client, "/web/inspections").by_id("f-inspector"), autocomplete="name")
    office = _page(client, f"/web/inspections/{inspection}/procedure")
    _has(
        office.by_id("f-decided_on"),
        inputmode="numeric",
        placeholder="dd/mm/yyyy",
        pattern="[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}",
        maxlength="10",
        autocomplete="off",
    )
    _has(office.by_id("f-signer_position"), placeholder="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
    _has(office.by_id("f-members.0.certificate_no"), autocapitalize="characters")


def test_control_log_form(client: TestClient, db: Session) -> None:
    boards = make_boards(db)
    db.commit()
    set_password(db, email="bql-a@cho.example.vn", password=PASSWORD)
    db.commit()
    token = csrf_of(client.get("/web/login").text)
    body = {"email": "bql-a@cho.example.vn", "password": PASSWORD, "csrf": token}
    assert client.post("/web/login", data=body).status_code == 200
    form = _page(client, f"/web/control-log/{boards.market.world.market_a}")
    for name in ("declared", "measured"):
        _has(form.by_id(f"f-{name}"), inputmode="decimal", autocomplete="off", required="required")
        assert form.text[f"u-{name}"] == "kg"
    _has(form.by_id("f-goods"), list="goods-list")
