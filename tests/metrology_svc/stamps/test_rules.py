"""Pure rules: token layout, code alphabet and length, serials, states, geometry, privacy."""

from datetime import date

import pytest

from metrology_svc.stamps import qr, rules
from metrology_svc.stamps.rules import State

FIELDS = rules.TokenFields(
    key_id=3, stamp_id=1_000_000, instrument_id=4_000_000, valid_until=date(2028, 11, 2)
)


def test_code_round_trips_and_uses_only_base32_capitals() -> None:
    payload = rules.pack_fields(FIELDS)
    code = rules.encode_code(payload, bytes(range(64)))
    assert len(code) == rules.CODE_LEN == 120
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert "=" not in code
    fields, got_payload, signature = rules.decode_code(code.lower())
    assert (fields, got_payload, signature) == (FIELDS, payload, bytes(range(64)))


@pytest.mark.parametrize("text", ["", "ABC", "A" * 119, "A" * 121, "0" * 120, "a=" * 60])
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(rules.MalformedCode):
        rules.decode_code(text)


def test_valid_until_must_fit_two_bytes_of_days() -> None:
    with pytest.raises(ValueError, match="outside"):
        rules.pack_fields(rules.TokenFields(1, 1, 1, date(1999, 12, 31)))
    assert rules.pack_fields(rules.TokenFields(1, 1, 1, date(2179, 6, 6)))[-2:] == b"\xff\xff"


@pytest.mark.parametrize(
    ("base", "version"),
    [
        ("http://127.0.0.1:8000", 6),
        ("https://kiemdinh.tdc.hatinh.gov.vn", 7),
        ("https://tra-cuu-tem-kiem-dinh.chi-cuc-tdc.ha-tinh.gov.vn:8443", 8),
    ],
)
def test_stamp_url_fits_a_small_alphanumeric_qr(base: str, version: int) -> None:
    url = rules.verify_url(base, "A" * rules.CODE_LEN)
    text = qr.qr_text(url)
    assert text == url.upper()  # uppercase: the whole URL stays in alphanumeric mode
    assert qr.version_for(len(text), alphanumeric=True) == version <= 10


def test_serial_pattern() -> None:
    assert rules.format_serial("{issuer}-{yy}-{seq:06d}", issuer="YB", year=2026, seq=123) == (
        "YB-26-000123"
    )
    assert rules.format_serial("{seq}-{yy} ({issuer})", issuer="YB", year=2026, seq=4302) == (
        "4302-26 (YB)"
    )


@pytest.mark.parametrize(
    ("stamp", "instrument", "until", "expected"),
    [
        ("valid", "in_service", date(2027, 1, 1), (State.VALID, None)),
        ("valid", "due", date(2026, 12, 22), (State.EXPIRING, None)),
        ("valid", "in_service", date(2026, 11, 21), (State.EXPIRED, None)),
        ("revoked", "in_service", date(2027, 1, 1), (State.REVOKED, None)),
        ("superseded", "in_service", date(2027, 1, 1), (State.REVOKED, None)),
        ("valid", "suspended", date(2027, 1, 1), (State.SUSPENDED, "suspended")),
        ("valid", "failed", date(2027, 1, 1), (State.SUSPENDED, "failed")),
        ("valid", "retired", date(2020, 1, 1), (State.SUSPENDED, "retired")),
        ("valid", "not_to_be_used", date(2027, 1, 1), (State.SUSPENDED, "not_to_be_used")),
    ],
)
def test_stamp_state(
    stamp: str, instrument: str, until: date, expected: tuple[State, str | None]
) -> None:
    got = rules.stamp_state(
        stamp_status=stamp,
        instrument_status=instrument,
        valid_until=until,
        today=date(2026, 11, 22),
        expiring_days=30,
    )
    assert got == expected


def test_distance_hanoi_to_ho_chi_minh_city() -> None:
    assert rules.distance_km(21.0285, 105.8542, 10.7769, 106.7009) == pytest.approx(1139, abs=5)
    assert rules.distance_km(18.07, 106.29, 18.07, 106.29) == 0


def test_client_data_stays_coarse() -> None:
    assert rules.coarse_network("203.113.131.7") == "203.113.131.0/24"
    assert rules.coarse_network("2402:800:6314:1a2b::7") == "2402:800:6314::/48"
    assert rules.coarse_network("testclient") == rules.coarse_network(None) == ""
    assert rules.short_user_agent("x" * 500) == "x" * 120
