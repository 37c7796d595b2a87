"""The report's issuing body follows the level: a commune's people's committee, or the
province's department under the province's committee; the words are settings."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.settings import Settings
from tests.factories import World
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.reports.test_exports import pdf_text
from tests.metrology_svc.stamps.support import API


def test_a_province_report_is_issued_by_the_department(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    make_year(client, db, world)
    params = {"unit_code": "42", "year": 2026}
    r = client.get(f"{API}/reports/yearly.pdf", params=params, headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    text = pdf_text(r.content, tmp_path)
    for phrase in [
        "UBND TỈNH HÀ TĨNH",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "/BC-SKHCN",
        "Hà Tĩnh, ngày",
        "- UBND tỉnh Hà Tĩnh;",
        "GIÁM ĐỐC",
    ]:
        assert phrase in text, phrase
    assert "ỦY BAN NHÂN DÂN" not in text


def test_the_issuing_body_is_configurable(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    make_year(client, db, world)
    settings.issuing_body_province = "Chi cục Tiêu chuẩn Đo lường Chất lượng"
    settings.issuing_body_province_parent = "Sở Khoa học và Công nghệ {place}"
    settings.issuing_body_commune = "UBND {place}"
    province = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": "42", "year": 2026},
        headers=world.auth("viewer"),
    ).json()["issuer"]
    assert province["heading"] == [
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH HÀ TĨNH",
        "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG",
    ]
    assert province["name"] == "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Hà Tĩnh"
    commune = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": "18754", "year": 2026},
        headers=world.auth("viewer"),
    ).json()["issuer"]
    assert (commune["name"], commune["heading"]) == (
        "UBND phường Sông Trí",
        ["UBND", "PHƯỜNG SÔNG TRÍ"],
    )
    assert commune["reports_to"] == "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Hà Tĩnh"


def test_the_signer_is_the_offices_own(
    client: TestClient, db: Session, world: World, settings: Settings, tmp_path: Path
) -> None:
    make_year(client, db, world)
    settings.document_signer_authority = "KT. GIÁM ĐỐC"
    settings.document_signer_position = "PHÓ GIÁM ĐỐC"
    settings.document_signer_name = "Nguyễn Thái Kiều Ngân"
    params = {"unit_code": "42", "year": 2026}
    province = client.get(f"{API}/reports/yearly", params=params, headers=world.auth("viewer"))
    issuer = province.json()["issuer"]
    assert (issuer["signer"], issuer["signer_name"]) == (
        ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        "Nguyễn Thái Kiều Ngân",
    )
    pdf = client.get(f"{API}/reports/yearly.pdf", params=params, headers=world.auth("viewer"))
    text = pdf_text(pdf.content, tmp_path)
    for phrase in ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Thái Kiều Ngân"]:
        assert phrase in text, phrase
    # A commune's report is its people's committee's: signed by it, not by the department.
    commune = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": "18754", "year": 2026},
        headers=world.auth("viewer"),
    ).json()["issuer"]
    assert (commune["signer"], commune["signer_name"]) == (["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "")
