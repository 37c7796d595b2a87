"""The verify page's template escapes every value it prints, in text and in attributes."""

import markupsafe

from metrology_svc.stamps.pages import _render

HOSTILE = "<script>alert(\"x\")</script> & 'q'"


def test_every_printed_value_is_escaped_as_markupsafe_would() -> None:
    body = {
        "state": "valid",
        "title": HOSTILE,
        "advice": HOSTILE,
        "reason": HOSTILE,
        "stamp": {
            "serial": HOSTILE,
            "seal_number": HOSTILE,
            "verified_on": "2026-11-02",
            "valid_until": "2028-11-02",
        },
        "instrument": {
            "manufacturer": HOSTILE,
            "model": HOSTILE,
            "serial": HOSTILE,
            "site": HOSTILE,
            "owner_trade_name": HOSTILE,
        },
        "type_name": HOSTILE,
    }
    html = bytes(_render(body, lang="vi", code='"><img src=x>').body).decode()
    assert "<script>" not in html
    assert "<img" not in html
    assert html.count(str(markupsafe.escape(HOSTILE))) == 12  # title twice, then each field
    assert 'href="/v/%22%3E%3Cimg%20src%3Dx%3E?lang=en"' in html
    assert "02/11/2028" in html


def test_missing_values_print_a_dash_and_no_stamp_prints_no_cards() -> None:
    bare = {"state": "malformed", "title": "t", "advice": "a", "reason": None}
    html = bytes(
        _render({**bare, "stamp": None, "instrument": None}, lang="en", code="X").body
    ).decode()
    assert 'id="stamp"' not in html
    assert 'id="reason"' not in html
    assert '<html lang="en">' in html


def test_a_stored_name_cannot_reverse_or_hide_what_the_public_page_shows() -> None:
    body = {
        "state": "valid",
        "title": "Tem còn hiệu lực",
        "advice": "",
        "reason": None,
        "stamp": {
            "serial": "SN\u202e321",
            "seal_number": "",
            "verified_on": "2026-11-02",
            "valid_until": "2028-11-02",
        },
        "instrument": {
            "manufacturer": "Nhơn\u200b Hòa",
            "model": "",
            "serial": "SN\u202e321",
            "site": "Chợ\u2066 Kỳ Anh\u2069",
            "owner_trade_name": "Sạp\u200f Hoa",
        },
        "type_name": "Cân đồng hồ lò xo",
    }
    html = bytes(_render(body, lang="vi", code="AAAA").body).decode()
    assert not any(c in html for c in "\u202e\u200b\u2066\u2069\u200f")
    assert "SN321" in html
    assert "Chợ Kỳ Anh" in html
    assert "Sạp Hoa" in html
