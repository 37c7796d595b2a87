"""Web passwords: scrypt hashes, login checks, and the set-password command."""

import pytest
from sqlmodel import Session, select

from metrology_svc.auth.credentials import (
    UserCredential,
    check_login,
    hash_password,
    set_password,
    verify_password,
)
from metrology_svc.core.errors import Invalid, NotFound
from tests.factories import World


def test_hash_is_salted_scrypt_and_verifies_only_the_password() -> None:
    one, two = hash_password("đúng-mật-khẩu"), hash_password("đúng-mật-khẩu")
    assert one.startswith("scrypt$16384$8$1$")
    assert one != two  # a fresh salt each time
    assert verify_password("đúng-mật-khẩu", one)
    assert not verify_password("đúng-mật-khẩU", one)
    assert not verify_password("x", "not-a-hash")


def test_set_password_and_check_login(db: Session, world: World) -> None:
    set_password(db, email="Inspector_A@tdc.example.vn", password="mot-hai-ba-bon")
    assert check_login(db, email="inspector_a@tdc.example.vn", password="mot-hai-ba-bon")
    assert check_login(db, email="inspector_a@tdc.example.vn", password="mot-hai-ba-nam") is None
    assert check_login(db, email="viewer@tdc.example.vn", password="mot-hai-ba-bon") is None
    stored = db.exec(select(UserCredential)).one()
    assert "mot-hai" not in stored.password_hash
    with pytest.raises(Invalid):
        set_password(db, email="viewer@tdc.example.vn", password="short")
    with pytest.raises(NotFound):
        set_password(db, email="nobody@tdc.example.vn", password="long-enough-1")
