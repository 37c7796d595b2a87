"""The demo's month of control-scale readings, seen through the API and the pages it feeds.

One demo per backend and module, loaded with today's date and the month ending now, so that
the scales' liveness (judged against the real clock) reads as it would after `serve --demo`.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from metrology_svc.app import create_app
from metrology_svc.core.clock import utcnow
from metrology_svc.demo import places
from metrology_svc.demo.loader import DemoLogin, DemoResult, generate
from metrology_svc.demo.plan import DEFAULT_INSTRUMENTS
from metrology_svc.demo.readings_plan import DAYS, FAULTY_MARKET, SILENT_MARKET, readings_end
from metrology_svc.demo.traffic import VIETNAM, device_id_for
from metrology_svc.readings.models import Device, InspectionRequest, Reading, SelfCheck
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from tests.metrology_svc.web.conftest import csrf_of


@dataclass
class Demo:
    """The loaded demo, a client on its transaction, and the moment its month ended."""

    db: Session
    client: TestClient
    result: DemoResult
    now: datetime

    def login(self, key: str) -> DemoLogin:
        """Return the demo account with this key."""
        return next(login for login in self.result.logins if login.key == key)

    def api(self, key: str, path: str) -> Any:
        """GET an API path with the account's token; return the JSON."""
        headers = {"Authorization": f"Bearer {self.result.tokens[key]}"}
        response = self.client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def site_id(self, market: str) -> int:
        """Return the id of a demo market."""
        site = self.db.exec(select(Site).where(Site.name == market)).one()
        assert site.id is not None
        return site.id


def _session_on(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture(scope="module")
def demo(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The default demo loaded today, inside a transaction rolled back after the module."""
    tmp: Path = tmp_path_factory.mktemp("demo-readings")
    settings = Settings(data_dir=tmp, stamp_key_dir=tmp / "keys", stamp_scan_flush_seconds=0)
    conn = engine.connect()
    trans = conn.begin()
    session = _session_on(conn)
    now = utcnow()
    result = generate(
        session,
        settings=settings,
        today=now.date(),
        seed=42,
        instruments=DEFAULT_INSTRUMENTS,
        now=now,
    )
    session.flush()
    app = create_app(settings=settings, engine=engine, session_factory=lambda: _session_on(conn))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Demo(session, client, result, now)
    session.close()
    trans.rollback()
    conn.close()


def _sign_in(demo: Demo, key: str) -> int:
    login = demo.login(key)
    demo.client.cookies.clear()
    token = csrf_of(demo.client.get("/web/login").text)
    form = {"email": login.email, "password": login.password, "csrf": token}
    response = demo.client.post("/web/login", data=form, follow_redirects=False)
    return int(response.status_code)


def _card(html: str, card_id: str) -> str:
    return html.split(f'id="{card_id}"')[1].split("</section>")[0]


def test_staff_sign_in_with_their_passwords_and_the_owner_reads_through_the_api(
    demo: Demo,
) -> None:
    for key in ("admin", "inspector_province", "inspector_commune", "viewer"):
        assert _sign_in(demo, key) == 303, key
    assert _sign_in(demo, "owner") == 401  # owner accounts get no web pages
    mine = demo.api("owner", "/instruments?limit=100")
    assert mine["total"] >= 1
    market = demo.site_id(places.INSPECTOR_MARKET)
    assert {i["site_id"] for i in mine["items"]} == {market}
    assert len({i["owner_id"] for i in mine["items"]}) == 1


def test_dashboard_shows_scales_online_the_silent_one_offline_and_shortfalls(demo: Demo) -> None:
    assert _sign_in(demo, "admin") == 303
    page = demo.client.get("/web/").text
    scales = _card(page, "scales")
    counts = re.findall(r'class="badge (online|offline)">[^<]*?(\d+)</span>', scales)
    assert dict(counts) == {"online": "11", "offline": "1"}
    silent = scales.split(device_id_for(SILENT_MARKET))[1].split("</tr>")[0]
    assert "badge offline" in silent
    shortfalls = _card(page, "shortfalls")
    assert shortfalls.count("<tr>") >= 10
    assert re.search(r'class="n">\d[\d.,]*</td></tr>', shortfalls)


def test_the_commune_inspector_sees_a_short_seller_and_the_request_at_their_market(
    demo: Demo,
) -> None:
    market = demo.site_id(places.INSPECTOR_MARKET)
    sellers = demo.api("inspector_commune", f"/sites/{market}/sellers")
    suspect = sellers[0]
    assert suspect["suspect_since"] is not None
    assert suspect["shortfalls"] >= 3
    assert suspect["instrument_id"] is not None
    assert sum(s["checks"] for s in sellers) > 100
    evidence = demo.api("inspector_commune", f"/sites/{market}/sellers/{suspect['id']}/evidence")
    assert len(evidence["checks"]) == suspect["shortfalls"]
    assert all(c["short"] and c["missing_g"] > 0 and c["trusted"] for c in evidence["checks"])
    requests = demo.api("inspector_commune", f"/sites/{market}/inspection-requests")
    assert [(r["seller_id"], r["status"]) for r in requests] == [(suspect["id"], "open")]
    assert demo.now - datetime.fromisoformat(requests[0]["created_at"]) < timedelta(days=31)
    other = demo.site_id(SILENT_MARKET)
    headers = {"Authorization": f"Bearer {demo.result.tokens['inspector_commune']}"}
    assert demo.client.get(f"/api/v1/sites/{other}/sellers", headers=headers).status_code == 403
    assert _sign_in(demo, "inspector_commune") == 303
    page = demo.client.get(f"/web/markets/{market}").text
    assert suspect["ref"] in _card(page, "sellers")
    assert "badge fail" in _card(page, "sellers")
    assert "badge online" in _card(page, "devices")
    dashboard = _card(demo.client.get("/web/").text, "scales")
    assert device_id_for(places.INSPECTOR_MARKET) in dashboard
    assert device_id_for(SILENT_MARKET) not in dashboard


def test_the_silent_scale_is_reported_offline_since_two_days(demo: Demo) -> None:
    silent = demo.api("admin", f"/sites/{demo.site_id(SILENT_MARKET)}/devices")
    assert len(silent) == 1
    assert silent[0]["offline"] is True
    assert silent[0]["silent_minutes"] > 2 * 24 * 60
    assert silent[0]["last_status"]["errors"] == ["low_battery"]
    alive = demo.api("admin", f"/sites/{demo.site_id(places.INSPECTOR_MARKET)}/devices")
    assert alive[0]["offline"] is False
    assert alive[0]["silent_minutes"] < 15
    history = demo.api("admin", f"/instruments/{silent[0]['instrument_id']}/history")
    assert "device_offline" in {e["kind"] for e in history}


def test_the_drifted_scale_failed_its_self_checks_and_is_untrusted(demo: Demo) -> None:
    faulty = device_id_for(FAULTY_MARKET)
    device = demo.api("admin", f"/sites/{demo.site_id(FAULTY_MARKET)}/devices")[0]
    assert device["id"] == faulty
    assert device["trusted"] is False
    since = datetime.fromisoformat(device["untrusted_since"]).astimezone(VIETNAM).date()
    assert since == demo.now.astimezone(VIETNAM).date() - timedelta(days=3)
    history = demo.api("admin", f"/instruments/{device['instrument_id']}/history")
    assert "selfcheck_failed" in {e["kind"] for e in history}
    failed = demo.db.exec(select(SelfCheck).where(col(SelfCheck.passed).is_(False))).all()
    assert {c.device_id for c in failed} == {faulty}
    assert all(c.mpe_g is not None and abs(c.error_g) > c.mpe_g for c in failed)
    others = demo.db.exec(select(Device).where(Device.id != faulty)).all()
    assert all(d.untrusted_since is None for d in others)


def test_section_three_of_the_yearly_report_has_the_control_scale_figures(demo: Demo) -> None:
    year = (demo.now - timedelta(days=10)).year  # a month straddling New Year: its older part
    report = demo.api("admin", f"/reports/yearly?unit_code=42&year={year}")["control_scales"]
    assert report["stations"] == report["devices"] == len(places.MARKETS)
    assert report["consumer_checks"] > 500
    assert 0 < report["shortfalls"] < report["consumer_checks"] / 5
    assert report["missing_g"] > 0
    assert report["suspect_sellers"] >= 1
    assert report["inspection_requests"] >= 1
    commune = demo.api("inspector_commune", f"/reports/yearly?unit_code=18754&year={year}")
    assert commune["control_scales"]["stations"] == 1
    assert 0 < commune["control_scales"]["consumer_checks"] < report["consumer_checks"]
    assert _sign_in(demo, "inspector_province") == 303
    page = demo.client.get(f"/web/reports/yearly?unit_code=42&year={year}").text
    shown = re.search(r'id="consumer-checks">(\d[\d.]*)<', page)
    assert shown is not None
    assert int(shown.group(1).replace(".", "")) == report["consumer_checks"]


def test_the_counts_match_the_rows_and_the_month_ends_today(demo: Demo) -> None:
    result = demo.result
    readings = demo.db.exec(select(Reading)).all()
    assert len(readings) == result.readings
    assert sum(r.seller_ref is not None for r in readings) == result.consumer_checks
    assert len(demo.db.exec(select(SelfCheck)).all()) == result.selfchecks
    assert result.devices == len(places.MARKETS)
    assert result.inspection_requests == len(demo.db.exec(select(InspectionRequest)).all()) >= 1
    first = min(r.measured_at for r in readings)
    last = max(r.received_at for r in readings)
    assert timedelta(days=29) < demo.now - first <= timedelta(days=30)
    assert demo.now - last < timedelta(hours=24)
    assert last <= demo.now


def test_the_first_week_is_judged_under_r87_and_the_rest_under_the_binding_demo_table(
    demo: Demo,
) -> None:
    table = demo.db.get(RuleTable, demo.result.shortfall_table_id)
    assert table is not None
    assert (table.code, table.binding, table.status, table.origin) == (
        "shortfall", True, "unverified", "loaded"
    )  # fmt: skip
    assert "KHÔNG phải văn bản pháp luật" in table.source
    assert "demo table, not a legal text" in table.source
    # A week after the month's first local day. The month starts at now − 30 days, which may be
    # after the markets closed (then the first reading is the next morning): compare with the
    # month's start, not with the first reading.
    start = readings_end(today=demo.now.date(), now=demo.now) - timedelta(days=DAYS)
    assert table.effective_from == start.astimezone(VIETNAM).date() + timedelta(days=7)
    first = min(r.measured_at for r in demo.db.exec(select(Reading)))
    assert first.astimezone(VIETNAM).date() - start.astimezone(VIETNAM).date() <= timedelta(days=1)
    checks = demo.db.exec(select(Reading).where(col(Reading.seller_ref).is_not(None))).all()
    before = [r for r in checks if r.measured_at.astimezone(VIETNAM).date() < table.effective_from]
    after = [r for r in checks if r.measured_at.astimezone(VIETNAM).date() >= table.effective_from]
    assert before
    assert after
    assert not any(r.short for r in before)  # R 87 binds no one: indications only
    assert sum(r.missing_g is not None and r.missing_g > 0 and r.stable for r in before) >= 3
    assert all(r.shortfall_rule_id == table.id for r in after)
    assert sum(r.short for r in after) >= 10
    # Every request rests on checks judged under the binding table.
    requests = demo.db.exec(select(InspectionRequest)).all()
    evidence = {i for r in requests for i in r.evidence_ids}
    assert {demo.db.get(Reading, i).shortfall_rule_id for i in evidence} == {table.id}  # type: ignore[union-attr]


def test_the_pages_name_the_rules_and_show_deviations_apart(demo: Demo) -> None:
    market = demo.site_id(places.INSPECTOR_MARKET)
    (suspect, *_rest) = demo.api("admin", f"/sites/{market}/sellers")
    url = f"/sites/{market}/sellers/{suspect['id']}/evidence?only_short=false&limit=1000"
    checks = demo.api("admin", url)["checks"]
    figures = {(c["binding"], c["figure_label"]) for c in checks if c["verdict"] != "within"}
    assert (False, "chênh lệch (tham khảo) / deviation (reference only)") in figures
    assert (True, "thiếu / shortfall") in figures
    assert suspect["indications"] >= 1
    assert _sign_in(demo, "admin") == 303
    page = demo.client.get(f"/web/markets/{market}").text
    rules = _card(page, "rules")
    assert "OIML R 87" in rules
    assert "Chỉ tham khảo" in rules
    assert "Bảng mẫu cho dữ liệu thử nghiệm, KHÔNG phải văn bản pháp luật" in rules
    assert "Bắt buộc" in rules
    dashboard = demo.client.get("/web/").text
    assert _card(dashboard, "deviations").count(">OIML R 87 (lượng thiếu, tham khảo)<") >= 1
    shortfalls = _card(dashboard, "shortfalls")
    assert shortfalls.count(">Bảng mẫu cho dữ liệu thử nghiệm</td>") >= 10
    assert shortfalls.count('title="Lượng thiếu cho phép: Bảng mẫu cho dữ liệu thử nghiệm') >= 10
    # Section III counts the binding shortfalls and, apart, the deviations of the first week.
    first_week = (demo.now - timedelta(days=27)).year
    control = demo.api("admin", f"/reports/yearly?unit_code=42&year={first_week}")
    assert control["control_scales"]["indications"] >= 1
