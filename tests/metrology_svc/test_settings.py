"""Settings refuse at start what would only fail later."""

import pytest
from pydantic import ValidationError

from metrology_svc.settings import Settings


def test_a_webhook_allow_list_entry_that_is_not_a_network_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match=r"10\.0\.0\.300/8"):
        Settings(notice_webhook_allow_networks=["127.0.0.1/32", "10.0.0.300/8"])


def test_addresses_and_networks_are_accepted() -> None:
    settings = Settings(notice_webhook_allow_networks=["127.0.0.1", "10.0.0.0/8", "fd00::/8"])
    assert settings.notice_webhook_allow_networks == ["127.0.0.1", "10.0.0.0/8", "fd00::/8"]
