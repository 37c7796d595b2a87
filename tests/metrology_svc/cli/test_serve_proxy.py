"""`metrology-svc api` behind (or without) a proxy, /metrics and file modes, in a real process.

By default nobody's X-Forwarded-For counts, not even 127.0.0.1's: rotating the header from
loopback still runs into the login rate limit. With METROLOGY_FORWARDED_ALLOW_IPS naming
127.0.0.1 the header names the client, and each forwarded address has its own bucket.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from metrology_svc.cli.serve_cmd import uvicorn_options
from metrology_svc.settings import Settings
from tests.metrology_svc.cli.test_serve import running

METRICS_TOKEN = "metrics-" + "k" * 32


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "METROLOGY_DATA_DIR": str(tmp_path),
        "METROLOGY_DATABASE_URL": "",
        "METROLOGY_STAMP_KEY_DIR": str(tmp_path / "keys"),
        "METROLOGY_AUTH_FAILURE_BURST": "3",
        "METROLOGY_AUTH_FAILURE_RATE_PER_S": "0.001",
        "METROLOGY_LOGIN_ACCOUNT_FAILURE_BURST": "100",
        "METROLOGY_METRICS_TOKEN": METRICS_TOKEN,
    } | extra


def _failed_logins(port: int, forwarded_for: list[str]) -> list[int]:
    """Post a wrong password once per X-Forwarded-For value; return the statuses."""
    codes = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for i, address in enumerate(forwarded_for):
            headers = {"X-Forwarded-For": address}
            form = client.get("/web/login", headers=headers).text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            res = client.post(
                "/web/login",
                data={"email": f"u{i}@tdc.example.vn", "password": "sai-mat-khau", "csrf": csrf},
                headers=headers,
            )
            codes.append(res.status_code)
    return codes


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_forwarded_headers_are_ignored_by_default(tmp_path: Path) -> None:
    assert Settings().forwarded_allow_ips == ""
    assert uvicorn_options(Settings())["proxy_headers"] is False
    rotating = [f"203.0.113.{i}" for i in range(1, 6)]
    with running("api", _env(tmp_path), tmp_path / "api.log") as port:
        assert _failed_logins(port, rotating) == [401, 401, 401, 429, 429]
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/metrics", timeout=5).status_code == 401
        scraped = httpx.get(
            f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5
        )
        assert scraped.status_code == 200
        assert "metrology_http_requests_total" in scraped.text
        # What the service made is not for other users: the database, its WAL, the key.
        database = tmp_path / "metrology.db"
        assert _mode(database) == 0o600
        assert _mode(tmp_path / "keys" / "web-session.key") == 0o600
        wal = tmp_path / "metrology.db-wal"
        assert not wal.exists() or _mode(wal) == 0o600


def test_forwarded_headers_count_from_the_proxies_named(tmp_path: Path) -> None:
    env = _env(tmp_path, METROLOGY_FORWARDED_ALLOW_IPS="127.0.0.1")
    options = uvicorn_options(Settings(forwarded_allow_ips="127.0.0.1"))
    assert (options["proxy_headers"], options["forwarded_allow_ips"]) == (True, "127.0.0.1")
    with running("api", env, tmp_path / "api.log") as port:
        assert _failed_logins(port, [f"203.0.113.{i}" for i in range(1, 6)]) == [401] * 5
        # One forwarded client that keeps guessing is throttled on its own address.
        assert _failed_logins(port, ["198.51.100.7"] * 4) == [401, 401, 401, 429]
        assert _failed_logins(port, ["198.51.100.8"]) == [401]


def test_an_old_world_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "metrology.db"
    database.touch()
    database.chmod(0o644)
    env = os.environ | {"METROLOGY_DATA_DIR": str(tmp_path), "METROLOGY_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "metrology_svc", "db", "upgrade"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert _mode(database) == 0o600


def test_the_service_commands_create_letters_and_folders_without_world_access(
    tmp_path: Path,
) -> None:
    # What `serve`, `api`, `ingest` and `scheduler` do first; then a letter as the channel
    # writes it (a folder made on demand, the PDF written with the default mode).
    script = (
        "import sys; from pathlib import Path\n"
        "from metrology_svc.cli.common import restrict_new_files\n"
        "from metrology_svc.notices.channels.send import letters_dir\n"
        "from metrology_svc.settings import Settings\n"
        "restrict_new_files()\n"
        "folder = letters_dir(Settings(data_dir=Path(sys.argv[1])))\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / 'N-1.pdf').write_bytes(b'%PDF-1.4')\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=60)
    assert _mode(tmp_path / "letters") == 0o750
    assert _mode(tmp_path / "letters" / "N-1.pdf") == 0o640
