"""Password policy: long enough, not one of the most common passwords, not a repetition.

The common list (data/common-passwords.txt) holds the 10,000 most used passwords of a
well-known public list, with its source named in its header. A password is refused when it,
or its core once leading and trailing digits and symbols are stripped ("dragon2026!" →
"dragon"), is in that list; or when it repeats a short pattern or walks a straight sequence
("aaaaaaaaaa", "abcabcabcabc", "0123456789", "9876543210"); or when it is the account's own
e-mail or its part before the @.
"""

import itertools
import string
from functools import lru_cache
from importlib import resources

from metrology_svc.core.errors import Invalid

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5
_EDGE = string.digits + string.punctuation + " "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the bundled list of common passwords (lower case), read once."""
    text = resources.files("metrology_svc.auth").joinpath("data/common-passwords.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def is_common(password: str) -> bool:
    """Tell whether the password, or its core without edge digits and symbols, is common."""
    lowered = password.strip().lower()
    core = lowered.strip(_EDGE)
    known = common_passwords()
    return lowered in known or (len(core) >= 4 and core in known)


def is_repetitive(password: str) -> bool:
    """Tell whether the password is a repeated pattern, a straight run, or few characters."""
    if len(set(password.lower())) < MIN_DISTINCT_CHARACTERS:
        return True
    if password in (password + password)[1:-1]:  # "abcabc": a whole repetition of a unit
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(password)}
    return len(steps) == 1 and steps <= {-1, 1}


def check_password(password: str, *, email: str = "") -> None:
    """Refuse a password that is short, common, repetitive or the account's e-mail."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
            message_vi=f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            loc=["password"],
        )
    lowered = password.strip().lower()
    local = email.strip().lower().partition("@")[0]
    if lowered and lowered in {email.strip().lower(), local}:
        raise Invalid(
            "The password must not be the account's e-mail address.",
            message_vi="Mật khẩu không được trùng với địa chỉ e-mail của tài khoản.",
            loc=["password"],
        )
    if is_common(password):
        raise Invalid(
            "This password is among the 10,000 most common passwords, which attackers try "
            "first; choose another, e.g. a long phrase of several words you will remember.",
            message_vi="Mật khẩu này nằm trong 10.000 mật khẩu phổ biến nhất, loại kẻ gian thử "
            "đầu tiên; hãy chọn mật khẩu khác, ví dụ một câu dài gồm vài từ dễ nhớ.",
            loc=["password"],
        )
    if is_repetitive(password):
        raise Invalid(
            "This password repeats characters or a pattern, or runs in sequence (aaaa, abcabc, "
            "123456…); choose one that is harder to guess.",
            message_vi="Mật khẩu này lặp lại ký tự hoặc một mẫu, hay là dãy liên tiếp (aaaa, "
            "abcabc, 123456…); hãy chọn mật khẩu khó đoán hơn.",
            loc=["password"],
        )
