"""Sealed secrets: what is stored never shows the secret, opens only with the key, rotates."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.core.secret_box import PREFIX, SecretBox, SecretUnreadable, is_sealed

KEY = SecretBox.new_key()
OTHER = SecretBox.new_key()


@given(st.text(min_size=1, max_size=200))
def test_a_sealed_secret_opens_to_itself_and_does_not_show_it(secret: str) -> None:
    box = SecretBox([KEY])
    stored = box.seal(secret)
    assert is_sealed(stored)
    assert box.open(stored) == secret
    if len(secret) >= 4:
        assert secret not in stored
    assert len(stored) <= 600  # the column's width (migration 1703)


def test_sealing_twice_gives_different_tokens() -> None:
    box = SecretBox([KEY])
    assert box.seal("a-long-shared-secret") != box.seal("a-long-shared-secret")


def test_another_key_cannot_open_it_and_says_why() -> None:
    stored = SecretBox([KEY]).seal("a-long-shared-secret")
    with pytest.raises(SecretUnreadable, match="METROLOGY_SECRETS_KEY"):
        SecretBox([OTHER]).open(stored)
    with pytest.raises(SecretUnreadable):
        SecretBox([KEY]).open(PREFIX + "not-a-token")


def test_a_clear_value_of_an_earlier_version_is_read_and_marked_for_sealing() -> None:
    box = SecretBox([KEY])
    assert box.open("an-old-clear-secret") == "an-old-clear-secret"
    assert box.open(None) == ""
    assert box.needs_reseal("an-old-clear-secret")
    assert not box.needs_reseal(box.seal("x" * 16))


def test_rotation_opens_old_tokens_and_reseals_them_under_the_new_key() -> None:
    old = SecretBox([KEY]).seal("a-long-shared-secret")
    rotated = SecretBox([OTHER, KEY])
    assert rotated.open(old) == "a-long-shared-secret"
    assert rotated.needs_reseal(old)
    again = rotated.seal(rotated.open(old))
    assert not rotated.needs_reseal(again)
    assert SecretBox([OTHER]).open(again) == "a-long-shared-secret"


def test_a_box_needs_a_key() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        SecretBox([])
