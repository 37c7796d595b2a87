"""Vietnamese everywhere: no page in Vietnamese shows a stored code, an enum value or an ISO date.

Every staff page reachable from the dashboard is crawled in Vietnamese over a world with a
history of every common kind (registered, edited, verified twice, a stamp superseded and one
revoked, scans through the page and the API, a suspension, a notice with a delivery), and its
visible text (text nodes, titles, placeholders, labels for screen readers) is searched.
"""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from metrology_svc.auth.models import User
from metrology_svc.instrument_types.service import read_types
from metrology_svc.notices.models import NoticeKind
from metrology_svc.notices.service import enqueue
from metrology_svc.web.labels import LABELS
from tests.factories import World, dispenser
from tests.metrology_svc.inspections.support import finding, open_inspection, sync
from tests.metrology_svc.stamps.support import API, check, freeze, new_scale, stamps_of, verify
from tests.metrology_svc.web.conftest import login

SKIP = ("/web/logout", ".pdf", ".xlsx", ".csv", ".png", ".svg", "/export", "/download", "/feed")
VISIBLE_ATTRS = ("title", "placeholder", "aria-label", "alt")
ISO_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")


class _Visible(HTMLParser):
    """Collect a page's visible text and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        found = dict(attrs)
        self.text += [found[a] or "" for a in VISIBLE_ATTRS if a in found]
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _raw_codes() -> list[str]:
    """Return the codes a Vietnamese page must not show (those no Vietnamese label contains)."""
    vi_text = " ".join(vi for table in LABELS.values() for vi, _en in table.values())
    codes = {code for kind, table in LABELS.items() if kind != "unit" for code in table}
    codes |= {t.code for t in read_types()}
    return sorted(c for c in codes if len(c) > 2 and c not in vi_text)


def _world_with_history(client: TestClient, db: Session, world: World) -> tuple[int, int]:
    admin = world.auth("admin")
    freeze(client, date(2026, 11, 22))
    iid = new_scale(client, world, serial="LX-VI-1")
    res = client.patch(f"{API}/instruments/{iid}", json={"model": "NHS-30"}, headers=admin)
    assert res.status_code == 200, res.text
    verify(client, world, iid, on="2026-01-02")
    verification = verify(client, world, iid, on="2026-11-02")["id"]
    newest = stamps_of(client, world, iid)[0]
    check(client, newest["code"])  # a scan through the API
    assert client.get(f"/v/{newest['code']}").status_code == 200  # and one through the page
    body = {"reason": "broken_seal"}
    res = client.post(f"{API}/stamps/{newest['id']}/revoke", json=body, headers=admin)
    assert res.status_code == 200, res.text
    body = {"action": "suspend", "reason": "khiếu nại của người mua"}
    res = client.post(f"{API}/instruments/{iid}/status", json=body, headers=admin)
    assert res.status_code == 200, res.text
    inspection = open_inspection(client, world)["id"]
    sync(client, world, inspection, [finding("broken_seal", instrument_id=iid)])
    pump = client.post(f"{API}/instruments", json=dispenser(world), headers=admin).json()["id"]
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    enqueue(
        db, kind=NoticeKind.OVERDUE_RECALL, instrument_id=pump, due_date=date(2026, 11, 1), now=now
    )
    db.commit()
    return iid, verification


def _crawl(client: TestClient, start: list[str], limit: int = 60) -> dict[str, _Visible]:
    seen: dict[str, _Visible] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or any(s in url for s in SKIP):
            continue
        res = client.get(url)
        assert res.status_code == 200, (url, res.status_code)
        page = _Visible()
        page.feed(res.text)
        seen[url] = page
        for href in page.links:
            target = urldefrag(urljoin(url, href))[0]
            parts = urlparse(target)
            if parts.path.startswith("/web/") and "lang=en" not in parts.query:
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                if path not in seen and path not in queue:
                    queue.append(path)
    return seen


def test_no_raw_code_or_iso_date_on_any_vietnamese_page(
    client: TestClient, db: Session, world: World
) -> None:
    iid, verification = _world_with_history(client, db, world)
    # the test users are called "Test admin": a name, not a code
    db.exec(update(User).where(col(User.email) == "admin@tdc.example.vn").values(name="Lê Văn An"))
    db.commit()
    login(client, db, "admin")
    start = [
        "/web/",
        f"/web/instruments/{iid}",
        f"/web/instruments/{iid}/edit",
        f"/web/verifications/{verification}",
        "/web/notices",
        "/web/control-log",
        "/web/?view=districts",
    ]
    pages = _crawl(client, start)
    assert f"/web/instruments/{iid}" in pages
    assert "/web/notices" in pages
    # the field page (/web/inspections/{id}) has its own test; its office page is here
    assert any(re.fullmatch(r"/web/inspections/\d+/procedure", url) for url in pages), list(pages)
    codes = _raw_codes()
    assert {"scale_spring_dial", "superseded", "valid", "email", "letter"} <= set(codes)
    found: list[str] = []
    for url, page in pages.items():
        text = " ".join(" ".join(page.text).split())
        found += [f"{url}: {m.group(0)}" for m in ISO_DATE.finditer(text)]
        for code in codes:
            if re.search(rf"(?<![\w/.-]){re.escape(code)}(?![\w/-])", text):
                found.append(f"{url}: {code}")
        found += [f"{url}: {c}:" for c in ("email", "letter", "webhook", "mqtt") if f"{c}:" in text]
        first = text.find("MPE")  # said in full the first time
        if first >= 0 and not text[: first + 4].endswith("Sai số lớn nhất cho phép (MPE)"):
            found.append(f"{url}: MPE first used as {text[max(first - 30, 0) : first + 4]!r}")
    assert not found, "\n".join(found)


def test_the_instrument_page_reads_as_sentences(
    client: TestClient, db: Session, world: World
) -> None:
    iid, verification = _world_with_history(client, db, world)
    login(client, db, "viewer")
    page = _Visible()
    page.feed(client.get(f"/web/instruments/{iid}").text)
    text = " ".join(" ".join(page.text).split())
    assert "Kiểm định ngày 02/11/2026: Đạt" in text
    assert "Thu hồi tem" in text
    assert "Niêm phong (kẹp chì) bị hỏng" in text
    assert "Trạng thái từ" in text
    assert "sang Đình chỉ" in text
    assert "Kiểu từ NHS-15 thành NHS-30" in text
    assert "Hỏng dấu niêm phong, kẹp chì" in text  # the inspection's finding
    assert "Số sản xuất LX-VI-1, loại Cân đồng hồ lò xo." in text
    # scans: Vietnam's clock, dd/mm/yyyy, through what, and what the scanner was told
    assert re.search(r"Quét lúc \d\d:\d\d ngày \d\d/\d\d/\d{4} qua trang tra cứu: ", text), text
    assert "qua ứng dụng (API)" in text
    english = _Visible()
    english.feed(client.get(f"/web/instruments/{iid}?lang=en").text)
    text_en = " ".join(" ".join(english.text).split())
    assert "Verified on 02/11/2026: Pass" in text_en
    assert "Spring dial scale" in text_en
    login(client, db, "admin")
    for url in (f"/web/verifications/{verification}", f"/web/instruments/{iid}/verify"):
        for lang, full in (("vi", "Sai số lớn nhất cho phép (MPE)"), ("en", "error (MPE)")):
            res = client.get(url, params={"lang": lang})
            assert res.status_code == 200, url
            shown = _Visible()
            shown.feed(res.text)
            said = " ".join(" ".join(shown.text).split())
            assert said.index(full) + len(full) - 4 == said.index("MPE"), (url, lang)
