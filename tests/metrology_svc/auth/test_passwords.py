"""The password policy: long enough, not common, not repetitive, not the e-mail."""

import pytest

from metrology_svc.auth.passwords import (
    check_password,
    common_passwords,
    is_common,
    is_repetitive,
)
from metrology_svc.core.errors import Invalid


def test_the_bundled_list_holds_the_10000_most_common_passwords() -> None:
    known = common_passwords()
    assert len(known) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou", "1234567890"} <= known
    assert all(word == word.lower() and not word.startswith("# ") for word in known)


@pytest.mark.parametrize(
    "password",
    ["1234567890", "qwertyuiop", "Password123", "PASSWORD12345", "dragon2026!", "!!iloveyou!!"],
)
def test_common_passwords_and_common_words_with_digits_are_refused(password: str) -> None:
    assert is_common(password)
    with pytest.raises(Invalid) as refused:
        check_password(password)
    assert "10.000 mật khẩu phổ biến nhất" in refused.value.message_vi
    assert "10,000 most common passwords" in refused.value.message
    assert refused.value.details[0]["loc"] == ["password"]


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaa", "abababababab", "abcabcabcabc", "1111122222", "abcdefghijkl", "9876543210"],
)
def test_repetitive_and_sequential_passwords_are_refused(password: str) -> None:
    assert is_repetitive(password)
    with pytest.raises(Invalid) as refused:
        check_password(password)
    assert "lặp lại" in refused.value.message_vi or "phổ biến" in refused.value.message_vi


def test_short_passwords_and_the_email_itself_are_refused() -> None:
    with pytest.raises(Invalid, match="at least 10"):
        check_password("Xk9#mq2")
    with pytest.raises(Invalid) as same:
        check_password("nguyen.van.an", email="Nguyen.Van.An@tdc.example.vn")
    assert "e-mail" in same.value.message_vi


@pytest.mark.parametrize(
    "password",
    ["mat-khau-du-dai-1", "cân đúng, đong đủ 2026", "Tram xang so 7 Ha Tinh", "x7!Kq9#pLm2"],
)
def test_long_unusual_passwords_pass(password: str) -> None:
    check_password(password, email="an@tdc.example.vn")
