"""Content-Disposition by RFC 6266: an ASCII filename and a UTF-8 filename*, nothing injected."""

from urllib.parse import unquote

import pytest

from metrology_svc.core.disposition import ascii_name, content_disposition


def _params(value: str) -> tuple[str, dict[str, str]]:
    kind, *rest = [p.strip() for p in value.split(";")]
    return kind, dict(p.split("=", 1) for p in rest)


def test_a_plain_name_is_given_both_ways() -> None:
    kind, params = _params(content_disposition("round-79.xlsx"))
    assert kind == "attachment"
    assert params == {"filename": '"round-79.xlsx"', "filename*": "UTF-8''round-79.xlsx"}


def test_a_vietnamese_name_arrives_whole_in_filename_star() -> None:
    kind, params = _params(content_disposition("Báo cáo đợt 1.pdf", kind="inline"))
    assert kind == "inline"
    assert params["filename"] == '"Bao-cao-dot-1.pdf"'
    assert unquote(params["filename*"].removeprefix("UTF-8''")) == "Báo cáo đợt 1.pdf"


@pytest.mark.parametrize(
    "name",
    [
        'a"; filename="evil.exe',
        "x\r\nSet-Cookie: s=1.pdf",
        "round-\u202egnp.exe",
        "tem-\u200b1.pdf",
        "../../etc/passwd",
        "a;b,c\\d.pdf",
    ],
)
def test_a_hostile_name_cannot_break_out_of_the_header(name: str) -> None:
    value = content_disposition(name)
    assert "\r" not in value
    assert "\n" not in value
    assert value.isascii()
    kind, params = _params(value)
    assert kind == "attachment"
    assert set(params) == {"filename", "filename*"}  # no parameter smuggled in
    fallback = params["filename"]
    assert fallback.count('"') == 2
    assert fallback.startswith('"')
    assert fallback.endswith('"')
    decoded = unquote(params["filename*"].removeprefix("UTF-8''"))
    assert not {"/", "\u202e", "\u200b"} & set(decoded)


def test_the_fallback_is_never_empty() -> None:
    assert ascii_name("") == "download"
    assert ascii_name("đợt") == "dot"
    assert ascii_name("文件") == "download"
