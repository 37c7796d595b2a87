"""A newcomer's first hour, for real: a new virtual environment built from the lock files only,
the project installed into it as a package (not from the source tree), `metrology-svc serve
--demo` on a free port, and a real Chromium that follows `/` to the login page, logs in with a
password the demo printed, and finds control-scale figures on the dashboard, a market page and
the yearly report.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import SCREENSHOTS, launch_chromium
from tests.mqtt_broker import free_port

REPO = Path(__file__).resolve().parents[1]
LOGIN = re.compile(r"^  (?P<key>[a-z_]+)\s+(?P<email>\S+@\S+)\s+(?P<password>\S+)", re.M)


@dataclass(frozen=True)
class Served:
    """The demo service as a newcomer starts it, and what it printed."""

    base: str
    logins: dict[str, tuple[str, str]]  # key -> (e-mail, password)
    output: str


def _run(*argv: str | Path, cwd: Path) -> None:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}: {done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a new virtual environment from the locks and install the project as a package."""
    root = tmp_path_factory.mktemp("fresh")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=root)
    pip = (venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check")
    locks = ("-r", REPO / "requirements-build.txt", "-r", REPO / "requirements.txt")
    _run(*pip, "install", "--quiet", "--require-hashes", "--no-deps", *locks, cwd=root)
    _run(*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", REPO, cwd=root)
    _run(*pip, "check", cwd=root)
    return venv


def _clean_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METROLOGY_")}
    # No broker on port 1: serve keeps serving and the ingest retries in the background.
    return env | {"METROLOGY_DATA_DIR": str(data), "METROLOGY_MQTT_URL": "mqtt://127.0.0.1:1"}


def _wait_ready(base: str, proc: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "serve --demo did not answer within 120 s"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def served(fresh_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Run `metrology-svc serve --demo` from the fresh environment, outside the source tree."""
    root = tmp_path_factory.mktemp("office")
    port = free_port()
    log = root / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(fresh_venv / "bin" / "metrology-svc"), "serve", "--demo", "--port", str(port)],
            cwd=root,
            env=_clean_env(root / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log)
        output = log.read_text()
        logins = {m["key"]: (m["email"], m["password"]) for m in LOGIN.finditer(output)}
        yield Served(base=base, logins=logins, output=output)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_demo_prints_a_login_for_each_role_and_the_admin_token(served: Served) -> None:
    keys = set(served.logins)
    assert {"admin", "inspector_province", "inspector_commune", "viewer", "owner"} <= keys
    assert re.search(r"^  mtk_\S{20,}$", served.output, re.M), "no admin API token printed"
    passwords = [password for _email, password in served.logins.values()]
    assert len(set(passwords)) == len(passwords), "each account gets its own password"


def _number(page: Any, selector: str) -> int:
    text = page.locator(selector).first.inner_text()
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"{selector}: {text!r}"
    return int(digits)


def test_a_newcomer_logs_in_and_every_page_has_control_scale_figures(served: Served) -> None:
    email, password = served.logins["admin"]
    year = (date.today() - timedelta(days=3)).year
    with launch_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 360, "height": 800})
        page.goto(f"{served.base}/")
        assert page.url.startswith(f"{served.base}/web/login"), page.url
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served.base}/web/")
        page.screenshot(path=str(SCREENSHOTS / "fresh-dashboard-360.png"), full_page=True)
        scales = page.locator("#h-scales")
        assert _number(page, "#h-scales .badge.online") + _number(page, "#h-scales .badge.offline")
        assert _number(page, "#h-scales .badge.offline") >= 1, scales.inner_text()  # the silent one
        # Shortfalls (under the demo's binding table) and deviations (under R 87) apart, each
        # check naming its rule.
        shortfalls = page.locator("#shortfalls td.rule")
        assert shortfalls.count() >= 1
        assert "Bảng mẫu cho dữ liệu thử nghiệm" in shortfalls.first.inner_text()  # demo data
        assert "Lượng thiếu cho phép" in (shortfalls.first.get_attribute("title") or "")
        assert "OIML R 87" in page.locator("#deviations td.rule").first.inner_text()
        market = page.locator("a[href^='/web/markets/']").first
        market.click()
        page.wait_for_url(re.compile(r".*/web/markets/\d+$"))
        page.screenshot(path=str(SCREENSHOTS / "fresh-market-360.png"), full_page=True)
        checks = page.locator("#sellers tbody tr td.n").first
        assert int(re.sub(r"[^\d]", "", checks.inner_text()) or 0) > 0, "no consumer checks"
        assert page.locator("#devices tbody tr a").count() >= 1
        rules = page.locator("#rules").inner_text()
        assert "OIML R 87" in rules, rules  # the first week: indications only
        assert "KHÔNG phải văn bản pháp luật" in rules, rules  # the demo's binding table
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(f"{served.base}/web/reports/yearly?unit_code=42&year={year}")
        page.screenshot(path=str(SCREENSHOTS / "fresh-report-1366.png"), full_page=True)
        assert _number(page, "#consumer-checks") > 0
        assert _number(page, "#shortfalls") > 0
